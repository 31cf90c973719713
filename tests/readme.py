#!/usr/bin/python3
"""readme.py - the README walkthrough, for tests/e2e_readme.sh.

  readme.py script README PREFIX    the walkthrough's shell block, with
                                    namespaces a and b renamed PREFIX-a
                                    and PREFIX-b (nothing else changes)
  readme.py output README           the output block README shows
  readme.py normalize FILE          FILE with what varies from run to run
                                    replaced: ping times, MAC addresses,
                                    frame counters, FDB ages and order

The blocks are the first fenced blocks after the marker comments
"<!-- walkthrough:" and "<!-- walkthrough output -->".
"""
import re
import sys


def block(text, marker):
    i = text.index(marker)
    i = text.index("```", i)
    i = text.index("\n", i) + 1
    j = text.index("```", i)
    return text[i:j]


def script(text, prefix):
    s = block(text, "<!-- walkthrough:")
    # "ip netns add a", "netns a", "-n a", "ip netns exec a", "pids a"
    return re.sub(r"(?<!\S)(netns (?:add|del|exec|pids)|netns|-n) ([ab])\b",
                  lambda m: "%s %s-%s" % (m.group(1), prefix, m.group(2)),
                  s)


MAC = re.compile(r"\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b")
PORTROW = re.compile(r"^  (\d+) +(tap|netdev|client|server) +(\w+) +"
                     r"\d+ +\d+ +(\S+) *$")
FDBROW = re.compile(r"^  (\d+) +(\d+) +MAC +\d+ *$")


def normalize(text):
    out, fdb = [], []
    for line in text.splitlines():
        line = re.sub(r"time=[0-9.]+ ms", "time=T ms", line)
        line = re.sub(r", time \d+ms$", ", time Tms", line)
        line = re.sub(r"^rtt min/avg/max/mdev = .*", "rtt T", line)
        line = MAC.sub("MAC", line)
        m = PORTROW.match(line)
        if m:
            line = "  %s %s %s RX TX %s" % m.groups()
        m = FDBROW.match(line)
        if m:		# FDB rows come in MAC order: sort them
            fdb.append("  %s %s MAC AGE" % m.groups())
            continue
        out.extend(sorted(fdb))
        fdb = []
        # column widths follow the counters' digits
        out.append(re.sub(r"  +", "  ", line.rstrip()) if
                   line.startswith("  ") else line)
    out.extend(sorted(fdb))
    return "\n".join(out) + "\n"


def main():
    cmd = sys.argv[1]
    text = open(sys.argv[2]).read()
    if cmd == "script":
        sys.stdout.write(script(text, sys.argv[3]))
    elif cmd == "output":
        sys.stdout.write(block(text, "<!-- walkthrough output -->"))
    elif cmd == "normalize":
        sys.stdout.write(normalize(text))
    else:
        sys.exit("readme.py: unknown command " + cmd)


main()
