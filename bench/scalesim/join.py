"""Join SCALE-Sim 3.0.0 reports with `systolic sim --timing scalesim --format csv`, per layer.

stdlib only (csv). Used by bench/scalesim/compare.sh.

  python join.py combo --combo TOPO:A:DF --scalesim-dir DIR --ours OURS.csv
                       --topology TOPO.csv --joined OUT.csv --summary SUMMARY.csv
  python join.py markdown SUMMARY.csv        # the results table for docs/VALIDATION.md

SCALE-Sim reports (DIR/whole/<run>/ for a whole-topology run, or DIR/Lnnn/<run>/
for one-layer runs, LayerID restarting at 0 in each):
  COMPUTE_REPORT.csv          "Total Cycles", "Stall Cycles"
  DETAILED_ACCESS_REPORT.csv  "SRAM IFMAP Reads", "SRAM Filter Reads", "SRAM OFMAP Writes",
                              "DRAM IFMAP Reads", "DRAM Filter Reads", "DRAM OFMAP Writes"
                              (words; SCALE-Sim's word is 1 byte, so words = bytes)
Ours (docs/REPORT_FORMAT.md): layer, compute_cycles, ifmap_sram_reads, filter_sram_reads,
  ofmap_sram_writes, dram_ifmap_read_bytes, dram_filter_read_bytes, dram_ofmap_write_bytes;
  last row layer=TOTAL.

Offset convention: SCALE-Sim's "Total Cycles" is the index of the last cycle
(folds x cycles-per-fold - 1) plus stall cycles. Our compute_cycles in scalesim
timing is folds x cycles-per-fold, stalls excluded. So the identity checked is
    ours.compute_cycles == SS["Total Cycles"] - SS["Stall Cycles"] + 1
and a layer passes only if it holds exactly.
"""
import csv
import glob
import os
import sys

SS_FIELDS = {
    "total": "Total Cycles",
    "stall": "Stall Cycles",
    "ifmap_rd": "SRAM IFMAP Reads",
    "filter_rd": "SRAM Filter Reads",
    "ofmap_wr": "SRAM OFMAP Writes",
    "dram_ifmap": "DRAM IFMAP Reads",
    "dram_filter": "DRAM Filter Reads",
    "dram_ofmap": "DRAM OFMAP Writes",
}
OUR_FIELDS = {
    "cycles": "compute_cycles",
    "folds": "folds",
    "ifmap_rd": "ifmap_sram_reads",
    "filter_rd": "filter_sram_reads",
    "ofmap_wr": "ofmap_sram_writes",
    "dram_ifmap": "dram_ifmap_read_bytes",
    "dram_filter": "dram_filter_read_bytes",
    "dram_ofmap": "dram_ofmap_write_bytes",
}
OFFSET = 1  # ours = SCALE-Sim "Total Cycles" - stalls + OFFSET

# Documented SCALE-Sim quirk (not reproduced by us): with os, its "SRAM OFMAP Writes"
# counts R + C extra writes per fold (the -1 padding of its ofmap demand matrix during
# each fold's fill/drain), i.e. SS = Sr*Sc + (R + C) * folds while ours = Sr*Sc.
def os_ofmap_quirk(df, a, folds):
    return 2 * a * folds if df == "os" else 0


def read_csv_rows(path):
    with open(path, newline="") as f:
        rows = [[c.strip() for c in r] for r in csv.reader(f) if any(c.strip() for c in r)]
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]


def num(s):
    v = float(s)
    return int(v) if v == int(v) else v


def read_scalesim_run(rundir):
    """Rows (one per layer, in order) from one SCALE-Sim output directory."""
    comp = read_csv_rows(os.path.join(rundir, "COMPUTE_REPORT.csv"))
    det = read_csv_rows(os.path.join(rundir, "DETAILED_ACCESS_REPORT.csv"))
    out = []
    for c, d in zip(comp, det):
        merged = {**c, **d}
        out.append({k: num(merged[v]) for k, v in SS_FIELDS.items()})
    return out


