#!/usr/bin/python3
"""tests/check_formats.py - every format string etherws hands to its own
printf (fmt.c) uses only what fmt.c implements.

GCC's -Wformat checks argument types against the format(printf) attribute
but knows libc's printf, not ours: %c, %p, %o, %X, %i, %f, h, hh, j, t,
'+', ' ', '#' and the like compile silently, and fmt.c traps on them (debug)
or stops the line at "%?" (NDEBUG).  This finds them before run time.

  - The printf-like functions are those declared with
    __attribute__((format(printf, N, M))) in any *.h or top-level *.c
    (statics included), so a new wrapper is covered without editing this;
    and the function-like macros that hand a format on to one (log_debug).
  - Every call of one in a top-level *.c: its format argument must be a
    string literal (adjacent literals concatenated, #define'd string
    macros of our own expanded, "c ? "a" : "b"" both checked).  Any other
    macro (PRIu64 ...) is reported: fmt.c has no inttypes lengths.
  - A format that is not a literal is reported, unless the call is in a
    function that itself has the format attribute and passes its own
    format parameter on (a forwarding wrapper: GCC and this check see its
    callers' literals instead), or it is in ALLOW below, with a reason.
  - A conversion is %[-0]*[width][.prec][l|ll|z](d|u|x), %[-0]*[width]
    [.prec]s or a bare %%; width and precision are digits or '*' (see
    fmt_run in fmt.c).

Prints "file:line: unsupported conversion %X in "..."" (or what else is
wrong; line: the format's first) for each offence and exits 1; 0 and one
summary line otherwise.  Calls in a macro's body and in a function
pointer's are not seen (there are none).  Needs only Python's stdlib.
Usage: tests/check_formats.py [FILE.c ...]   (default: every top-level *.c)
"""
import glob
import os
import re
import sys

# Calls whose format is not a literal and that are known to be safe,
# each with the reason:
#   ('file.c', 'enclosing function', 'called function'): 'why it is safe',
# Empty: today every non-literal format is a forwarding wrapper's own.
ALLOW = {
}

TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>(?:u8|[uUL])?"(?:[^"\\\n]|\\.)*")
  | (?P<char>(?:u8|[uUL])?'(?:[^'\\\n]|\\.)*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*)
  | (?P<punct>\.\.\.|->|\+\+|--|<<=|>>=|[<>=!+\-*/%&|^]=|&&|\|\||<<|>>|\#\#|.)
''', re.S | re.X)

CONV = re.compile(r'%(?:[-0]*(?:\*|[0-9]*)(?:\.(?:\*|[0-9]*))?'
                  r'(?:(?:ll|l|z)?[dux]|s)|%)')
SPEC = re.compile(r'%[-+ #0]*(?:\*|[0-9]*)(?:\.(?:\*|[0-9]*))?'
                  r'(?:hh|h|ll|l|j|z|t|L|q)?.?', re.S)


class Tok:
    __slots__ = ('kind', 'text', 'line')

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line


def lex(src, line=1):
    toks, pos = [], 0
    while pos < len(src):
        m = TOKEN.match(src, pos)
        kind, text = m.lastgroup, m.group()
        if kind not in ('ws', 'comment'):
            toks.append(Tok(kind, text, line))
        line += text.count('\n')
        pos = m.end()
    return toks


def tokenize(path, macros, fmacros=None):
    """Tokens of a C file without comments and preprocessor lines; string
    macros (#define NAME "...") go into macros, function-like ones into
    fmacros as name -> (parameters, body tokens)."""
    src = open(path, encoding='utf-8', errors='replace').read()
    # comments to blanks (newlines kept), string and char literals as they are
    src = re.sub(r'''"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|/\*.*?\*/|//[^\n]*''',
                 lambda m: (m.group() if m.group()[0] in '"\''
                            else re.sub(r'[^\n]', ' ', m.group())),
                 src, flags=re.S)
    # preprocessor lines (with their continuations) out, lines kept
    out, lines, i = [], src.split('\n'), 0
    while i < len(lines):
        ln = lines[i]
        if ln.lstrip().startswith('#'):
            d = [ln]
            while d[-1].endswith('\\') and i + 1 < len(lines):
                i += 1
                d.append(lines[i])
            m = re.match(r'\s*#\s*define\s+([A-Za-z_]\w*)\s+((?:"(?:[^"\\]|\\.)*"\s*)+)$',
                         ' '.join(x.rstrip('\\') for x in d))
            if m:
                macros[m.group(1)] = re.findall(r'"(?:[^"\\]|\\.)*"', m.group(2))
            m = re.match(r'\s*#\s*define\s+([A-Za-z_]\w*)\(([^)]*)\)(.*)$',
                         ' '.join(x.rstrip('\\') for x in d))
            if m and fmacros is not None:
                fmacros[m.group(1)] = ([x.strip() for x in m.group(2).split(',')],
                                       lex(m.group(3)))
            out.extend([''] * len(d))
        else:
            out.append(ln)
        i += 1
    return lex('\n'.join(out))


