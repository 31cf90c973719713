"""tests/promtext.py - a strict reader of the Prometheus text exposition
format (version 0.0.4), for tests/e2e_metrics.sh.

  promtext.py FILE            check FILE; print "ok N" (N samples) or
                              the first problem (exit 1)
  promtext.py FILE SERIES...  check it, then print each SERIES's value
                              (SERIES as name{label="v",...}, labels in
                              any order; "absent" if there is none)

Stricter than Prometheus itself, to hold the switch to what it writes:
every line is "# HELP name text", "# TYPE name type" or a sample
"name{label="value",...} value"; no blank lines, no other comments; the
text is UTF-8 and ends with a newline; names and label names valid; a
family's HELP and TYPE come once each, before its samples, and its
samples are together; counters are named ..._total; no series twice; a
label value uses only the escapes \\ \" \n; values are numbers.
"""
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
VALUE = re.compile(r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                   r"|[+-]Inf|NaN)\Z")


class Bad(Exception):
    pass


def labels(s, i):
    """Parse '{a="x",b="y"}' starting at s[i] == '{': (dict, next index)."""
    out = {}
    i += 1
    if s[i:i + 1] == "}":
        return out, i + 1
    while True:
        j = s.find("=", i)
        if j < 0:
            raise Bad("label without '='")
        name = s[i:j]
        if not LABEL.match(name) or name.startswith("__"):
            raise Bad("invalid label name %r" % name)
        if name in out:
            raise Bad("label %r twice" % name)
        if s[j + 1:j + 2] != '"':
            raise Bad("label value not quoted")
        i = j + 2
        v = []
        while True:
            if i >= len(s):
                raise Bad("unterminated label value")
            c = s[i]
            if c == "\\":
                e = s[i + 1:i + 2]
                if e not in ("\\", '"', "n"):
                    raise Bad("invalid escape \\%s" % e)
                v.append("\n" if e == "n" else e)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise Bad("newline in a label value")
            else:
                v.append(c)
                i += 1
        out[name] = "".join(v)
        if s[i:i + 1] == ",":
            i += 1
            if s[i:i + 1] == "}":
                raise Bad("trailing comma in labels")
            continue
        if s[i:i + 1] == "}":
            return out, i + 1
        raise Bad("expected ',' or '}' after a label")


def sample(line):
    m = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line)
    if not m:
        raise Bad("not a sample")
    name, i = m.group(0), m.end()
    lab = {}
    if line[i:i + 1] == "{":
        lab, i = labels(line, i)
    if line[i:i + 1] != " ":
        raise Bad("no single space before the value")
    rest = line[i + 1:].split(" ")
    if len(rest) not in (1, 2) or not VALUE.match(rest[0]):
        raise Bad("invalid value %r" % line[i + 1:])
    if len(rest) == 2 and not re.match(r"-?[0-9]+\Z", rest[1]):
        raise Bad("invalid timestamp")
    return name, lab, rest[0]


def key(name, lab):
    return name + "{" + ",".join('%s="%s"' % kv for kv in sorted(lab.items())) + "}"


def read(text):
    """The series of text, {key: value}; raises Bad naming the line."""
    if not text.endswith("\n"):
        raise Bad("does not end with a newline")
    helps, types, done, series = set(), {}, set(), {}
    cur = None
    for n, line in enumerate(text[:-1].split("\n"), 1):
        try:
            if line.startswith("#"):
                p = line.split(" ", 3)
                if len(p) < 3 or p[0] != "#" or p[1] not in ("HELP", "TYPE"):
                    raise Bad("a comment other than # HELP / # TYPE")
                name = p[2]
                if not NAME.match(name):
                    raise Bad("invalid metric name %r" % name)
                if name in done or (cur is not None and name != cur and name in types):
                    raise Bad("family %s not together" % name)
                if cur is not None and cur != name:
                    done.add(cur)
                cur = name
                if p[1] == "HELP":
                    if name in helps:
                        raise Bad("HELP twice")
                    helps.add(name)
                else:
                    if name in types:
                        raise Bad("TYPE twice")
                    if len(p) != 4 or p[3] not in TYPES:
                        raise Bad("invalid TYPE")
                    types[name] = p[3]
                    if p[3] == "counter" and not name.endswith("_total"):
                        raise Bad("counter %s not named ..._total" % name)
                continue
            name, lab, v = sample(line)
            if name not in types:
                raise Bad("sample of %s before its TYPE" % name)
            if name != cur:
                raise Bad("sample of %s outside its family" % name)
            if types[name] == "counter" and (v.startswith("-") or v == "NaN"):
                raise Bad("negative counter")
            k = key(name, lab)
            if k in series:
                raise Bad("series %s twice" % k)
            series[k] = v
        except Bad as e:
            raise Bad("line %d: %s: %r" % (n, e, line))
    for name in types:
        if name not in helps:
            raise Bad("%s has no HELP" % name)
    return series


def main():
    raw = open(sys.argv[1], "rb").read()
    try:
        series = read(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        print("not UTF-8: %s" % e)
        return 1
    except Bad as e:
        print(e)
        return 1
    if len(sys.argv) == 2:
        print("ok %d" % len(series))
        return 0
    for want in sys.argv[2:]:
        name, lab = want, {}
        if "{" in want:
            name = want[:want.index("{")]
            lab, _ = labels(want, want.index("{"))
        print(series.get(key(name, lab), "absent"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
