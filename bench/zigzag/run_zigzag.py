#!/usr/bin/env python3
"""Run ZigZag (zigzag-dse 3.9.1) on its shipped resnet18 workload and TPU-like
hardware + mapping, and write one CSV row per layer.

Usage: run_zigzag.py OUT_DIR [--opt latency|energy|EDP] [--lpf N] [--weight-rf-bits B]

--weight-rf-bits B: run a variant of tpu_like.yaml whose per-PE weight register
file (rf_128B, 1024 bits) holds only B bits (written to OUT_DIR as
tpu_like_wrf<B>.yaml); 16 = two int8 weights, the current and the next one,
which is what a weight-stationary PE with a double-buffered weight register
holds. Output files are then named zigzag_resnet18_<opt>_wrf<B>.*.

Only the Python API `zigzag.api.get_hardware_performance_zigzag` is used (the
package's command-line entry point does not work in 3.9.1).

Output: OUT_DIR/zigzag_resnet18_<opt>.csv, one row per layer that ZigZag
evaluates (Conv and Gemm; ZigZag turns Relu, MaxPool, Add, GlobalAveragePool
and Flatten into zero-cost dummy nodes), then a TOTAL row. Also
OUT_DIR/zigzag_resnet18_<opt>_mappings.txt with the spatial and temporal
mapping that ZigZag chose for every layer.
"""

from __future__ import annotations

import argparse
import csv
import logging
import math
import os
import sys
import time

import zigzag
from zigzag.api import get_hardware_performance_zigzag
from zigzag.mapping.data_movement import DataDirection

PKG = os.path.dirname(zigzag.__file__)
WORKLOAD = os.path.join(PKG, "inputs", "workload", "resnet18.onnx")
HARDWARE = os.path.join(PKG, "inputs", "hardware", "tpu_like.yaml")
MAPPING = os.path.join(PKG, "inputs", "mapping", "tpu_like.yaml")

# Memory-level names of tpu_like.yaml, per layer operand, innermost first:
#   W (mem op I2): rf_128B, dram
#   I (mem op I1): sram_2MB, dram
#   O (mem op O):  rf_2B, sram_2MB, dram
LEVELS = {"W": ["rf_128B", "dram"], "I": ["sram_2MB", "dram"], "O": ["rf_2B", "sram_2MB", "dram"]}

DIRS = [
    (DataDirection.RD_OUT_TO_LOW, "rd_to_low"),
    (DataDirection.WR_IN_BY_LOW, "wr_from_low"),
    (DataDirection.RD_OUT_TO_HIGH, "rd_to_high"),
    (DataDirection.WR_IN_BY_HIGH, "wr_from_high"),
]


