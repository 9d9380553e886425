#!/usr/bin/env bash
# Regenerates the committed example of a synthesis sweep (docs/SWEEP.md,
# "Synthesis sweeps"; docs/REPORTS.md): designs/sweeps/synth-ice40.toml, the
# fpga-2x2 design from 1x1 to 4x4 synthesized by Yosys, placed and routed by
# nextpnr-ice40 for the UP5K and each IP co-simulated under Verilator
# (about 6 minutes on 2 cores), into reports/results/synth-ice40.*, and its
# report into reports/synth-ice40/. The synthesis work files stay in a
# temporary folder. tests/report_synth_example.rs checks that the committed
# report is what the current code draws from the committed results, and
# that one of the committed designs synthesizes today to the same figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/systolic sweep designs/sweeps/synth-ice40.toml --out "$work/synth-ice40.csv"
# The sidecar names its JSON lines beside it: the same name here.
mkdir -p reports/results
for ext in csv jsonl pareto.csv sweep.json; do
    cp "$work/synth-ice40.$ext" "reports/results/synth-ice40.$ext"
done
rm -rf reports/synth-ice40
target/release/systolic report reports/results/synth-ice40.csv --out reports/synth-ice40
echo "wrote reports/results/synth-ice40.* and reports/synth-ice40/"