def find_printf_macros(fmacros, found):
    """Function-like macros that hand a format on to a printf-like
    function (log_debug(...) -> log_msg(level, __VA_ARGS__)) are printf-like
    too: name -> the macro argument that is the format."""
    more = True
    while more:
        more = False
        for name, (params, body) in fmacros.items():
            if name in found:
                continue
            for i, t in enumerate(body[:-1]):
                if t.text not in found or body[i + 1].text != '(':
                    continue
                args = split_top(body[i + 2:match_close(body, i + 1)], ',')
                k = found[t.text]
                for j, a in enumerate(args[:k]):
                    a = [x.text for x in a]
                    if a == ['__VA_ARGS__'] and params[-1] == '...':
                        found[name] = len(params) + k - j - 1
                    elif j == k - 1 and len(a) == 1 and a[0] in params:
                        found[name] = params.index(a[0]) + 1
                if name in found:
                    more = True
                    break


def match_close(toks, i):
    """Index of the bracket closing the one at toks[i]."""
    pairs = {'(': ')', '[': ']', '{': '}'}
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if toks[j].kind != 'punct':
            continue
        if t in pairs:
            depth += 1
        elif t in (')', ']', '}'):
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def split_top(toks, sep):
    """toks split at depth-0 punctuation sep."""
    parts, cur, depth = [], [], 0
    for t in toks:
        if t.kind == 'punct' and t.text in '([{':
            depth += 1
        elif t.kind == 'punct' and t.text in ')]}':
            depth -= 1
        if depth == 0 and t.kind == 'punct' and t.text == sep:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    parts.append(cur)
    return parts


def find_printf_like(toks, found, where):
    """name -> format argument index (1-based) from format attributes."""
    for i, t in enumerate(toks):
        if t.text not in ('format', '__format__') or i + 6 >= len(toks):
            continue
        a = [x.text for x in toks[i + 1:i + 7]]
        if (a[0] != '(' or a[1] not in ('printf', '__printf__', 'gnu_printf')
                or a[2] != ',' or a[4] != ','):
            continue
        # the declaration around it: from the last ; { } to the next ; {
        s = i
        while s > 0 and toks[s - 1].text not in (';', '{', '}'):
            s -= 1
        e = i
        while e < len(toks) and toks[e].text not in (';', '{'):
            e += 1
        name, depth = None, 0
        for j in range(s, e):
            x = toks[j]
            if x.text == '(':
                if (depth == 0 and name is None and j > s
                        and toks[j - 1].kind == 'ident'
                        and toks[j - 1].text != '__attribute__'):
                    name = toks[j - 1].text
                depth += 1
            elif x.text == ')':
                depth -= 1
        if name is None:
            print('%s:%d: a format attribute on no function I can name'
                  % (where, t.line))
            continue
        idx = int(a[3])
        if found.get(name, idx) != idx:
            print('%s:%d: %s: two format attributes that disagree'
                  % (where, t.line, name))
        found[name] = idx


ESC = {'n': '\n', 't': '\t', 'r': '\r', 'a': '\a', 'b': '\b', 'f': '\f',
       'v': '\v', 'e': '\x1b', '\\': '\\', "'": "'", '"': '"', '?': '?'}


