#!/usr/bin/env python3
"""Writes the NanGate 45 nm typical liberty without its power groups.

Usage: strip_power.py nangate45_typ.lib.gz > NangateOpenCellLibrary_typical.lib

Removes every `internal_power (...) { ... }` and `leakage_power (...) { ... }`
group (Yosys and ABC read only areas, functions and timing) and puts a notice of
the change at the top, as the Apache License 2.0 asks (section 4(b)). Nothing
else is changed: cells, areas, functions, timing tables and the original header
stay byte for byte. See README.md.
"""
import gzip
import re
import sys

NOTICE = """/* MODIFIED by the systolic project (hdlgen/tables/nangate45/strip_power.py):
 * the internal_power and leakage_power groups were removed; nothing else was
 * changed. Source: parallaxsw/OpenSTA examples/nangate45_typ.lib.gz, the
 * NanGate 45 nm Open Cell Library PDKv1.3_v2010_12, released under the
 * Apache License 2.0 (LICENSE beside this file). */
"""


def strip(text, name):
    pattern = re.compile(r"\n[ \t]*" + name + r"[ \t]*\([^)]*\)[ \t]*\{")
    out, i = [], 0
    while True:
        m = pattern.search(text, i)
        if not m:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:m.start()])
        j, depth = m.end(), 1
        while depth:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
            j += 1
        i = j


def main():
    with gzip.open(sys.argv[1], "rt") as f:
        text = f.read()
    for group in ("internal_power", "leakage_power"):
        text = strip(text, group)
    sys.stdout.write(NOTICE + text)


if __name__ == "__main__":
    main()
