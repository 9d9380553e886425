#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine that has only Rust: installs
# what the tests need (scripts/setup.sh: Verilator, Icarus, Yosys, nextpnr,
# Chromium), checks formatting and lints, runs every test of every crate, then
# each fuzz target for 30 s on its committed seeds (nightly, cargo-fuzz).
# CI runs exactly this (.ci/run). Tests that need a tool fail, never skip,
# when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test --release --workspace"
cargo test --release --workspace
echo "== fuzz: every target 30 s on its committed seeds (scripts/fuzz.sh --ci; docs/FUZZING.md)"
scripts/fuzz.sh --ci
