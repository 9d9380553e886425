#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, everything in one state directory:
# for testing scripts/slurm/ (tests/slurm.rs) without a real cluster.
#
#   scripts/slurm/local-cluster.sh start DIR   # munged, slurmctld, slurmd; waits for the node to be idle
#   export SLURM_CONF=DIR/slurm.conf           # then sbatch, squeue, sinfo, scontrol, scancel talk to it
#   scripts/slurm/local-cluster.sh stop DIR    # cancels its jobs, stops the daemons by their pid files
#
# DIR holds a fresh munge key, munged's socket, the generated slurm.conf,
# Slurm's state and spool directories, pid files and logs (munged.log,
# slurmctld.log, slurmd.log, jobcomp.log: one line per finished job). Ports
# are free ones picked at start (SLURMCTLD_PORT and SLURMD_PORT override), so
# two clusters can run side by side. Run as root (SlurmUser=root): Debian's
# slurm-wlm and munge packages (scripts/setup.sh). START_TIMEOUT (seconds,
# default 60) bounds the wait for the node; on a timeout the script names the
# log to read, prints the tails of the logs, stops what it started and exits 1.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}
[ $# -eq 2 ] || usage
action=$1
dir=$2

# A pid file's process, if it is still the daemon `name` that wrote it.
live_pid() {
    local file=$1 name=$2 pid
    [ -s "$file" ] || return 1
    pid=$(tr -dc '0-9' <"$file")
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
    [ "$(cat "/proc/$pid/comm")" = "$name" ] || return 1
    echo "$pid"
}

# Stops daemons given as pid-file/name pairs: TERM to all, then up to 10 s
# for them to exit, then KILL.
stop_daemons() {
    local pids=() pid
    while [ $# -ge 2 ]; do
        pid=$(live_pid "$1" "$2") && kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
        shift 2
    done
    for _ in $(seq 100); do
        local alive=()
        for pid in "${pids[@]}"; do
            [ -d "/proc/$pid" ] && alive+=("$pid")
        done
        [ ${#alive[@]} -eq 0 ] && return 0
        sleep 0.1
    done
    for pid in "${alive[@]}"; do
        echo "local-cluster: $(cat "/proc/$pid/comm" 2>/dev/null) ($pid) did not stop in 10 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    done
}

stop_cluster() {
    if live_pid "$dir/slurmctld.pid" slurmctld >/dev/null; then
        export SLURM_CONF=$dir/slurm.conf
        local jobs
        jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ') || true
        if [ -n "${jobs// /}" ]; then
            # shellcheck disable=SC2086
            scancel $jobs 2>/dev/null || true
            for _ in $(seq 50); do
                [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break
                sleep 0.2
            done
        fi
    fi
    stop_daemons "$dir/slurmd.pid" slurmd "$dir/slurmctld.pid" slurmctld
    stop_daemons "$dir/munge/munged.pid" munged
}

log_tails() {
    local log
    for log in "$dir/munged.log" "$dir/slurmctld.log" "$dir/slurmd.log"; do
        [ -f "$log" ] || continue
        echo "--- last lines of $log" >&2
        tail -n 15 "$log" >&2
    done
}

# Gives up on starting: names the log to read, prints the tails, stops what started.
fail() {
    echo "local-cluster: $1" >&2
    log_tails
    stop_cluster
    exit 1
}

# The TCP ports something listens on or holds (from /proc: no iproute2 needed).
used_ports() {
    local f sl local_address rest
    for f in /proc/net/tcp /proc/net/tcp6; do
        [ -r "$f" ] || continue
        while read -r sl local_address rest; do
            [ "$sl" = sl ] && continue
            printf '%d\n' "0x${local_address##*:}"
        done <"$f"
    done | sort -u
}

free_port() {
    local used port
    used=$(used_ports)
    for _ in $(seq 200); do
        port=$((20000 + RANDOM % 20000))
        if ! grep -qx "$port" <<<"$used"; then
            echo "$port"
            return
        fi
    done
    echo "local-cluster: no free port found" >&2
    exit 1
}

start_cluster() {
    local t
    for t in munged mungekey slurmctld slurmd sinfo squeue scancel; do
        command -v "$t" >/dev/null 2>&1 ||
            { echo "local-cluster: $t not found: run scripts/setup.sh (Debian's slurm-wlm and munge)" >&2; exit 1; }
    done
    [ "$(id -u)" -eq 0 ] || { echo "local-cluster: run as root (the cluster runs with SlurmUser=root)" >&2; exit 1; }
    if live_pid "$dir/slurmctld.pid" slurmctld >/dev/null; then
        echo "local-cluster: a cluster already runs in $dir (stop it first)" >&2
        exit 1
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local socket=$dir/munge/munge.socket
    # A Unix socket's path holds at most 107 bytes.
    if [ ${#socket} -gt 100 ]; then
        echo "local-cluster: $dir is too deep for munged's socket ($socket is ${#socket} bytes; at most 100): use a shorter DIR" >&2
        exit 1
    fi
    rm -rf "$dir/munge" "$dir/state" "$dir/spool"
    rm -f "$dir"/*.log "$dir"/*.pid "$dir/slurm.conf"
    mkdir -m 0755 "$dir/munge"
    mkdir -p "$dir/state" "$dir/spool"
    chmod 0755 "$dir"

    mungekey --create --keyfile="$dir/munge/munge.key"
    munged --socket="$socket" --key-file="$dir/munge/munge.key" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/munged.log" \
        --seed-file="$dir/munge/munged.seed" ||
        fail "munged did not start: read $dir/munged.log"

    local host node ctld_port slurmd_port
    host=$(hostname -s)
    # The node as slurmd sees it (CPUs, sockets, cores, threads, memory), so
    # the node never drains for having less than its configuration says.
    node=$(slurmd -C | head -n 1)
    [[ $node == NodeName=* ]] || fail "slurmd -C printed no node line: $node"
    ctld_port=${SLURMCTLD_PORT:-$(free_port)}
    slurmd_port=${SLURMD_PORT:-$(free_port)}
    [ "$slurmd_port" != "$ctld_port" ] || slurmd_port=$((ctld_port + 2))

    cat >"$dir/slurm.conf" <<EOF
# Generated by scripts/slurm/local-cluster.sh: a one-node cluster in $dir.
ClusterName=systolic-local
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
MinJobAge=600
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF=$dir/slurm.conf
    slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start: read $dir/slurmctld.log"
    slurmd -f "$SLURM_CONF" || fail "slurmd did not start: read $dir/slurmd.log"

    local timeout=${START_TIMEOUT:-60} state="" nodename
    nodename=${node#NodeName=}
    nodename=${nodename%% *}
    for _ in $(seq $((timeout * 2))); do
        state=$(sinfo -h -n "$nodename" -o %T 2>/dev/null || true)
        [ "$state" = idle ] && break
        live_pid "$dir/slurmctld.pid" slurmctld >/dev/null ||
            fail "slurmctld exited: read $dir/slurmctld.log"
        live_pid "$dir/slurmd.pid" slurmd >/dev/null ||
            fail "slurmd exited: read $dir/slurmd.log"
        sleep 0.5
    done
    [ "$state" = idle ] ||
        fail "node $nodename is not idle after ${timeout} s (sinfo says '${state:-nothing}'): read $dir/slurmctld.log and $dir/slurmd.log"
    echo "local cluster up in $dir: node $nodename idle, slurmctld on port $ctld_port; export SLURM_CONF=$dir/slurm.conf"
}

case $action in
start) start_cluster ;;
stop)
    [ -d "$dir" ] || exit 0
    dir=$(cd "$dir" && pwd)
    stop_cluster
    ;;
*) usage ;;
esac
