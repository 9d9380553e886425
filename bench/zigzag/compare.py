#!/usr/bin/env python3
"""Join ZigZag's per-layer results (run_zigzag.py) with systolic's
(`systolic sim --format csv`) and print latency and energy side by side.

Usage: compare.py ZIGZAG.csv SYSTOLIC.csv ENERGY_TABLE.toml OUT_DIR [--reprice REG_PJ_PER_BIT]

--reprice: systolic ran with another energy table (whose register energy per
bit is REG_PJ_PER_BIT), because its loader did not accept ENERGY_TABLE.toml;
price systolic's action counts with ENERGY_TABLE.toml here instead (register
bits are recovered as energy_reg_pj / REG_PJ_PER_BIT).

Writes OUT_DIR/compare.csv (one row per layer and a TOTAL row) and
OUT_DIR/compare.md (the tables RESULTS.md quotes). Standard library only.

Layers are matched by GEMM shape (M = OY x OX, K = C x FY x FX, N = output
channels) in order: several resnet18 layers share a shape and are
interchangeable. systolic's vector-unit layers (pooling, residual adds) have
no ZigZag counterpart (ZigZag turns them into zero-cost dummy nodes) and are
reported apart.
"""

from __future__ import annotations

import csv
import os
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    tomllib = None


def norm(name: str) -> str:
    """`/layer2/layer2.0/downsample/downsample.0/Conv` -> `layer2.0.downsample.0`."""
    n = name.strip("/").replace("/", ".")
    for s in (".Conv", ".Gemm"):
        if n.endswith(s):
            n = n[: -len(s)]
    p = n.split(".")
    if len(p) > 1 and p[1].startswith(p[0]):
        n = ".".join(p[1:])
    return n.replace("downsample.downsample.0", "downsample.0")


def f(x) -> float:
    return float(x) if x not in ("", None) else 0.0


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def expected_energy(s: dict, table: dict) -> dict:
    """systolic's action counts priced with `table` (all but registers)."""
    buf = {b["buffer"]: b for b in table["buffer"]}
    mac = next(m["pj"] for m in table["mac"] if m["operand"] == "int8")
    vec = next(m["pj"] for m in table["vector"] if m["operand"] == "int8")
    dram = next(d for d in table["dram"] if "interface" not in d)  # the table's own DRAM row
    dr, dw = dram["read_pj_per_bit"], dram["write_pj_per_bit"]
    op_bits, acc_bits = 8, 16
    return {
        "energy_mac_pj": f(s["macs"]) * mac,
        "energy_ifmap_sram_pj": (f(s["ifmap_sram_reads"]) * op_bits * buf["ifmap"]["read_pj_per_64b"]
                                 + f(s["dram_ifmap_read_bytes"]) * 8 * buf["ifmap"]["write_pj_per_64b"]) / 64,
        "energy_filter_sram_pj": (f(s["filter_sram_reads"]) * op_bits * buf["filter"]["read_pj_per_64b"]
                                  + f(s["dram_filter_read_bytes"]) * 8 * buf["filter"]["write_pj_per_64b"]) / 64,
        "energy_ofmap_sram_pj": (f(s["ofmap_sram_reads"]) * buf["ofmap"]["read_pj_per_64b"]
                                 + f(s["ofmap_sram_writes"]) * buf["ofmap"]["write_pj_per_64b"]) * acc_bits / 64,
        "energy_dram_pj": 8 * ((f(s["dram_ifmap_read_bytes"]) + f(s["dram_filter_read_bytes"])) * dr
                               + f(s["dram_ofmap_write_bytes"]) * dw),
        "energy_vector_pj": f(s.get("energy_vector_pj")) and f(s["flops"]) * vec,
    }


def reprice(s: dict, table: dict, reg_pj_per_bit_used: float) -> None:
    """Replace systolic's energies by its counts priced with `table`."""
    e = expected_energy(s, table)
    e["energy_reg_pj"] = f(s["energy_reg_pj"]) / reg_pj_per_bit_used * table["register"]["pj_per_bit"]
    for k, v in e.items():
        s[k] = v
    s["energy_total_pj"] = sum(e.values())


