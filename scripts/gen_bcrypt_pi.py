#!/usr/bin/python3
"""gen_bcrypt_pi.py - writes bcrypt_pi.h, Blowfish's initial P-array and
S-boxes: the fractional hexadecimal digits of pi, in order (18 words of
P, then the four S-boxes of 256 words each), as Schneier defined them.

pi comes from Machin's formula, pi = 16 atan(1/5) - 4 atan(1/239), in
integer fixed point with guard bits; nothing is copied from elsewhere.
Usage: scripts/gen_bcrypt_pi.py > bcrypt_pi.h
"""

WORDS = 18 + 4 * 256
BITS = WORDS * 32
GUARD = 64


def atan_inv(x, bits):
    """atan(1/x) * 2**bits, by its Taylor series (truncation errors stay
    far below the guard bits)."""
    one = 1 << bits
    term = one // x
    total, n, sign, x2 = term, 1, 1, x * x
    while term:
        term //= x2
        n += 2
        sign = -sign
        total += sign * (term // n)
    return total


def pi_words():
    bits = BITS + GUARD
    pi = 16 * atan_inv(5, bits) - 4 * atan_inv(239, bits)
    frac = (pi >> GUARD) & ((1 << BITS) - 1)	# drop the 3 and the guard
    return [(frac >> (BITS - 32 * (i + 1))) & 0xffffffff
            for i in range(WORDS)]


def table(name, words):
    out = [name + " = {"]
    for i in range(0, len(words), 6):
        out.append("\t" + " ".join("0x%08x," % w for w in words[i:i + 6]))
    out.append("};")
    return "\n".join(out)


def main():
    w = pi_words()
    assert w[0] == 0x243f6a88 and w[1] == 0x85a308d3	# pi = 3.243F6A8885A308D3...
    print("/*\n * bcrypt_pi.h - Blowfish's initial state: the hexadecimal digits of pi\n"
          " * after the point (P: the first 18 words, then S-boxes 0..3).  Made by\n"
          " * scripts/gen_bcrypt_pi.py; do not edit.  Included by bcrypt.c alone.\n"
          " */\n#ifndef BCRYPT_PI_H\n#define BCRYPT_PI_H\n\n#include <stdint.h>\n")
    print(table("static const uint32_t bf_pi_p[18]", w[:18]))
    print()
    s = w[18:]
    print("static const uint32_t bf_pi_s[4][256] = {")
    for b in range(4):
        print("\t{")
        words = s[256 * b:256 * (b + 1)]
        for i in range(0, 256, 6):
            print("\t" + " ".join("0x%08x," % x for x in words[i:i + 6]))
        print("\t},")
    print("};\n\n#endif /* BCRYPT_PI_H */")


main()
