#!/usr/bin/env python3
"""Peak and per-report resident memory of a long `maclaurin` run (does memory stay flat?).

usage: Scripts/rss-long-run.py [--binary PATH] -- ARGS...
e.g.   Scripts/rss-long-run.py -- train --epochs 60 --json
       Scripts/rss-long-run.py -- fit Examples/sincos.csv --layers 2,32,32,1 --optimizer adam \
           --iterations 40000 --json --out /tmp/m.json

Starts the command, reads its JSON lines, and after each one samples the process's VmRSS and
VmHWM (peak) from /proc. Prints one line per report and a summary: RSS at the first report after
warm-up (the 3rd), the last, the peak, and the growth from the 3rd to the last report. A flat run
grows by a few MB at most; a leak grows with the number of reports.
"""
import json, subprocess, sys

def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0]) / 1024.0  # MiB
    return out

def main():
    argv = sys.argv[1:]
    binary = ".build/release/maclaurin"
    if argv[:1] == ["--binary"]:
        binary, argv = argv[1], argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    p = subprocess.Popen([binary] + argv, stdout=subprocess.PIPE, text=True)
    samples = []
    for line in p.stdout:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        try:
            s = status(p.pid)
        except FileNotFoundError:
            break
        if "VmRSS" not in s:  # the process has exited (a zombie has no memory lines)
            break
        step = obj.get("epoch", obj.get("step", len(samples)))
        samples.append((step, s.get("VmRSS", 0.0), s.get("VmHWM", 0.0)))
        print(f"report {len(samples):4d} step {step}: rss {s.get('VmRSS', 0):8.1f} MiB  peak {s.get('VmHWM', 0):8.1f} MiB", flush=True)
    code = p.wait()
    if len(samples) < 4:
        print(f"rss: only {len(samples)} reports (exit {code}); run longer", file=sys.stderr)
        sys.exit(1)
    warm, last = samples[2], samples[-1]
    peak = max(s[2] for s in samples)
    print(f"rss summary: reports={len(samples)} rss_after_warmup={warm[1]:.1f}MiB rss_last={last[1]:.1f}MiB "
          f"growth={last[1] - warm[1]:+.1f}MiB peak={peak:.1f}MiB exit={code}")
    sys.exit(code)

if __name__ == "__main__":
    main()