def loop_size(layer, dim_name: str) -> int:
    for d, s in layer.layer_dim_sizes.items():
        if d.name == dim_name:
            return int(s)
    return 1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--opt", default="latency", choices=["latency", "energy", "EDP"])
    ap.add_argument("--lpf", type=int, default=6, help="LOMA lpf_limit (ZigZag default 6)")
    ap.add_argument("--weight-rf-bits", type=int, default=None)
    args = ap.parse_args()

    out_dir = os.path.abspath(args.out_dir)
    os.makedirs(out_dir, exist_ok=True)
    tag = args.opt
    hardware = HARDWARE
    if args.weight_rf_bits is not None:
        tag = f"{args.opt}_wrf{args.weight_rf_bits}"
        text = open(HARDWARE).read()
        old = "  rf_128B:\n    size: 1024\n"
        assert text.count(old) == 1, "unexpected tpu_like.yaml layout"
        hardware = os.path.join(out_dir, f"tpu_like_wrf{args.weight_rf_bits}.yaml")
        with open(hardware, "w") as fh:
            fh.write(text.replace(old, f"  rf_128B:\n    size: {args.weight_rf_bits}\n"))
    dump = os.path.join(out_dir, f"zigzag-dump-{tag}")

    t0 = time.time()
    energy, latency, cmes = get_hardware_performance_zigzag(
        workload=WORKLOAD,
        accelerator=hardware,
        mapping=MAPPING,
        opt=args.opt,
        dump_folder=dump,
        pickle_filename=os.path.join(dump, "cmes.pickle"),
        lpf_limit=args.lpf,
        loma_show_progress_bar=False,
    )
    elapsed = time.time() - t0
    logging.getLogger().setLevel(logging.WARNING)

    per_layer = cmes[0][1]
    rows = []
    maps = []
    for cme, _extra in per_layer:
        layer = cme.layer
        r = {
            "layer_id": layer.id,
            "layer": layer.name,
            "op": layer.type,
            "K": loop_size(layer, "K"),
            "C": loop_size(layer, "C"),
            "OY": loop_size(layer, "OY"),
            "OX": loop_size(layer, "OX"),
            "FY": loop_size(layer, "FY"),
            "FX": loop_size(layer, "FX"),
            "gemm_m": loop_size(layer, "B") * loop_size(layer, "OY") * loop_size(layer, "OX"),
            "gemm_k": loop_size(layer, "C") * loop_size(layer, "FY") * loop_size(layer, "FX"),
            "gemm_n": loop_size(layer, "K"),
            "macs": int(layer.total_mac_count),
            "ideal_cycles": cme.ideal_cycle,
            "temporal_cycles": cme.ideal_temporal_cycle,
            "stall_cycles": cme.stall_slack_comb,
            "onload_cycles": cme.data_onloading_cycle,
            "offload_cycles": cme.data_offloading_cycle,
            "drain_cycles": cme.systolic_drain_cycle,
            "latency_cycles": cme.latency_total2,
            "spatial_utilization": cme.mac_spatial_utilization,
            "utilization": cme.mac_utilization2,
            "energy_total_pj": cme.energy_total,
            "energy_mac_pj": cme.mac_energy,
            "energy_mem_pj": cme.mem_energy,
        }
        # Energy per operand per memory level, and the word accesses behind it.
        for op_name, levels in LEVELS.items():
            layer_op = next(o for o in layer.layer_operands if o.name == op_name)
            en = cme.mem_energy_breakdown.get(layer_op, [])
            acc = cme.memory_word_access.get(layer_op, [])
            for i, lvl in enumerate(levels):
                r[f"energy_{op_name}_{lvl}_pj"] = en[i] if i < len(en) else 0.0
                for d, dname in DIRS:
                    r[f"acc_{op_name}_{lvl}_{dname}"] = acc[i].get(d) if i < len(acc) else 0
        # Energy per physical memory (summed over operands).
        for mem in ["rf_128B", "rf_2B", "sram_2MB", "dram"]:
            r[f"energy_{mem}_pj"] = sum(
                r.get(f"energy_{op}_{mem}_pj", 0.0) for op in LEVELS if mem in LEVELS[op]
            )
        rows.append(r)
        maps.append(
            f"{layer.id} {layer.name}\n  spatial: {cme.spatial_mapping_int}\n"
            f"  temporal:\n{_indent(str(cme.temporal_mapping))}\n"
        )

    fields = list(rows[0].keys())
    total = {f: "" for f in fields}
    total["layer_id"] = ""
    total["layer"] = "TOTAL"
    total["op"] = "model"
    for f in fields[fields.index("macs"):]:
        if f in ("spatial_utilization", "utilization"):
            continue
        total[f] = sum(r[f] for r in rows)
    total["spatial_utilization"] = total["ideal_cycles"] / total["temporal_cycles"]
    total["utilization"] = total["ideal_cycles"] / total["latency_cycles"]
    assert math.isclose(total["energy_total_pj"], energy, rel_tol=1e-9), (total["energy_total_pj"], energy)
    assert math.isclose(total["latency_cycles"], latency, rel_tol=1e-9), (total["latency_cycles"], latency)

    csv_path = os.path.join(out_dir, f"zigzag_resnet18_{tag}.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows + [total]:
            w.writerow({k: _fmt(v) for k, v in r.items()})
    with open(os.path.join(out_dir, f"zigzag_resnet18_{tag}_mappings.txt"), "w") as f:
        f.write("".join(maps))
    print(
        f"zigzag {zigzag_version()} {os.path.basename(hardware)} opt={args.opt} lpf={args.lpf}: {len(rows)} layers, "
        f"latency {latency:.0f} cycles, energy {energy:.6g} pJ, {elapsed:.0f} s -> {csv_path}"
    )
    return 0


def _indent(s: str) -> str:
    return "\n".join("    " + line for line in s.splitlines())


def _fmt(v):
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    return v


def zigzag_version() -> str:
    try:
        from importlib.metadata import version

        return version("zigzag-dse")
    except Exception:  # pragma: no cover
        return "?"


if __name__ == "__main__":
    sys.exit(main())