def main() -> int:
    zz_path, sy_path, table_path, out_dir = sys.argv[1:5]
    reprice_reg = float(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[5] == "--reprice" else None
    zz = [r for r in csv.DictReader(open(zz_path)) if r["layer"] != "TOTAL"]
    sy_all = [r for r in csv.DictReader(open(sy_path)) if r["layer"] != "TOTAL"]
    if reprice_reg is not None:
        table = tomllib.load(open(table_path, "rb"))
        for s in sy_all:
            reprice(s, table, reprice_reg)
    sy_array = [r for r in sy_all if r.get("unit", "array") == "array" and f(r.get("macs")) > 0]
    sy_vector = [r for r in sy_all if r not in sy_array]
    table = tomllib.load(open(table_path, "rb")) if tomllib else None

    # Match ZigZag layers to systolic array layers by GEMM shape, in order.
    used: set[int] = set()
    pairs = []
    for z in zz:
        shape = (int(z["gemm_m"]), int(z["gemm_k"]), int(z["gemm_n"]))
        j = next(
            (i for i, s in enumerate(sy_array) if i not in used and (int(s["m"]), int(s["k"]), int(s["n"])) == shape),
            None,
        )
        if j is None:
            print(f"error: no systolic array layer has ZigZag layer {z['layer']}'s GEMM shape M,K,N = {shape}", file=sys.stderr)
            return 1
        used.add(j)
        pairs.append((z, sy_array[j]))
    extra = [s for i, s in enumerate(sy_array) if i not in used]
    if extra:
        print(f"error: systolic array layers with no ZigZag counterpart: {[s['layer'] for s in extra]}", file=sys.stderr)
        return 1
    # Present in systolic's model order.
    order = {id(s): i for i, s in enumerate(sy_array)}
    pairs.sort(key=lambda p: order[id(p[1])])

    rows = []
    for z, s in pairs:
        assert int(z["macs"]) == int(s["macs"]), (z["layer"], z["macs"], s["macs"])
        r = {
            "layer": norm(z["layer"]),
            "systolic_layer": s["layer"],
            "m": s["m"],
            "k": s["k"],
            "n": s["n"],
            "macs": int(s["macs"]),
            # latency
            "zz_cycles": f(z["latency_cycles"]),
            "zz_ideal_cycles": f(z["ideal_cycles"]),
            "zz_temporal_cycles": f(z["temporal_cycles"]),
            "zz_stall_cycles": f(z["stall_cycles"]),
            "zz_onload_cycles": f(z["onload_cycles"]),
            "zz_offload_cycles": f(z["offload_cycles"]),
            "zz_drain_cycles": f(z["drain_cycles"]),
            "sy_cycles": f(s["total_cycles"]),
            "sy_compute_cycles": f(s["compute_cycles"]),
            "sy_stall_cycles": f(s["stall_cycles"]),
            "sy_folds": f(s["folds"]),
            # energy (pJ)
            "zz_energy_pj": f(z["energy_total_pj"]),
            "sy_energy_pj": f(s["energy_total_pj"]),
            "zz_mac_pj": f(z["energy_mac_pj"]),
            "sy_mac_pj": f(s["energy_mac_pj"]),
            "zz_weight_rf_pj": f(z["energy_rf_128B_pj"]),
            "sy_filter_sram_pj": f(s["energy_filter_sram_pj"]),
            "zz_psum_rf_pj": f(z["energy_rf_2B_pj"]),
            "sy_reg_pj": f(s["energy_reg_pj"]),
            "zz_sram_I_pj": f(z["energy_I_sram_2MB_pj"]),
            "sy_ifmap_sram_pj": f(s["energy_ifmap_sram_pj"]),
            "zz_sram_O_pj": f(z["energy_O_sram_2MB_pj"]),
            "sy_ofmap_sram_pj": f(s["energy_ofmap_sram_pj"]),
            "zz_dram_pj": f(z["energy_dram_pj"]),
            "sy_dram_pj": f(s["energy_dram_pj"]),
            # DRAM traffic (bytes); ZigZag counts DRAM accesses in 64-bit words
            "zz_dram_I_bytes": 8 * f(z["acc_I_dram_rd_to_low"]),
            "zz_dram_W_bytes": 8 * f(z["acc_W_dram_rd_to_low"]),
            "zz_dram_O_bytes": 8 * (f(z["acc_O_dram_wr_from_low"]) + f(z["acc_O_dram_rd_to_low"])),
            "sy_dram_ifmap_bytes": f(s["dram_ifmap_read_bytes"]),
            "sy_dram_filter_bytes": f(s["dram_filter_read_bytes"]),
            "sy_dram_ofmap_bytes": f(s["dram_ofmap_write_bytes"]),
            # on-chip traffic in bits: ZigZag words x word width; systolic words x operand/accumulator width
            "zz_sram_I_read_bits": 2048 * f(z["acc_I_sram_2MB_rd_to_low"]),
            "zz_sram_O_rw_bits": 2048 * sum(f(z[f"acc_O_sram_2MB_{d}"]) for d in ("rd_to_low", "wr_from_low", "rd_to_high", "wr_from_high")),
            "zz_weight_rf_bits": 8 * sum(f(z[f"acc_W_rf_128B_{d}"]) for d in ("rd_to_low", "wr_from_high")),
        }
        rows.append(r)

    # Re-price systolic's action counts with the energy table, to check that
    # the loader applied it as written (MAC, SRAM reads/writes, DRAM read/write).
    checks = []
    if table and reprice_reg is None:
        for r, (z, s) in zip(rows, pairs):
            for k, v in expected_energy(s, table).items():
                if k == "energy_vector_pj":
                    continue
                got = f(s[k])
                if abs(got - v) > 1e-6 * max(abs(v), 1.0):
                    checks.append(f"{r['layer']}: {k} = {got:.6g} pJ, the table gives {v:.6g} pJ from the counts")

    total = {k: (sum(r[k] for r in rows) if isinstance(rows[0][k], (int, float)) else "") for k in rows[0]}
    total["layer"] = "TOTAL"
    total["systolic_layer"] = "TOTAL (array layers)"
    for k in ("m", "k", "n"):
        total[k] = ""

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "compare.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        w.writeheader()
        for r in rows + [total]:
            w.writerow(r)

    md = []
    md.append("| layer | M x K x N | ZigZag cycles | systolic cycles | systolic / ZigZag | ZigZag energy (uJ) | systolic energy (uJ) | systolic / ZigZag |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows + [total]:
        shape = f"{r['m']} x {r['k']} x {r['n']}" if r["m"] != "" else ""
        md.append(
            f"| {r['layer']} | {shape} | {r['zz_cycles']:.0f} | {r['sy_cycles']:.0f} | {ratio(r['sy_cycles'], r['zz_cycles'])} "
            f"| {r['zz_energy_pj'] / 1e6:.2f} | {r['sy_energy_pj'] / 1e6:.2f} | {ratio(r['sy_energy_pj'], r['zz_energy_pj'])} |"
        )
    md.append("")
    md.append("Latency components (cycles, all array layers):")
    md.append("")
    md.append("| ZigZag | cycles | systolic | cycles |")
    md.append("|---|---:|---|---:|")
    md.append(f"| MACs / 1024 (ideal) | {total['zz_ideal_cycles']:.0f} | | |")
    md.append(f"| temporal mapping (spatial under-use included) | {total['zz_temporal_cycles']:.0f} | compute (fill, folds, drain) | {total['sy_compute_cycles']:.0f} |")
    md.append(f"| memory stalls during compute | {total['zz_stall_cycles']:.0f} | DRAM stalls | {total['sy_stall_cycles']:.0f} |")
    md.append(f"| data onloading before compute | {total['zz_onload_cycles']:.0f} | | |")
    md.append(f"| data offloading after compute | {total['zz_offload_cycles']:.0f} | | |")
    md.append(f"| systolic drain | {total['zz_drain_cycles']:.0f} | | |")
    md.append(f"| **total** | **{total['zz_cycles']:.0f}** | **total** | **{total['sy_cycles']:.0f}** |")
    md.append("")
    md.append("Energy by component (uJ, all array layers):")
    md.append("")
    md.append("| component | ZigZag | systolic | systolic / ZigZag |")
    md.append("|---|---:|---:|---:|")
    for label, zk, sk in [
        ("MACs (0.04 pJ each)", "zz_mac_pj", "sy_mac_pj"),
        ("weights on chip: rf_128B / filter buffer", "zz_weight_rf_pj", "sy_filter_sram_pj"),
        ("PE registers: rf_2B / PE registers", "zz_psum_rf_pj", "sy_reg_pj"),
        ("activations: sram_2MB (I) / ifmap buffer", "zz_sram_I_pj", "sy_ifmap_sram_pj"),
        ("outputs: sram_2MB (O) / ofmap buffer", "zz_sram_O_pj", "sy_ofmap_sram_pj"),
        ("DRAM", "zz_dram_pj", "sy_dram_pj"),
        ("**total**", "zz_energy_pj", "sy_energy_pj"),
    ]:
        md.append(f"| {label} | {total[zk] / 1e6:.2f} | {total[sk] / 1e6:.2f} | {ratio(total[sk], total[zk])} |")
    md.append("")
    md.append("DRAM traffic (MB = 10^6 bytes, all array layers):")
    md.append("")
    md.append("| operand | ZigZag | systolic | systolic / ZigZag |")
    md.append("|---|---:|---:|---:|")
    for label, zk, sk in [
        ("activations in", "zz_dram_I_bytes", "sy_dram_ifmap_bytes"),
        ("weights in", "zz_dram_W_bytes", "sy_dram_filter_bytes"),
        ("outputs out", "zz_dram_O_bytes", "sy_dram_ofmap_bytes"),
    ]:
        md.append(f"| {label} | {total[zk] / 1e6:.3f} | {total[sk] / 1e6:.3f} | {ratio(total[sk], total[zk])} |")
    if sy_vector:
        vc = sum(f(s["total_cycles"]) for s in sy_vector)
        ve = sum(f(s["energy_total_pj"]) for s in sy_vector)
        md.append("")
        md.append(
            f"systolic's {len(sy_vector)} vector-unit layers (pooling, residual adds; ZigZag gives them no cost) "
            f"add {vc:.0f} cycles and {ve / 1e6:.2f} uJ; they are not in the totals above."
        )
    if reprice_reg is not None:
        md.append("")
        md.append("systolic's energies above are its action counts priced here with tpu_like_energy.toml "
                  "(its loader did not accept the table; see RESULTS.md).")
    elif checks:
        md.append("")
        md.append("Energy-table check FAILED (systolic's energy differs from its action counts priced with the table):")
        md.extend(f"- {c}" for c in checks[:20])
    else:
        md.append("")
        md.append("Energy-table check: systolic's MAC, SRAM and DRAM energies equal its action counts priced with tpu_like_energy.toml.")
    text = "\n".join(md) + "\n"
    with open(os.path.join(out_dir, "compare.md"), "w") as fh:
        fh.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
