#!/usr/bin/env bash
# Side-by-side validation of `systolic sim --timing scalesim` against SCALE-Sim 3.0.0.
# See bench/scalesim/README.md and docs/VALIDATION.md ("SCALE-Sim 3.0.0").
#
#   bench/scalesim/compare.sh            default subset (~20 SCALE-Sim CPU-minutes, ~11 min on
#                                        2 idle cores; later runs reuse cached results except
#                                        the speed run): smoke + smoke_gemm on all 9
#                                        array/dataflow combos, alexnet on 128x128 (os, ws, is)
#                                        and 32x32 ws, resnet18 on 32x32 ws (the speed run)
#   bench/scalesim/compare.sh --full     alexnet and resnet18 on all 9 combos (18), plus the
#                                        smoke topologies; hours of SCALE-Sim CPU (see README)
#   bench/scalesim/compare.sh --speed    only the speed comparison (resnet18, 32x32, ws)
#
# Options: --no-speed  skip the speed run          --jobs N     parallel SCALE-Sim jobs (2)
#          --reps N    timed runs of our CLI (20)  --mem-gb G   memory budget for SCALE-Sim jobs (16)
#          --rerun     ignore cached SCALE-Sim results under out/
#          --only T:A:DF   compare just this combo (repeatable), e.g. --only alexnet:8:ws
#          --scalesim-only run SCALE-Sim jobs only (fills the cache; our CLI is not needed)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$HERE/out"
VENV="$HERE/.venv-scalesim"
PY="$VENV/bin/python"
BIN="$ROOT/target/release/systolic"
SPEED_COMBO="resnet18:32:ws"

mode=default speed=yes jobs=2 reps=20 mem_gb=16 rerun=() only=() scalesim_only=no
while [[ $# -gt 0 ]]; do
  case "$1" in
    --full) mode=full ;;
    --speed) mode=speed ;;
    --no-speed) speed=no ;;
    --jobs) jobs="$2"; shift ;;
    --reps) reps="$2"; shift ;;
    --mem-gb) mem_gb="$2"; shift ;;
    --rerun) rerun=(--rerun) ;;
    --only) only+=("$2"); shift ;;
    --scalesim-only) scalesim_only=yes ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# ---- 1. SCALE-Sim 3.0.0 in its own virtualenv (numpy pinned: newer numpy breaks it) ----
if ! "$PY" -c 'import importlib.metadata as m, sys; sys.exit(0 if (m.version("scalesim"), m.version("numpy")) == ("3.0.0", "2.2.6") else 1)' 2>/dev/null; then
  echo "[setup] creating $VENV with scalesim==3.0.0 numpy==2.2.6"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet scalesim==3.0.0 numpy==2.2.6
fi

# ---- 2. our CLI ----
if [[ $scalesim_only == no ]]; then
  echo "[build] cargo build --release"
  (cd "$ROOT" && cargo build --release --quiet)
fi

# ---- 3. what to run ----
combos=()
all9() { for a in 8 32 128; do for d in os ws is; do combos+=("$1:$a:$d"); done; done; }
case "$mode" in
  default)
    all9 smoke; all9 smoke_gemm
    for d in os ws is; do combos+=("alexnet:128:$d"); done
    combos+=("alexnet:32:ws" "$SPEED_COMBO") ;;
  full) all9 smoke; all9 smoke_gemm; all9 alexnet; all9 resnet18 ;;
  speed) combos=("$SPEED_COMBO"); speed=yes ;;
esac
if [[ ${#only[@]} -gt 0 ]]; then combos=("${only[@]}"); [[ $mode == speed ]] || speed=no; fi
speed_arg=()
if [[ $speed == yes ]]; then
  speed_arg=(--speed "$SPEED_COMBO")
  [[ " ${combos[*]} " == *" $SPEED_COMBO "* ]] || combos+=("$SPEED_COMBO")
fi

mkdir -p "$OUT/ours" "$OUT/joined"
# ---- 4. SCALE-Sim (cached per layer under out/scalesim/; the speed run is always fresh) ----
"$PY" "$HERE/jobs.py" run --out "$OUT" --jobs "$jobs" --mem-gb "$mem_gb" "${rerun[@]}" "${speed_arg[@]}" "${combos[@]}"
[[ $scalesim_only == yes ]] && exit 0

# ---- 5. ours, and the per-layer join ----
summary="$OUT/summary.csv"
rm -f "$summary"
failed=()
for combo in "${combos[@]}"; do
  IFS=: read -r topo a df <<<"$combo"
  cfg="$HERE/configs/${a}x${a}_${df}.cfg"
  topofile="$HERE/topologies/$topo.csv"
  ours="$OUT/ours/${topo}_${a}x${a}_${df}.csv"
  "$BIN" sim --scalesim-config "$cfg" --topology "$topofile" --timing scalesim --format csv >"$ours"
  if ! "$PY" "$HERE/join.py" combo --combo "$combo" --scalesim-dir "$OUT/scalesim/$topo/${a}x${a}_${df}" \
      --ours "$ours" --topology "$topofile" --joined "$OUT/joined/${topo}_${a}x${a}_${df}.csv" --summary "$summary"; then
    failed+=("$combo")
  fi
done

# ---- 6. speed ----
speed_status=0
if [[ $speed == yes ]]; then
  IFS=: read -r topo a df <<<"$SPEED_COMBO"
  "$PY" "$HERE/speed.py" --timing "$OUT/scalesim/$topo/${a}x${a}_${df}/whole/timing.txt" --reps "$reps" \
    --label "$topo on ${a}x${a} $df" --expect-stdout "$OUT/ours/${topo}_${a}x${a}_${df}.csv" -- \
    "$BIN" sim --scalesim-config "$HERE/configs/${a}x${a}_${df}.cfg" --topology "$HERE/topologies/$topo.csv" \
    --timing scalesim --format csv | tee "$OUT/speed.txt" || speed_status=1
fi

# ---- 7. summary ----
"$PY" "$HERE/join.py" markdown "$summary" >"$OUT/summary.md"
echo
echo "=== summary (also in $OUT/summary.md; per-layer joins in $OUT/joined/)"
cat "$OUT/summary.md"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "compute-cycle identity FAILED for: ${failed[*]}"
  exit 1
fi
echo "compute-cycle identity: all ${#combos[@]} combos PASS"
exit "$speed_status"
