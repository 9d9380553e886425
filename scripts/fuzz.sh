#!/usr/bin/env bash
# Builds every cargo-fuzz target (fuzz/fuzz_targets, overflow checks and
# debug assertions on) and runs each on its committed seed corpus
# (fuzz/seeds/TARGET) plus its growing working corpus (fuzz/corpus/TARGET),
# then prints per target: executions, executions per second, crashes.
# docs/FUZZING.md explains the targets and the numbers.
#
#   scripts/fuzz.sh                      every target for 60 s
#   scripts/fuzz.sh --time 600 npy topology
#   scripts/fuzz.sh --runs 10000000 design_toml
#   scripts/fuzz.sh --keep-going --time 3600    go on past crashes (libFuzzer fork mode)
#   scripts/fuzz.sh --ci                 every target for 30 s; exit 1 on any crash
#
# Options: --time SECONDS (per target), --runs N (per target, instead of a
# time), --keep-going (fork mode: crashes, timeouts and OOMs are recorded in
# fuzz/artifacts/TARGET/ and fuzzing goes on), --ci, --no-build, --list,
# --stats (print the totals of the logged runs, running nothing).
# Environment: FUZZ_SANITIZER (default none: the code is safe Rust, and
# overflow checks are what find its bugs; `address` works too),
# FUZZ_TIMEOUT (seconds one input may take, default 10), FUZZ_RSS_MB
# (default 2048), FUZZ_LOG_DIR (under fuzz/, default logs),
# SYSTOLIC_FUZZ_FOLD_CAP (fuzz/src/lib.rs).
#
# Uses the nightly toolchain (cargo-fuzz passes nightly-only compiler flags),
# installing it with rustup when it can; where no toolchain can be fetched,
# the pinned stable one with RUSTC_BOOTSTRAP=1. Installs cargo-fuzz when it
# is missing. Logs: fuzz/logs/TARGET.log.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

time_s=60
runs=""
ci=0
keep_going=0
build=1
stats_only=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) time_s="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --ci) ci=1; time_s=30; shift ;;
        --keep-going) keep_going=1; shift ;;
        --no-build) build=0; shift ;;
        --list) ls fuzz/fuzz_targets | sed 's/\.rs$//'; exit 0 ;;
        --stats) stats_only=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(ls fuzz/fuzz_targets | sed 's/\.rs$//')
fi
for t in "${targets[@]}"; do
    if [ ! -f "fuzz/fuzz_targets/$t.rs" ]; then
        echo "fuzz.sh: no target \`$t\`; targets: $(ls fuzz/fuzz_targets | sed 's/\.rs$//' | tr '\n' ' ')" >&2
        exit 2
    fi
done

if [ "$stats_only" = 1 ]; then
    # The totals of the runs logged in fuzz/$FUZZ_LOG_DIR (default logs), from
    # each log's last libFuzzer status line (fork mode) or final statistics.
    dir="fuzz/${FUZZ_LOG_DIR:-logs}"
    printf '%-14s %14s %10s %8s   %s\n' target executions exec/s seconds 'oom/timeout/crash'
    for t in "${targets[@]}"; do
        log="$dir/$t.log"
        [ -f "$log" ] || { printf '%-14s %14s\n' "$t" "(no log)"; continue; }
        line=$(grep -E '^#[0-9]+: cov:' "$log" | tail -n 1 || true)
        if [ -n "$line" ]; then
            execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$line")
            secs=$(sed -nE 's/.* time: ([0-9]+)s.*/\1/p' <<<"$line")
            printf '%-14s %14s %10s %8s   %s\n' "$t" "$execs" \
                "$(( execs / (secs > 0 ? secs : 1) ))" "$secs" \
                "$(sed -nE 's/.*oom\/timeout\/crash: ([0-9\/]+).*/\1/p' <<<"$line")"
        else
            printf '%-14s %14s %10s\n' "$t" \
                "$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)" \
                "$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n 1)"
        fi
    done
    exit 0
fi

# cargo-fuzz passes nightly-only compiler flags. With the nightly toolchain
# they just work; without it (a machine whose one toolchain is the pinned
# stable one, and no other can be fetched), the same flags are accepted by
# the stable compiler with RUSTC_BOOTSTRAP=1, which is what CI may need.
if cargo +nightly --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
    toolchain=nightly
