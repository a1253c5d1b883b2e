#!/usr/bin/env python3
"""Compare Maclaurin's benchmark lines with the Python references.

usage: compare.py [FILE ...] [-m MACLAURIN_FILE ...] [--all-runs] [--max-others PCT] [--verbose]

Reads `WORKLOAD IMPL MEDIAN_MS key=value ...` lines (other lines, e.g. '#' comments, are ignored)
from the FILEs, or from stdin when none is given ('-' also means stdin). A line is Maclaurin's when
its IMPL starts with "maclaurin" or it comes from a file given with -m; every other line is a
reference. Prints, per workload, the best (lowest-median) reference implementation, each Maclaurin
implementation, and ratio = reference_ms / maclaurin_ms: > 1 means Maclaurin is faster.

Rules:
  * Lines are grouped by workload id and, when the line says so, by size: a `size=N` key, or an
    IMPL ending in _N with N >= 3 digits (W7's numpy_matmul_1024). So W7 at 1024 and at 2048
    are separate rows.
  * A reference line with reps < 5 (e.g. one W6 PSO run) does not meet the protocol and is not a
    candidate for "best reference", unless --all-runs.
  * The same (workload, size, impl) seen several times (several runs pasted together) counts as
    the median of its medians; the count is shown as xN.
  * others_cpu% above --flag-others (default 10) is marked with '!'; --max-others PCT drops such lines.
"""
import argparse
import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r"^(W[0-9][0-9A-Za-z_.-]*)\s+(\S+)\s+(\S+)(.*)$")
SIZE_SUFFIX = re.compile(r"_(\d{3,})$")


def parse(fh, force_maclaurin, rows):
    for raw in fh:
        m = LINE.match(raw.strip())
        if not m:
            continue
        wid, impl, med, rest = m.groups()
        try:
            med = float(med)
        except ValueError:
            continue  # e.g. "FAILED"
        if med != med or med <= 0:
            continue
        kv = dict(t.split("=", 1) for t in rest.split() if "=" in t)
        size = kv.get("size")
        if size is None:
            sm = SIZE_SUFFIX.search(impl)
            size = sm.group(1) if sm else ""
        maclaurin = force_maclaurin or impl.lower().startswith("maclaurin")
        reps = _num(kv.get("reps"))
        others = _num(kv.get("others_cpu%"))
        rows.append(dict(wid=wid, size=size, impl=impl, ms=med, maclaurin=maclaurin, reps=reps, others=others))


def _num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def wkey(group):
    wid, size = group
    m = re.match(r"W(\d+)(.*)", wid)
    return (int(m.group(1)), m.group(2), int(size) if size.isdigit() else 0) if m else (1 << 30, wid, 0)


def combine(rows):
    """(wid, size, impl) -> dict(ms=median of medians, n, others=max, reps=min, maclaurin)."""
    acc = defaultdict(list)
    for r in rows:
        acc[(r["wid"], r["size"], r["impl"], r["maclaurin"])].append(r)
    out = {}
    for (wid, size, impl, mac), rs in acc.items():
        others = [r["others"] for r in rs if r["others"] is not None]
        reps = [r["reps"] for r in rs if r["reps"] is not None]
        out[(wid, size, impl, mac)] = dict(wid=wid, size=size, impl=impl, maclaurin=mac, n=len(rs),
                                           ms=statistics.median(r["ms"] for r in rs),
                                           others=max(others) if others else None,
                                           reps=min(reps) if reps else None)
    return list(out.values())


def fmt_ms(e, flag):
    if e is None:
        return "-"
    s = f"{e['ms']:.4g}"
    if e["n"] > 1:
        s += f" x{e['n']}"
    if e["others"] is not None and e["others"] > flag:
        s += " !"
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("-m", "--maclaurin", action="append", default=[], metavar="FILE",
                    help="a file whose lines are all Maclaurin's")
    ap.add_argument("--all-runs", action="store_true", help="let lines with reps < 5 be the best reference")
    ap.add_argument("--max-others", type=float, default=None, help="drop lines with others_cpu%% above this")
    ap.add_argument("--flag-others", type=float, default=10.0)
    ap.add_argument("-v", "--verbose", action="store_true", help="also list every reference implementation")
    a = ap.parse_args()

    rows = []
    for path in a.files or (["-"] if not a.maclaurin else []):
        if path == "-":
            parse(sys.stdin, False, rows)
        else:
            with open(path) as fh:
                parse(fh, False, rows)
    for path in a.maclaurin:
        with open(path) as fh:
            parse(fh, True, rows)
    if a.max_others is not None:
        rows = [r for r in rows if r["others"] is None or r["others"] <= a.max_others]
    entries = combine(rows)
    if not entries:
        sys.exit("compare.py: no `WORKLOAD IMPL MEDIAN_MS` lines found")

    groups = defaultdict(list)
    for e in entries:
        groups[(e["wid"], e["size"])].append(e)

    hdr = ("workload", "best reference", "ref ms", "maclaurin impl", "mac ms", "ratio")
    table = []
    for g in sorted(groups, key=wkey):
        es = groups[g]
        refs = [e for e in es if not e["maclaurin"] and (a.all_runs or e["reps"] is None or e["reps"] >= 5)]
        macs = sorted((e for e in es if e["maclaurin"]), key=lambda e: e["ms"])
        best = min(refs, key=lambda e: e["ms"]) if refs else None
        name = g[0] + (f"@{g[1]}" if g[1] else "")
        for i, mac in enumerate(macs or [None]):
            ratio = f"{best['ms'] / mac['ms']:.2f}" if best and mac else "-"
            table.append((name if i == 0 else "",
                          (best["impl"] if best else "-") if i == 0 else "",
                          fmt_ms(best, a.flag_others) if i == 0 else "",
                          mac["impl"] if mac else "-", fmt_ms(mac, a.flag_others), ratio))
        if a.verbose:
            for e in sorted((e for e in es if not e["maclaurin"]), key=lambda e: e["ms"]):
                if e is not best:
                    table.append(("", "  " + e["impl"], fmt_ms(e, a.flag_others), "", "",
                                  f"{e['ms'] / macs[0]['ms']:.2f}" if macs else "-"))

    widths = [max(len(str(r[i])) for r in [hdr] + table) for i in range(len(hdr))]
    right = {2, 4, 5}

    def show(r):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    print(show(hdr))
    print(show(tuple("-" * w for w in widths)))
    for r in table:
        print(show(r))
    print("\nratio = best reference ms / maclaurin ms (> 1: Maclaurin is faster); "
          f"'!' = others_cpu% > {a.flag_others:g} (machine busy); xN = median of N runs")


if __name__ == "__main__":
    main()
