#!/usr/bin/env bash
# Installs what systolic's build and test suite need on a fresh Debian machine.
# Safe to run repeatedly. Rust itself comes from rustup (https://rustup.rs).
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found. Install Rust with rustup (https://rustup.rs), then run this script again." >&2
  exit 1
fi
echo "cargo: $(cargo --version)"
# The simulator's tests need nothing beyond the Rust toolchain. The comparison
# scripts under bench/ install SCALE-Sim and ZigZag into their own virtualenvs.
