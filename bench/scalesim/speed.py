"""Speed comparison for bench/scalesim/compare.sh (stdlib only).

Times our CLI on the same inputs as SCALE-Sim's whole-topology speed run and
prints the ratio. SCALE-Sim's time comes from TIMING (written by
run_scalesim.py for that run: whole process wall-clock via a monotonic clock, and
user+system CPU time). Ours: REPS runs of the whole CLI process (start-up,
parsing, simulation, CSV printing), each timed with time.perf_counter_ns
(monotonic) around the process, CPU from getrusage(RUSAGE_CHILDREN) deltas;
the ratio uses our median (the best is printed too). The first run is a
warm-up (page cache) and is not counted.

  python speed.py --timing TIMING --reps 20 [--expect-stdout FILE] -- CMD...
"""
import argparse
import resource
import statistics
import subprocess
import sys
import time

REQUIRED = 10_000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timing", required=True)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--expect-stdout", default=None)
    ap.add_argument("--label", default="resnet18 on 32x32 ws")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd

    with open(a.timing) as f:
        kv = dict(x.split("=") for x in f.read().split())
    ss_wall, ss_cpu = float(kv["scalesim_wall_s"]), float(kv["scalesim_cpu_s"])
    ss_rss = kv.get("scalesim_maxrss_mib", "?")

    warm = subprocess.run(cmd, capture_output=True, check=True)
    if a.expect_stdout:
        with open(a.expect_stdout, "rb") as f:
            if f.read() != warm.stdout:
                sys.exit("speed.py: the timed command's output differs from the compared output")

    walls, cpus = [], []
    for _ in range(a.reps):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter_ns()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        t1 = time.perf_counter_ns()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append((t1 - t0) / 1e9)
        cpus.append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    w_med, w_min = statistics.median(walls), min(walls)
    c_med = statistics.median(cpus)
    r_wall = ss_wall / w_med
    r_cpu = ss_cpu / c_med if c_med > 0 else float("inf")

    print(f"\n=== speed: {a.label}, whole topology, scalesim timing")
    print(f"    SCALE-Sim 3.0.0 (one run, reports only, no trace files): wall {ss_wall:.1f} s, "
          f"CPU {ss_cpu:.1f} s, peak RSS {ss_rss} MiB")
    print(f"    ours ({a.reps} runs of the whole CLI process): wall median {w_med * 1e3:.2f} ms, "
          f"best {w_min * 1e3:.2f} ms, worst {max(walls) * 1e3:.2f} ms; CPU median {c_med * 1e3:.2f} ms")
    print(f"    speed-up (SCALE-Sim / our median): wall {r_wall:,.0f}x, CPU {r_cpu:,.0f}x; "
          f"vs our best: wall {ss_wall / w_min:,.0f}x")
    ok = r_wall >= REQUIRED and r_cpu >= REQUIRED
    print(f"    requirement >= {REQUIRED:,}x (wall and CPU, median): {'PASS' if ok else 'FAIL'}")
    print(f"speed_summary ss_wall_s={ss_wall:.3f} ss_cpu_s={ss_cpu:.3f} ours_wall_median_ms={w_med * 1e3:.3f} "
          f"ours_wall_best_ms={w_min * 1e3:.3f} ours_cpu_median_ms={c_med * 1e3:.3f} "
          f"ratio_wall={r_wall:.0f} ratio_cpu={r_cpu:.0f} {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
