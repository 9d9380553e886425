#!/usr/bin/env bash
# Replays every crash, timeout and OOM input in fuzz/artifacts/TARGET/ (or the
# files given) on its target's built binary and prints one line per distinct
# failure: target, where it failed (the panic's file:line, or timeout/OOM),
# the message, how many inputs hit it and the smallest of them.
#   fuzz/triage.sh                 every target's artifacts
#   fuzz/triage.sh topology        one target's
# Build the targets first (scripts/fuzz.sh builds them).
set -euo pipefail
cd "$(dirname "$0")"
bin=target/x86_64-unknown-linux-gnu/release
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(ls artifacts 2>/dev/null); fi
declare -A count smallest size message
for t in "${targets[@]}"; do
    [ -x "$bin/$t" ] || { echo "triage: $bin/$t is not built (scripts/fuzz.sh builds it)" >&2; exit 1; }
    for f in artifacts/"$t"/*; do
        [ -f "$f" ] || continue
        out=$(SYSTOLIC_FUZZ_FOLD_CAP="${SYSTOLIC_FUZZ_FOLD_CAP:-}" timeout 120 "$bin/$t" -timeout=10 -rss_limit_mb=2048 "$f" 2>&1 || true)
        if loc=$(grep -m1 -oE 'panicked at [^ ]+:[0-9]+:[0-9]+' <<<"$out"); then
            loc=${loc#panicked at }
            msg=$(grep -m1 -A1 'panicked at' <<<"$out" | tail -n 1)
        elif grep -q 'ERROR: libFuzzer: timeout' <<<"$out"; then
            loc=timeout; msg="an input ran longer than 10 s"
        elif grep -qE 'ERROR: libFuzzer: (out-of-memory|malloc)' <<<"$out"; then
            loc=out-of-memory; msg=$(grep -m1 -E 'ERROR: libFuzzer' <<<"$out")
        else
            loc="no longer fails"; msg="(fixed, or fails only after other inputs)"
        fi
        key="$t|$loc"
        n=$(wc -c <"$f")
        count[$key]=$(( ${count[$key]:-0} + 1 ))
        if [ -z "${size[$key]:-}" ] || [ "$n" -lt "${size[$key]}" ]; then
            size[$key]=$n; smallest[$key]=$f; message[$key]=$msg
        fi
    done
done
for key in "${!count[@]}"; do
    printf '%s\t%s\t%s\t%s inputs\tsmallest: fuzz/%s (%s bytes)\n' "${key%%|*}" "${key#*|}" \
        "${message[$key]}" "${count[$key]}" "${smallest[$key]}" "${size[$key]}"
done | sort