def read_scalesim(dirpath, nlayers):
    """Returns (rows, source, per_layer_vs_whole_note)."""
    whole = glob.glob(os.path.join(dirpath, "whole", "*", "COMPUTE_REPORT.csv"))
    parts = []
    for i in range(nlayers):
        g = glob.glob(os.path.join(dirpath, f"L{i:03d}", "*", "COMPUTE_REPORT.csv"))
        if not g or not os.path.exists(os.path.join(dirpath, f"L{i:03d}", "DONE")):
            parts = None
            break
        rows = read_scalesim_run(os.path.dirname(g[0]))
        parts.append(rows[0])
    wrows = read_scalesim_run(os.path.dirname(whole[0])) if whole else None
    note = ""
    if wrows is not None and parts is not None:
        same = wrows == parts
        note = ("per-layer runs == whole run (all fields)" if same
                else "WARNING: per-layer runs differ from the whole run")
    if wrows is not None:
        return wrows, "whole", note
    if parts is not None:
        return parts, "per-layer", note
    raise SystemExit(f"no complete SCALE-Sim results under {dirpath}")


def fmt_pair(a, b):
    if a == b:
        return f"{a} (=)"
    return f"{a} / {b}"


def ratio(ours, ss):
    if ss == 0:
        return "inf" if ours else "1"
    return f"{ours / ss:.3f}"


