#!/usr/bin/env python3
"""Run Maclaurin's Python reference benchmarks and collect their lines in one file.

usage: run_all.py [-o OUT] [--python PY] [--retries N] [--threshold PCT] [NAME ...]

NAME selects scripts: a script name (w1_jax, w5_torch), a workload id (W1, W1b, W5i; case-insensitive)
or a framework (jax, torch, keras, pyswarms, numpy). No NAME runs every script.

Each script runs in its own process with the interpreter given by --python, else $MACLAURIN_PY,
else /work/venv/bin/python. A script is re-run (up to --retries more times, default 2) while any of its
lines reports others_cpu% above --threshold (default 10): other processes were using the machine
while it timed. For every line (workload + implementation) the cleanest attempt is kept, and the
line gets attempt=K appended; a comment per script gives the worst others_cpu% kept.

--wait-quiet SECONDS waits, before each attempt, up to SECONDS for the machine to be no more than
--threshold % busy (useful on a machine shared with builds).

Output: all `WORKLOAD IMPL MEDIAN_MS key=value...` lines (and '#' comments) go to OUT (default
Benchmarks/results/reference-<date>.txt, which git ignores) and to stdout.
"""
import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PY = "/work/venv/bin/python"

# (script, workloads, frameworks); JAX scripts run before the PyTorch ones of the same workload,
# because the PyTorch scripts compare their results against the JAX outputs of the same run.
SCRIPTS = [
    ("w1_jax", ["W1"], ["jax"]),
    ("w1_torch", ["W1"], ["torch"]),
    ("w1b_jax", ["W1b"], ["jax"]),
    ("w1b_torch", ["W1b"], ["torch"]),
    ("w2_jax", ["W2"], ["jax"]),
    ("w2_torch", ["W2"], ["torch"]),
    ("w3_jax", ["W3"], ["jax"]),
    ("w3_torch", ["W3"], ["torch"]),
    ("w4_jax", ["W4"], ["jax"]),
    ("w4_torch", ["W4"], ["torch"]),
    ("w5_jax", ["W5", "W5i"], ["jax"]),
    ("w5_torch", ["W5", "W5i"], ["torch"]),
    ("w5_keras", ["W5", "W5i"], ["keras"]),
    ("w6_pso", ["W6"], ["pyswarms", "numpy"]),
    ("w7_matmul", ["W7"], ["numpy", "torch", "jax"]),
]

LINE = re.compile(r"^(W\w+|#)")
OTHERS = re.compile(r"others_cpu%=([0-9.]+)")


def select(names):
    if not names:
        return [s for s, _, _ in SCRIPTS]
    wanted = {n.lower() for n in names}
    known = {s for s, _, _ in SCRIPTS} | {w.lower() for _, ws, _ in SCRIPTS for w in ws} \
        | {f for _, _, fs in SCRIPTS for f in fs}
    unknown = wanted - known
    if unknown:
        sys.exit(f"run_all.py: unknown name(s) {sorted(unknown)}; known: {sorted(known)}")
    return [s for s, ws, fs in SCRIPTS
            if s in wanted or any(w.lower() in wanted for w in ws) or any(f in wanted for f in fs)]


def interpreter(arg):
    py = arg or os.environ.get("MACLAURIN_PY") or DEFAULT_PY
    if not (os.path.isfile(py) and os.access(py, os.X_OK)):
        sys.exit(f"run_all.py: no Python interpreter at {py!r}; create the venv (see Benchmarks/README.md) "
                 f"or set MACLAURIN_PY")
    return py


def machine_busy_pct(seconds=2.0):
    """% of the machine's CPU busy over `seconds` (this runner is idle meanwhile)."""
    def snap():
        with open("/proc/stat") as fh:
            f = [int(v) for v in fh.readline().split()[1:9]]
        return sum(f) - f[3] - f[4], sum(f)
    b0, t0 = snap()
    time.sleep(seconds)
    b1, t1 = snap()
    return 100.0 * (b1 - b0) / max(1, t1 - t0)