def unescape(lit):
    """The characters of one C string literal, quotes and prefix off."""
    body = lit[lit.index('"') + 1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != '\\':
            out.append(c)
            i += 1
            continue
        n = body[i + 1]
        if n == 'x':
            m = re.match(r'[0-9a-fA-F]+', body[i + 2:])
            out.append(chr(int(m.group(), 16) & 0xff))
            i += 2 + len(m.group())
        elif n in '01234567':
            m = re.match(r'[0-7]{1,3}', body[i + 1:])
            out.append(chr(int(m.group(), 8) & 0xff))
            i += 1 + len(m.group())
        else:
            out.append(ESC.get(n, n))
            i += 2
    return ''.join(out)


def formats_of(arg, macros):
    """The format strings arg can be: a list of (text, shown, [unknown
    macros]) or None when it is not made of literals."""
    while (len(arg) >= 2 and arg[0].text == '('
           and match_close(arg, 0) == len(arg) - 1):
        arg = arg[1:-1]
    q = split_top(arg, '?')
    if len(q) == 2:
        c = split_top(q[1], ':')
        if len(c) != 2:
            return None
        a, b = formats_of(c[0], macros), formats_of(c[1], macros)
        return a + b if a is not None and b is not None else None
    if not arg or not any(t.kind == 'string' for t in arg):
        return None
    text, shown, unknown = [], [], []
    for t in arg:
        if t.kind == 'string':
            s = unescape(t.text)
            text.append(s)
            shown.append(t.text[t.text.index('"') + 1:-1])
        elif t.kind == 'ident' and t.text in macros:
            for lit in macros[t.text]:
                text.append(unescape(lit))
                shown.append(lit[1:-1])
        elif t.kind == 'ident':
            unknown.append(t.text)
            text.append('\0')	# stands in for it: no conversion
            shown.append('" %s "' % t.text)
        else:
            return None
    return [(''.join(text), ''.join(shown), unknown)]


def bad_conversions(fmt):
    """The conversions in fmt that fmt.c does not implement."""
    bad, i = [], 0
    while True:
        i = fmt.find('%', i)
        if i < 0:
            return bad
        m = CONV.match(fmt, i)
        if m:
            i = m.end()
            continue
        m = SPEC.match(fmt, i)
        if '\0' not in m.group():	# not one running into a macro
            bad.append(m.group() if m.group() != '%' else '% at the end')
        i = m.end()


def check_file(path, printf_like, macros, report):
    toks = tokenize(path, {})
    name = os.path.basename(path)
    ncalls, depth, func, fparams = 0, 0, None, []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text == '{' and t.kind == 'punct':
            if depth == 0 and i > 0 and toks[i - 1].text == ')':
                # a function definition: its name and parameter names
                j = i - 1
                d = 0
                while j >= 0:
                    if toks[j].text == ')':
                        d += 1
                    elif toks[j].text == '(':
                        d -= 1
                        if d == 0:
                            break
                    j -= 1
                if j > 0 and toks[j - 1].kind == 'ident':
                    func = toks[j - 1].text
                    fparams = [p[-1].text if p and p[-1].kind == 'ident'
                               else None
                               for p in split_top(toks[j + 1:i - 1], ',')]
            depth += 1
        elif t.text == '}' and t.kind == 'punct':
            depth -= 1
            if depth == 0:
                func = None
        elif (depth > 0 and t.kind == 'ident' and t.text in printf_like
              and i + 1 < len(toks) and toks[i + 1].text == '('
              and not (i > 0 and toks[i - 1].text in ('.', '->'))):
            close = match_close(toks, i + 1)
            args = split_top(toks[i + 2:close], ',')
            k = printf_like[t.text]
            ncalls += 1
            if len(args) < k or not args[k - 1]:
                report('%s:%d: %s: no format argument'
                       % (name, t.line, t.text))
                i = close + 1
                continue
            arg = args[k - 1]
            line = arg[0].line
            fmts = formats_of(arg, macros)
            if fmts is None:
                text = ' '.join(x.text for x in arg)
                own = (func in printf_like and len(arg) == 1
                       and len(fparams) >= printf_like[func]
                       and fparams[printf_like[func] - 1] == arg[0].text)
                if not own and (name, func, t.text) not in ALLOW:
                    report('%s:%d: format of %s is not a literal: %s '
                           '(in %s; a forwarding wrapper needs the '
                           'format attribute, anything else ALLOW in %s)'
                           % (name, line, t.text, text, func,
                              os.path.basename(sys.argv[0])))
            else:
                for text, shown, unknown in fmts:
                    for u in unknown:
                        report('%s:%d: unsupported conversion macro %s in '
                               '"%s"' % (name, line, u, shown))
                    for b in bad_conversions(text):
                        report('%s:%d: unsupported conversion %s in "%s"'
                               % (name, line, b, shown))
            # calls inside the arguments are looked at too
        i += 1
    return ncalls


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    files = sys.argv[1:] or sorted(glob.glob('*.c'))
    printf_like, macros, fmacros = {}, {}, {}
    for p in sorted(set(glob.glob('*.h') + glob.glob('*.c') + files)):
        find_printf_like(tokenize(p, macros, fmacros), printf_like, p)
    find_printf_macros(fmacros, printf_like)
    if not printf_like:
        print('check_formats: no format(printf) attribute found')
        return 1
    problems = []

    def report(msg):
        problems.append(msg)
        print(msg)

    ncalls = sum(check_file(p, printf_like, macros, report) for p in files)
    print('check_formats: %d calls of %s in %d files: %s'
          % (ncalls, ', '.join(sorted(printf_like)), len(files),
             '%d problems' % len(problems) if problems else 'all fine'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