elif command -v rustup >/dev/null 2>&1 && timeout 300 rustup toolchain install nightly --profile minimal >/dev/null 2>&1; then
    echo "== installed the nightly toolchain (rustup toolchain install nightly --profile minimal)"
    fuzz=(cargo +nightly fuzz)
    toolchain=nightly
else
    echo "== no nightly toolchain here and none can be fetched: building with $(rustc --version) and RUSTC_BOOTSTRAP=1"
    fuzz=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
    toolchain="$(rustc --version | cut -d' ' -f2) with RUSTC_BOOTSTRAP=1"
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== cargo-fuzz is missing: installing it (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked
fi

sanitizer="${FUZZ_SANITIZER:-none}"
timeout_s="${FUZZ_TIMEOUT:-10}"
rss_mb="${FUZZ_RSS_MB:-2048}"
cd fuzz
if [ "$build" = 1 ]; then
    echo "== building ${#targets[@]} fuzz targets ($toolchain, release with debug assertions and overflow checks, sanitizer: $sanitizer)"
    for t in "${targets[@]}"; do
        "${fuzz[@]}" build --sanitizer "$sanitizer" --debug-assertions "$t"
    done
fi

logdir="${FUZZ_LOG_DIR:-logs}"
mkdir -p "$logdir"
summary=()
failed=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
    log="$logdir/$t.log"
    limit=(-max_total_time="$time_s")
    what="${time_s} s"
    if [ -n "$runs" ]; then
        limit=(-runs="$runs")
        what="$runs runs"
    fi
    mode=()
    if [ "$keep_going" = 1 ]; then
        mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
        what="$what, going on past crashes"
    fi
    echo "== $t: $what (log: fuzz/$log)"
    stamp=$(mktemp)
    set +e
    "${fuzz[@]}" run --sanitizer "$sanitizer" --debug-assertions "$t" \
        "corpus/$t" "seeds/$t" -- \
        "${limit[@]}" "${mode[@]}" \
        -max_len=65536 -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1
    rc=$?
    set -e
    if [ "$keep_going" = 1 ]; then
        # Fork mode: the last status line holds the totals of executions; its
        # crash counts miss inputs that fail while a job loads its corpus, so
        # the inputs written to fuzz/artifacts/TARGET/ during the run count.
        line=$(grep -E '^#[0-9]+: cov:' "$log" | tail -n 1 || true)
        execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$line")
        # The line's exec/s is of the latest jobs; the run's average is this.
        secs=$(sed -nE 's/.* time: ([0-9]+)s.*/\1/p' <<<"$line")
        rate=$(( ${execs:-0} / (${secs:-0} > 0 ? ${secs:-1} : 1) ))
        new_inputs() { find "artifacts/$t" -type f -name "$1-*" -newer "$stamp" | wc -l; }
        crashes="$(new_inputs crash) (+$(new_inputs oom) OOM, $(new_inputs timeout) timeouts)"
    else
        execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
        rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n 1)
        crashes=0
        if [ "$rc" != 0 ] || grep -qE '^==[0-9]+== ERROR|deadly signal|^SUMMARY: libFuzzer' "$log"; then
            crashes=1
        fi
    fi
    rm -f "$stamp"
    execs=${execs:-0}
    rate=${rate:-0}
    crashes=${crashes:-0}
    if [ "$crashes" != "0 (+0 OOM, 0 timeouts)" ] && [ "$crashes" != 0 ]; then
        failed=1
        echo "   CRASH: see fuzz/$log and fuzz/artifacts/$t/"
        grep -E "panicked at|^SUMMARY|ERROR: libFuzzer" "$log" | head -n 3 | sed 's/^/   /' || true
    fi
    summary+=("$(printf '%-14s %14s %10s   %s' "$t" "$execs" "$rate" "$crashes")")
done

echo
printf '%-14s %14s %10s   %s\n' target executions exec/s crashes
printf '%s\n' "${summary[@]}"
if [ "$failed" = 1 ]; then
    echo
    echo "== distinct failures (fuzz/triage.sh: every input in fuzz/artifacts/ replayed)"
    ./triage.sh "${targets[@]}" || true
    echo "fuzz.sh: crashes found (artifacts in fuzz/artifacts/; docs/FUZZING.md says how to reproduce and minimize)"
    [ "$ci" = 1 ] && exit 1
    [ "$keep_going" = 1 ] || exit 1
fi
exit 0
