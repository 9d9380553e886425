"""Plan and run the SCALE-Sim 3.0.0 side of bench/scalesim/compare.sh (stdlib only).

A combo is TOPO:ARRAY:DATAFLOW, e.g. alexnet:32:ws (topology
topologies/TOPO.csv, config configs/ARRAYxARRAY_DATAFLOW.cfg).

SCALE-Sim keeps every layer's cycle-by-cycle trace matrices in memory until the
whole run ends (resnet18 on 32x32 ws peaks at about 5 GiB, on 8x8 it would need
tens of GiB), so for the correctness comparison each layer runs in its own
SCALE-Sim process on a one-layer copy of the topology. SCALE-Sim simulates the
layers of a topology independently (a fresh compute and memory model per
layer), so per-layer runs give the same per-layer reports as a whole run; this is
checked by `compare.sh` whenever a whole run (the speed run) exists too.
The speed run (--speed) is one whole-topology SCALE-Sim process, as a user
would run it.

Jobs run longest first, at most --jobs at a time and, by SCALE-Sim's estimated
peak memory, within --mem-gb. A job whose reports already exist is skipped
(results are cached under OUT); --rerun forces it.

Usage:
  python jobs.py plan --out OUT COMBO...
  python jobs.py run  --out OUT [--jobs 2] [--mem-gb 16] [--rerun] [--speed COMBO] COMBO...
"""
import argparse
import csv
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable


def read_topology(path):
    """Return (is_gemm, header_line, [(name, raw_line, (Px, K, N))])."""
    with open(path) as f:
        lines = [ln.rstrip("\n") for ln in f if ln.strip()]
    header = lines[0]
    cols = [c.strip().lower() for c in header.split(",")]
    is_gemm = len(cols) >= 4 and cols[1:4] == ["m", "n", "k"]
    layers = []
    for ln in lines[1:]:
        r = [x.strip() for x in ln.split(",")]
        if is_gemm:
            m, n, k = int(r[1]), int(r[2]), int(r[3])
            layers.append((r[0], ln, (m, k, n)))
        else:
            h, w, fh, fw, c, nf, s = (int(x) for x in r[1:8])
            e = math.ceil((h - fh + s) / s) * math.ceil((w - fw + s) / s)
            layers.append((r[0], ln, (e, fh * fw * c, nf)))
    return is_gemm, header, layers


def scalesim_cycles(df, a, shape):
    """SCALE-Sim's folds x cycles-per-fold (its reported Total Cycles + 1)."""
    px, k, n = shape
    sr, sc, t = {"os": (px, n, k), "ws": (k, n, px), "is": (k, px, n)}[df]
    folds = math.ceil(sr / a) * math.ceil(sc / a)
    return folds * (t + 2 * a - 2 if df == "os" else 3 * a + t - 2)


def est_seconds(a, cycles):
    # Python loop per simulated cycle; measured here: ~100 us/cycle at 8x8 and 32x32,
    # ~1 ms/cycle at 128x128 (the per-cycle work scans a row of the array).
    return 3 + cycles * (60 + 7.5 * a) * 1e-6


def est_mem_gb(a, cycles):
    # measured peak RSS: ~1.7 KB per simulated cycle at 8x8, ~3 KB at 32x32, ~10 KB at 128x128
    return 0.25 + cycles * (1100 + 75 * a) / 2**30


def parse_combo(s):
    topo, a, df = s.split(":")
    return topo, int(a), df


class Job:
    def __init__(self, out, topo, a, df, layer=None, whole=False, gemm=False, shapes=()):
        self.topo, self.a, self.df, self.layer, self.whole, self.gemm = topo, a, df, layer, whole, gemm
        self.cfg = os.path.join(HERE, "configs", f"{a}x{a}_{df}.cfg")
        base = os.path.join(out, "scalesim", topo, f"{a}x{a}_{df}")
        if whole:
            self.dir = os.path.join(base, "whole")
            self.topofile = os.path.join(HERE, "topologies", f"{topo}.csv")
        else:
            self.dir = os.path.join(base, f"L{layer:03d}")
            self.topofile = os.path.join(self.dir, "topology.csv")
        self.cycles = sum(scalesim_cycles(df, a, s) for s in shapes)
        self.secs = est_seconds(a, self.cycles)
        self.mem = est_mem_gb(a, self.cycles)
        self.report = os.path.join(self.dir, f"{a}x{a}_{df}", "COMPUTE_REPORT.csv")
        self.done_marker = os.path.join(self.dir, "DONE")

    def name(self):
        what = "whole" if self.whole else f"L{self.layer:03d}"
        return f"{self.topo}:{self.a}x{self.a}_{self.df}:{what}"

    def done(self):
        return os.path.exists(self.done_marker) and os.path.exists(self.report)