def wait_for_quiet(threshold, max_wait):
    """Wait up to max_wait seconds for the machine's CPU use to fall to threshold; returns the last figure."""
    deadline = time.time() + max_wait
    busy = machine_busy_pct()
    while busy > threshold and time.time() < deadline:
        time.sleep(min(10.0, max(0.0, deadline - time.time())))
        busy = machine_busy_pct()
    return busy


def run_script(py, script, env, timeout):
    t0 = time.time()
    try:
        p = subprocess.run([py, os.path.join(HERE, script + ".py")], env=env, cwd=HERE,
                           capture_output=True, text=True, timeout=timeout)
        out, err, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err, rc = f"timeout after {timeout}s", "timeout"
    lines = [l for l in out.splitlines() if LINE.match(l)]
    if rc != 0:
        tail = err.strip()[-600:].replace("\n", " | ")
        lines.append(f"# {script} exit={rc} stderr tail: {tail}")
    worst = max([float(v) for v in OTHERS.findall(out)], default=0.0)
    return lines, worst, time.time() - t0, rc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*")
    ap.add_argument("-o", "--out")
    ap.add_argument("--python")
    ap.add_argument("--retries", type=int, default=2)
    ap.add_argument("--threshold", type=float, default=10.0, help="others_cpu%% above which a script is re-run")
    ap.add_argument("--pause", type=float, default=5.0, help="seconds to wait before a re-run")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per script attempt")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                    help="before each attempt, wait up to SECONDS for the machine's CPU use to fall to --threshold")
    a = ap.parse_args()

    scripts = select(a.names)
    py = interpreter(a.python)
    out = a.out or os.path.join(HERE, "..", "results", time.strftime("reference-%Y%m%d-%H%M%S.txt"))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONWARNINGS="ignore")
    env.setdefault("MACLAURIN_XCHECK_DIR", tempfile.mkdtemp(prefix="maclaurin-xcheck-"))

    with open(out, "w") as fh:
        def put(line):
            fh.write(line + "\n"); fh.flush()
            print(line, flush=True)

        put(f"# maclaurin reference run {time.strftime('%Y-%m-%d %H:%M:%S')} host={platform.node()} "
            f"cpus={os.cpu_count()} python={py} scripts={','.join(scripts)}")
        for script in scripts:
            kept = {}        # (workload, impl) -> (others, line, attempt)
            order, notes = [], []
            for attempt in range(1, 2 + max(0, a.retries)):
                if attempt > 1:
                    time.sleep(a.pause)
                if a.wait_quiet > 0:
                    busy = wait_for_quiet(a.threshold, a.wait_quiet)
                    print(f"# {script}: attempt {attempt} starts with the machine {busy:.0f}% busy",
                          file=sys.stderr, flush=True)
                lines, _, wall, rc = run_script(py, script, env, a.timeout)
                for l in lines:
                    if l.startswith("#"):
                        if attempt == 1 or l.startswith(f"# {script} exit="):
                            notes.append(l)
                        continue
                    key = tuple(l.split()[:2])
                    m = OTHERS.search(l)
                    others = float(m.group(1)) if m else 0.0
                    if key not in kept:
                        order.append(key)
                    if key not in kept or others < kept[key][0]:
                        kept[key] = (others, l, attempt)
                worst = max((v[0] for v in kept.values()), default=0.0)
                if rc != 0 or worst <= a.threshold or attempt > a.retries:
                    break
                print(f"# {script}: after attempt {attempt} the worst line still has others_cpu%={worst:.0f} "
                      f"> {a.threshold:.0f}", file=sys.stderr, flush=True)
            put(f"# {script}: {attempt} attempt(s), worst others_cpu% kept={worst:.0f}, exit={rc}, "
                f"last attempt wall {wall:.1f}s")
            for l in notes:
                put(l)
            for key in order:
                _, l, att = kept[key]
                put(l + (f" attempt={att}" if attempt > 1 else ""))
    print(f"# written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