def cmd_combo(argv):
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--combo", required=True)
    ap.add_argument("--scalesim-dir", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--topology", required=True)
    ap.add_argument("--joined", required=True)
    ap.add_argument("--summary", required=True)
    a = ap.parse_args(argv)

    with open(a.topology) as f:
        names = [ln.split(",")[0].strip() for ln in list(f)[1:] if ln.strip()]
    ss, source, note = read_scalesim(a.scalesim_dir, len(names))
    ours_all = read_csv_rows(a.ours)
    ours = [r for r in ours_all if r.get("layer") != "TOTAL"]
    problems = []
    if len(ss) != len(names):
        problems.append(f"SCALE-Sim reported {len(ss)} layers, topology has {len(names)}")
    if len(ours) != len(names):
        problems.append(f"ours reported {len(ours)} layers, topology has {len(names)}")
    n = min(len(ss), len(ours), len(names))

    topo, arr, df = a.combo.split(":")
    joined = []
    for i in range(n):
        s, o = ss[i], {k: num(ours[i][v]) for k, v in OUR_FIELDS.items()}
        if ours[i]["layer"] != names[i]:
            problems.append(f"layer {i}: ours is named {ours[i]['layer']!r}, topology {names[i]!r}")
        ss_cyc = s["total"] - s["stall"] + OFFSET
        quirk = os_ofmap_quirk(df, int(arr), o["folds"])
        joined.append({
            "combo": a.combo, "layer": names[i],
            "ss_total_cycles": s["total"], "ss_stall_cycles": s["stall"], "offset": OFFSET,
            "ss_cycles_plus_offset": ss_cyc, "our_compute_cycles": o["cycles"],
            "cycles_identical": int(ss_cyc == o["cycles"]),
            "ss_ifmap_sram_reads": s["ifmap_rd"], "our_ifmap_sram_reads": o["ifmap_rd"],
            "ss_filter_sram_reads": s["filter_rd"], "our_filter_sram_reads": o["filter_rd"],
            "ss_ofmap_sram_writes": s["ofmap_wr"], "our_ofmap_sram_writes": o["ofmap_wr"],
            "os_ofmap_quirk": quirk, "folds": o["folds"],
            "ss_dram_ifmap_bytes": s["dram_ifmap"], "our_dram_ifmap_bytes": o["dram_ifmap"],
            "ss_dram_filter_bytes": s["dram_filter"], "our_dram_filter_bytes": o["dram_filter"],
            "ss_dram_ofmap_bytes": s["dram_ofmap"], "our_dram_ofmap_bytes": o["dram_ofmap"],
        })

    # ---- print ----
    print(f"\n=== {topo} on {arr}x{arr} {df}  (SCALE-Sim results: {source} run{'s' if source != 'whole' else ''}"
          f"{'; ' + note if note else ''})")
    print(f"    cycles: SCALE-Sim 'Total Cycles' - 'Stall Cycles' + {OFFSET} (it reports the last cycle's index)"
          f" vs our compute_cycles;\n    SRAM/DRAM: SCALE-Sim / ours, '(=)' when identical, '(=+q)' when SCALE-Sim's os ofmap"
          f" writes exceed ours by exactly its documented (R+C) x folds = q; DRAM: x ours/SS")
    w = max([len(x) for x in names] + [5])
    hdr = (f"{'layer':<{w}} {'SS Total':>10} {'+1':>10} {'ours':>10} {'cyc':>4} | "
           f"{'SRAM ifmap rd':>23} {'SRAM filter rd':>23} {'SRAM ofmap wr':>23} | "
           f"{'DRAM ifmap B':>21} {'DRAM filter B':>21} {'DRAM ofmap B':>21}")
    print(hdr)
    print("-" * len(hdr))

    def ofm(ss_v, our_v, q):
        if q and ss_v == our_v + q:
            return f"{ss_v} (=+{q})"
        return fmt_pair(ss_v, our_v)

    def dram(ss_v, our_v):
        return f"{ss_v}/{our_v} x{ratio(our_v, ss_v)}" if ss_v != our_v else f"{ss_v} (=)"

    tot = {}
    for j in joined:
        for k, v in j.items():
            if isinstance(v, int) and k != "offset":
                tot[k] = tot.get(k, 0) + v
        print(f"{j['layer']:<{w}} {j['ss_total_cycles']:>10} {j['ss_cycles_plus_offset']:>10} "
              f"{j['our_compute_cycles']:>10} {'ok' if j['cycles_identical'] else 'FAIL':>4} | "
              f"{fmt_pair(j['ss_ifmap_sram_reads'], j['our_ifmap_sram_reads']):>23} "
              f"{fmt_pair(j['ss_filter_sram_reads'], j['our_filter_sram_reads']):>23} "
              f"{ofm(j['ss_ofmap_sram_writes'], j['our_ofmap_sram_writes'], j['os_ofmap_quirk']):>23} | "
              f"{dram(j['ss_dram_ifmap_bytes'], j['our_dram_ifmap_bytes']):>21} "
              f"{dram(j['ss_dram_filter_bytes'], j['our_dram_filter_bytes']):>21} "
              f"{dram(j['ss_dram_ofmap_bytes'], j['our_dram_ofmap_bytes']):>21}")
    npass = sum(j["cycles_identical"] for j in joined)
    if joined:
        print("-" * len(hdr))
        print(f"{'TOTAL':<{w}} {tot['ss_total_cycles']:>10} {tot['ss_cycles_plus_offset']:>10} "
              f"{tot['our_compute_cycles']:>10} {npass:>2}/{len(joined):<1} | "
              f"{fmt_pair(tot['ss_ifmap_sram_reads'], tot['our_ifmap_sram_reads']):>23} "
              f"{fmt_pair(tot['ss_filter_sram_reads'], tot['our_filter_sram_reads']):>23} "
              f"{ofm(tot['ss_ofmap_sram_writes'], tot['our_ofmap_sram_writes'], tot.get('os_ofmap_quirk', 0)):>23} | "
              f"{dram(tot['ss_dram_ifmap_bytes'], tot['our_dram_ifmap_bytes']):>21} "
              f"{dram(tot['ss_dram_filter_bytes'], tot['our_dram_filter_bytes']):>21} "
              f"{dram(tot['ss_dram_ofmap_bytes'], tot['our_dram_ofmap_bytes']):>21}")
        # our TOTAL row must be the sum of our layer rows
        our_tot = [r for r in ours_all if r.get("layer") == "TOTAL"]
        if our_tot and num(our_tot[0]["compute_cycles"]) != tot["our_compute_cycles"]:
            problems.append("our TOTAL row's compute_cycles is not the sum of the layers")
    for p in problems:
        print(f"    PROBLEM: {p}")
    status = "PASS" if joined and npass == len(joined) and not problems else "FAIL"
    print(f"    compute-cycle identity: {npass}/{len(joined)} layers -> {status}")

    # ---- files ----
    os.makedirs(os.path.dirname(os.path.abspath(a.joined)), exist_ok=True)
    with open(a.joined, "w", newline="") as f:
        if joined:
            wr = csv.DictWriter(f, fieldnames=list(joined[0]))
            wr.writeheader()
            wr.writerows(joined)
    eq = lambda k: sum(int(j["ss_" + k] == j["our_" + k]) for j in joined)  # noqa: E731
    summ = {
        "combo": a.combo, "source": source, "layers": len(joined), "cycles_identical": npass,
        "status": status,
        "ss_cycles_plus_offset": tot.get("ss_cycles_plus_offset", 0),
        "our_compute_cycles": tot.get("our_compute_cycles", 0),
        "ifmap_sram_reads_equal": eq("ifmap_sram_reads"),
        "filter_sram_reads_equal": eq("filter_sram_reads"),
        "ofmap_sram_writes_equal": sum(int(j["ss_ofmap_sram_writes"] == j["our_ofmap_sram_writes"]
                                           + j["os_ofmap_quirk"]) for j in joined),
        **{k: tot.get(k, 0) for k in (
            "ss_ofmap_sram_writes", "our_ofmap_sram_writes",
            "ss_dram_ifmap_bytes", "our_dram_ifmap_bytes", "ss_dram_filter_bytes",
            "our_dram_filter_bytes", "ss_dram_ofmap_bytes", "our_dram_ofmap_bytes")},
        "note": note,
    }
    rows = []
    if os.path.exists(a.summary):
        rows = [r for r in read_csv_rows(a.summary) if r["combo"] != a.combo]
    rows.append(summ)
    with open(a.summary, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(summ))
        wr.writeheader()
        wr.writerows(rows)
    return 0 if status == "PASS" else 1


def cmd_markdown(argv):
    rows = read_csv_rows(argv[0])
    order = {"os": 0, "ws": 1, "is": 2}
    rows.sort(key=lambda r: (r["combo"].split(":")[0], int(r["combo"].split(":")[1]),
                             order.get(r["combo"].split(":")[2], 9)))
    print("| topology | array | df | layers | cycles identical | SCALE-Sim cycles +1 (sum) | ours (sum) "
          "| SRAM ifmap rd / filter rd / ofmap wr identical (os wr: after the R+C per fold quirk) | DRAM ifmap B SS / ours | DRAM filter B SS / ours "
          "| DRAM ofmap B SS / ours |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        t, a, d = r["combo"].split(":")
        L = r["layers"]
        print(f"| {t} | {a}x{a} | {d} | {L} | {r['cycles_identical']}/{L} {r['status']} "
              f"| {r['ss_cycles_plus_offset']} | {r['our_compute_cycles']} "
              f"| {r['ifmap_sram_reads_equal']}/{r['filter_sram_reads_equal']}/{r['ofmap_sram_writes_equal']} of {L} "
              f"| {r['ss_dram_ifmap_bytes']} / {r['our_dram_ifmap_bytes']} "
              f"| {r['ss_dram_filter_bytes']} / {r['our_dram_filter_bytes']} "
              f"| {r['ss_dram_ofmap_bytes']} / {r['our_dram_ofmap_bytes']} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("combo", "markdown"):
        sys.exit(__doc__)
    sys.exit({"combo": cmd_combo, "markdown": cmd_markdown}[sys.argv[1]](sys.argv[2:]))
