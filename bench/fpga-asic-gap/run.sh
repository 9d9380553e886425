#!/usr/bin/env bash
# The FPGA-vs-ASIC gap on systolic's own RTL against Kuon & Rose (IEEE TCAD
# 26(2), 2007): the generated int8 weight-stationary array (designs/fpga-2x2.toml
# at several sizes, without its buffers) synthesized to the NanGate 45 nm cells
# with Yosys + ABC (hdlgen::synth::asic) and placed and routed on iCE40 / ECP5
# (hdlgen::synth), printed as a Markdown table with delay, dynamic power and
# area ratios (the FPGA's area: its LUT4s, flip-flops and DSPs on the VTR
# project's cited 40 nm tiles, hdlgen::synth::area_model and
# hdlgen/tables/fpga-area-vtr40.toml; the ASIC's cell area scaled 45 -> 40
# nm by (40/45)^2). See docs/SYNTHESIS.md,
# "FPGA vs ASIC gap: our RTL against Kuon & Rose 2007 (issue 17)".
#
# Usage: bench/fpga-asic-gap/run.sh [ROWS:DEVICE,...]
#   default: 2:ice40up5k,4:ice40up5k,2:lfe5u-25f,4:lfe5u-25f,8:lfe5u-45f
#   (devices: hdlgen/tables/fpga-devices.toml names; ~6 minutes on 2 cores,
#   most of it nextpnr-ecp5 placing the 8x8 array)
# Needs yosys and nextpnr-ice40 (apt), nextpnr-ecp5 (scripts/setup.sh puts
# YoWASP's in .venv-tools); work files go to target/tmp/gap/table_*.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
case "${1:-}" in
  -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
  "") ;;
  *) export GAP_SET="$1" ;;
esac
export PATH="$ROOT/.venv-tools/bin:$PATH"
cd "$ROOT"
cargo test --release -p hdlgen --test gap table -- --ignored --nocapture --test-threads 1 2>&1 |
  grep '^|'
