#!/usr/bin/env bash
# Regenerates the committed worked example of `systolic compare`
# (reports/compare/, docs/COMPARE.md "Worked example"): the seed's
# Dense(10, relu) -> Dense(1, sigmoid) model and resnet50 at batch 1, 8 and
# 64 on every kind of target. The FPGA target synthesizes, places and routes
# array sizes for the iCE40 UP5K the first time (about 1.5 minutes; cached in
# synth-out/). tests/cli_compare.rs checks the committed files are what the
# current code writes, byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv-tools/bin:$PATH"
cargo build --release --quiet
targets=asic:edge-8x8,asic:gemmini-like,asic:tpu-v1-like,fpga:ice40up5k,gpu:a100,gpu:t4,gpu:orin,cpu:xeon-8480,cpu:rpi4
rm -rf reports/compare
mkdir -p reports/compare
for model in dense-10-1 resnet50; do
    target/release/systolic compare --model "$model" --batch 1,8,64 --targets "$targets" \
        --report "reports/compare/$model" --out "reports/compare/$model.txt"
done
echo "wrote reports/compare/"
