"""Run SCALE-Sim 3.0.0 once, the way bench/scalesim/compare.sh needs it.

Usage: python run_scalesim.py CFG TOPOLOGY OUTDIR [--gemm] [--traces]

Runs through SCALE-Sim's Python API (its CLI `python -m scalesim.scale` always
writes full cycle traces, which costs 25-40% more CPU and gigabytes of disk; the
API can skip them). Without --traces the run is SCALE-Sim's fastest mode, so any
speed ratio measured against it is a lower bound. The reports land in
OUTDIR/<run_name>/{COMPUTE,BANDWIDTH,DETAILED_ACCESS}_REPORT.csv, exactly as with
the CLI. Prints `scalesim_wall_s=... scalesim_cpu_s=... scalesim_maxrss_mib=...` (whole
process, imports included) at the end and writes it to OUTDIR/timing.txt.
"""
import time

T0 = time.perf_counter()  # before SCALE-Sim and numpy are imported: the whole run is timed

import os
import resource
import sys


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    if len(args) != 3:
        sys.exit(__doc__)
    cfg, topo, outdir = args
    layout = os.path.join(os.path.dirname(os.path.abspath(__file__)), "topologies", "layout.csv")
    from scalesim.scale_sim import scalesim

    os.makedirs(outdir, exist_ok=True)
    s = scalesim(
        save_disk_space="--traces" not in flags,
        verbose=True,
        config=cfg,
        topology=topo,
        layout=layout,
        input_type_gemm="--gemm" in flags,
    )
    s.run_scale(top_path=outdir)
    wall = time.perf_counter() - T0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    line = (f"scalesim_wall_s={wall:.3f} scalesim_cpu_s={ru.ru_utime + ru.ru_stime:.3f} "
            f"scalesim_maxrss_mib={ru.ru_maxrss / 1024:.0f}")
    print(line)
    with open(os.path.join(outdir, "timing.txt"), "w") as f:
        f.write(line + "\n")


if __name__ == "__main__":
    main()