def plan(out, combos, speed=None):
    jobs = []
    for c in combos:
        topo, a, df = parse_combo(c)
        path = os.path.join(HERE, "topologies", f"{topo}.csv")
        gemm, header, layers = read_topology(path)
        if speed and parse_combo(speed) == (topo, a, df):
            continue  # the whole (speed) run provides these layers
        whole = Job(out, topo, a, df, whole=True)
        if whole.done() and not all(
                Job(out, topo, a, df, layer=i).done() for i in range(len(layers))):
            continue  # a finished whole run (e.g. an earlier speed run) provides them
        for i, (name, line, shape) in enumerate(layers):
            j = Job(out, topo, a, df, layer=i, gemm=gemm, shapes=[shape])
            j.header, j.line = header, line
            jobs.append(j)
    if speed:
        topo, a, df = parse_combo(speed)
        gemm, header, layers = read_topology(os.path.join(HERE, "topologies", f"{topo}.csv"))
        j = Job(out, topo, a, df, whole=True, gemm=gemm, shapes=[s for _, _, s in layers])
        j.speed = True
        jobs.append(j)
    return jobs


def start(job):
    os.makedirs(job.dir, exist_ok=True)
    if os.path.exists(job.done_marker):
        os.remove(job.done_marker)
    if not job.whole:
        with open(job.topofile, "w") as f:
            f.write(job.header + "\n" + job.line + "\n")
    cmd = [PY, os.path.join(HERE, "run_scalesim.py"), job.cfg, job.topofile, job.dir]
    if job.gemm:
        cmd.append("--gemm")
    log = open(os.path.join(job.dir, "scalesim.log"), "w")
    job.t0 = time.time()
    job.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=job.dir)
    job.log = log


def run(jobs, max_jobs, mem_gb, rerun, speed_first=True):
    todo = [j for j in jobs if rerun or getattr(j, "speed", False) or not j.done()]
    skipped = len(jobs) - len(todo)
    # The speed run goes first so that it overlaps least with the others' start-up;
    # then longest first.
    todo.sort(key=lambda j: (not getattr(j, "speed", False), -j.secs))
    total = sum(j.secs for j in todo)
    print(f"[scalesim] {len(jobs)} jobs, {skipped} cached, {len(todo)} to run; "
          f"estimated {total:.0f} CPU-s (~{total / max(1, max_jobs) / 60:.1f} min on {max_jobs} jobs)",
          flush=True)
    running, failed, t_start = [], [], time.time()
    while todo or running:
        for j in list(running):
            rc = j.proc.poll()
            if rc is None:
                continue
            running.remove(j)
            j.log.close()
            dt = time.time() - j.t0
            if rc == 0 and os.path.exists(j.report):
                open(j.done_marker, "w").write(f"{dt:.1f}\n")
                print(f"[scalesim] done  {j.name():42s} {dt:7.1f} s (est {j.secs:.0f} s)", flush=True)
            else:
                failed.append(j)
                print(f"[scalesim] FAIL  {j.name()} rc={rc}, see {j.dir}/scalesim.log", flush=True)
        used = sum(j.mem for j in running)
        for j in list(todo):
            if len(running) >= max_jobs:
                break
            if running and used + j.mem > mem_gb:
                continue
            todo.remove(j)
            start(j)
            running.append(j)
            used += j.mem
            print(f"[scalesim] start {j.name():42s} est {j.secs:6.0f} s, {j.mem:5.1f} GiB", flush=True)
        time.sleep(0.5)
    print(f"[scalesim] finished in {time.time() - t_start:.0f} s wall", flush=True)
    return failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["plan", "run"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mem-gb", type=float, default=16)
    ap.add_argument("--rerun", action="store_true")
    ap.add_argument("--speed", default=None, help="combo run whole, timed")
    ap.add_argument("combos", nargs="*")
    a = ap.parse_intermixed_args()
    jobs = plan(os.path.abspath(a.out), a.combos, a.speed)
    if a.cmd == "plan":
        for j in sorted(jobs, key=lambda j: -j.secs):
            state = "cached" if j.done() else "todo"
            print(f"{j.name():42s} cycles={j.cycles:>10d} est={j.secs:7.0f}s mem={j.mem:5.1f}GiB {state}")
        print(f"total est {sum(j.secs for j in jobs if not j.done()):.0f} CPU-s to run")
        return
    failed = run(jobs, a.jobs, a.mem_gb, a.rerun)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
