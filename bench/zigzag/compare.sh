#!/usr/bin/env bash
# Side-by-side comparison of systolic with ZigZag (zigzag-dse 3.9.1) on resnet18
# and ZigZag's shipped TPU-like accelerator. See bench/zigzag/RESULTS.md.
#
# Usage: bench/zigzag/compare.sh [--opt latency|energy|EDP] [--reuse] [--topology]
#   --opt       ZigZag's mapping-search criterion (default latency)
#   --reuse     reuse out/zigzag_resnet18_<opt>.csv if present (ZigZag takes ~2 min)
#   --topology  run systolic on resnet18_zigzag.csv (ZigZag's 21 layers as a
#               SCALE-Sim topology) instead of its built-in --model resnet18
# Runs from any directory. Needs python3 3.11+ (as zigzag-dse 3.9.1 does) with
# venv, PyPI the first time (to fill bench/zigzag/.venv-zigzag), and cargo.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv-zigzag"
OUT="$HERE/out"
OPT=latency
REUSE=0
WORKLOAD=(--model resnet18)

while [[ $# -gt 0 ]]; do
  case "$1" in
    --opt) OPT="$2"; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    --topology) WORKLOAD=(--topology "$HERE/resnet18_zigzag.csv"); shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

mkdir -p "$OUT"

# 1. ZigZag in its own virtual environment. zigzag-dse 3.9.1 imports six
#    without declaring it; its other dependencies (onnx, numpy, networkx,
#    sympy, pyyaml, cerberus, typeguard, tqdm, matplotlib, seaborn, pandas,
#    multiprocessing_on_dill) come with it from PyPI.
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "== creating $VENV"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import six, zigzag.api' 2>/dev/null \
   || [[ "$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("zigzag-dse"))')" != "3.9.1" ]]; then
  echo "== installing zigzag-dse==3.9.1 six"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "zigzag-dse==3.9.1" six
fi

"$VENV/bin/pip" freeze --disable-pip-version-check >"$OUT/zigzag_env.txt" 2>/dev/null || true

ZZ_CSV="$OUT/zigzag_resnet18_$OPT.csv"
if [[ $REUSE -eq 1 && -s "$ZZ_CSV" ]]; then
  echo "== reusing $ZZ_CSV"
else
  echo "== ZigZag: resnet18.onnx on tpu_like.yaml, mapping search for minimal $OPT (about 2 minutes)"
  "$VENV/bin/python" "$HERE/run_zigzag.py" "$OUT" --opt "$OPT" >"$OUT/zigzag_$OPT.log" 2>&1 \
    || { tail -30 "$OUT/zigzag_$OPT.log" >&2; exit 1; }
  tail -1 "$OUT/zigzag_$OPT.log"
fi

# 2. systolic on the mirrored design.
echo "== building systolic (cargo build --release)"
(cd "$ROOT" && cargo build --release --quiet)
SY_CSV="$OUT/systolic_resnet18.csv"
SY_ERR="$OUT/systolic.err"
REPRICE=()
# run_systolic DESIGN: systolic on DESIGN and the chosen workload, CSV to $SY_CSV.
run_systolic() {
  echo "== systolic sim --design ${1#"$ROOT/"} ${WORKLOAD[*]#"$ROOT/"} --format csv"
  "$ROOT/target/release/systolic" sim --design "$1" "${WORKLOAD[@]}" --format csv >"$SY_CSV" 2>"$SY_ERR"
}
DESIGN="$HERE/tpu_like.toml"
for _attempt in 1 2 3; do
  status=0; run_systolic "$DESIGN" || status=$?
  [[ $status -eq 0 ]] && break
  if grep -q "unknown model" "$SY_ERR" && [[ "${WORKLOAD[0]}" == --model ]]; then
    # No built-in resnet18 in this build: the same 21 layers from ZigZag's ONNX.
    echo "== this systolic has no built-in resnet18: using resnet18_zigzag.csv instead" >&2
    WORKLOAD=(--topology "$HERE/resnet18_zigzag.csv")
  elif grep -q "systolic::energy" "$SY_ERR" && [[ ${#REPRICE[@]} -eq 0 ]]; then
    # The loader does not read tpu_like_energy.toml: run the same design on
    # the built-in table and price the action counts with ours in compare.py.
    sed -n '1,3p' "$SY_ERR" >&2
    REG=$(sed -n '/^\[register\]/,/^\[/s/^pj_per_bit *= *\([0-9.eE+-]*\).*/\1/p' "$ROOT/sim/tables/horowitz-45nm.toml" | head -1)
    echo "== systolic does not accept tpu_like_energy.toml: running on horowitz-45nm (register $REG pJ/bit), repricing in compare.py" >&2
    DESIGN="$OUT/tpu_like_horowitz.toml"
    sed -e 's|^energy_table = .*|energy_table = "horowitz-45nm"|' "$HERE/tpu_like.toml" >"$DESIGN"
    REPRICE=(--reprice "$REG")
  else
    break
  fi
done
if [[ $status -ne 0 ]]; then
  cat "$SY_ERR" >&2
  exit "$status"
fi

# 3. Side by side.
echo
"$VENV/bin/python" "$HERE/compare.py" "$ZZ_CSV" "$SY_CSV" "$HERE/tpu_like_energy.toml" "$OUT" "${REPRICE[@]}"
echo "(tables also in $OUT/compare.md, per-layer numbers in $OUT/compare.csv)"
