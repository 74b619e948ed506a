#!/usr/bin/env bash
# Portcullis SSH gateway against plain OpenSSH: same machine, same run, a real sshd as the target.
#
#   bench/ssh-bench.sh          run from anywhere; needs java 17, maven, openssh-server, openssh-client
#
# (a) throughput of `head -c 1G /dev/zero` on the target, counted by the client: direct to the target, through
#     an OpenSSH jump host (ProxyJump, i.e. ssh -W), and through Portcullis (recording on, as it always is)
#     (a2) the same bytes made printable (`| tr '\0' a`), same three paths: a diagnostic that separates the
#     relay's cost from the recording's — asciicast is JSON, which writes a NUL as six bytes (\u0000), so in (a)
#     the broker writes and hashes a 6 GiB recording for 1 GiB of zeros; in (a2) the recording is 1 GiB
#     Before (a), WARMUP (3) transfers of BYTES printable bytes go through the gateway unmeasured: the JVM compiles
#     the relay's hot paths in the first seconds of traffic (measured: 123, 155, 189, 187 MiB/s for four 1 GiB
#     transfers in a row), which OpenSSH, compiled ahead of time, does not need; a broker runs for months.
#     Each transfer also prints the whole machine's busy CPU seconds per GiB; beyond DIRECT's, that is what the
#     relay costs (ProxyJump's ssh -W and jump sshd; Portcullis' relay and recording), however the cores were shared.
# (b) latency of `ssh … true` on the same three paths (mean of LATENCY_RUNS runs)
# (c) SESSIONS concurrent idle sessions through Portcullis on one grant: broker heap (used, after a full GC)
#     and RSS once all are live, then, when the grant's window ends, the time from the window end until the
#     last vendor client has exited and until the last session row is ended
# It prints every number and the ratios the SSH gateway issue asks for. The broker side is
# dev.portcullis.bench.SshBenchBroker (test tree): the broker core on embedded PostgreSQL, the gateway, and
# two sshd (target and jump host) that trust the broker's CA. Everything listens on 127.0.0.1 only.
#
# In (c) the vendor clients and the target's sshd can run at nice CLIENT_NICE (default 0, equal terms): in a
# deployment they are other machines, here their thousands of processes share the broker's two cores at the
# very moment the cut is measured. (Measured here: nice 10 changed the cut time little.)
#
# Tunables (environment): SESSIONS=1000 LATENCY_RUNS=10 BYTES=1G WARMUP=3 CONNECT_PARALLEL=8 BROKER_HEAP=1g CLIENT_NICE=0 WINDOW=<s>
#   BROKER_JAVA_OPTS: more JVM options for the broker, e.g. a profiler agent (its output on stdout is skipped)
set -euo pipefail

SESSIONS=${SESSIONS:-1000}
LATENCY_RUNS=${LATENCY_RUNS:-10}
BYTES=${BYTES:-1G}
WARMUP=${WARMUP:-3}
CONNECT_PARALLEL=${CONNECT_PARALLEL:-8}
BROKER_HEAP=${BROKER_HEAP:-1g}
CLIENT_NICE=${CLIENT_NICE:-0}

cd "$(dirname "$0")/.."
echo "== building"
mvn -B -q test-compile
mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
WORK=$(mktemp -d /tmp/portcullis-bench-XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [[ -n "${BROKER_PID:-}" ]]; then kill "$BROKER_PID" 2>/dev/null || true; fi
    [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

coproc BROKER { exec java -Xmx"$BROKER_HEAP" ${BROKER_JAVA_OPTS:-} -Dlogback.configurationFile=bench/logback-bench.xml -DBENCH_LOG="$WORK/broker.log" -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
    dev.portcullis.bench.SshBenchBroker "$WORK" 2>"$WORK/broker.err"; }
BROKER_PID=$BROKER_PID
ask() {   # ask COMMAND → the BENCH answer (broker log lines in between are skipped)
    [[ -n "$1" ]] && echo "$1" >&"${BROKER[1]}"
    local line
    while read -r -u "${BROKER[0]}" line; do
        if [[ $line == BENCH* ]]; then echo "${line#BENCH }"; return; fi
    done
    echo "broker went away; see $WORK/broker.err and broker.log" >&2; exit 1
}
read -r _ GW_PORT TARGET_PORT JUMP_PORT JVM_PID <<<"$(ask "")"
echo "== broker pid $JVM_PID: gateway :$GW_PORT, target sshd :$TARGET_PORT, jump sshd :$JUMP_PORT"

cp "$WORK/id" "$WORK/vendor"   # the same key without the -cert.pub beside it: Portcullis takes plain keys only
COMMON=(-F /dev/null -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=yes
        -o UserKnownHostsFile="$WORK/known_hosts" -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR)
DIRECT=(ssh "${COMMON[@]}" -i "$WORK/id" -p "$TARGET_PORT" root@127.0.0.1)
JUMP=(ssh "${COMMON[@]}" -i "$WORK/id" -o "ProxyCommand=ssh ${COMMON[*]} -i $WORK/id -p $JUMP_PORT -W %h:%p root@127.0.0.1"
      -p "$TARGET_PORT" root@127.0.0.1)
GATEWAY=(ssh "${COMMON[@]}" -i "$WORK/vendor" -p "$GW_PORT" bench-main@127.0.0.1)

now() { date +%s.%N; }
expected=$(numfmt --from=iec "$BYTES")

# busy_ticks: CPU time the whole machine spent busy so far (user, nice, system, irq, softirq; not idle, iowait or
# what the hypervisor stole), in clock ticks
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
CLK_TCK=$(getconf CLK_TCK)

# throughput RESULTS CPU REMOTE_COMMAND: runs the command on each path, checks the byte count, fills RESULTS[path] in
# MiB/s and CPU[path] with the whole machine's busy CPU seconds per GiB moved (client, sshd, head, and whatever is
# between them): a path's cost beyond DIRECT's is what the relay costs, whatever share of the cores it got.
throughput() {
    local -n results=$1 cpu=$2
    local path start end got before after
    for path in DIRECT JUMP GATEWAY; do
        local -n cmd=$path
        before=$(busy_ticks)
        start=$(now)
        got=$("${cmd[@]}" "$3" | wc -c)
        end=$(now)
        after=$(busy_ticks)
        [[ $got == "$expected" ]] || { echo "$path: received $got of $expected bytes" >&2; exit 1; }
        results[$path]=$(echo "scale=1; $expected / 1048576 / ($end - $start)" | bc)
        cpu[$path]=$(echo "scale=2; ($after - $before) / $CLK_TCK * 1073741824 / $expected" | bc)
        printf '   %-8s %8s MiB/s   %6s CPU s/GiB\n' "$path" "${results[$path]}" "${cpu[$path]}"
        rm -f "$WORK"/data/recordings/*   # up to 6.4 GB each; their digests are in the ledger, which is not measured
    done
    printf '   relay CPU beyond direct: ProxyJump %s s/GiB, Portcullis %s s/GiB\n' \
        "$(echo "scale=2; ${cpu[JUMP]} - ${cpu[DIRECT]}" | bc)" "$(echo "scale=2; ${cpu[GATEWAY]} - ${cpu[DIRECT]}" | bc)"
}

echo "== warm-up: $WARMUP × $BYTES printable through the gateway, unmeasured"
for ((i = 0; i < WARMUP; i++)); do
    got=$("${GATEWAY[@]}" "head -c $BYTES /dev/zero | tr '\\0' a" | wc -c)
    [[ $got == "$expected" ]] || { echo "warm-up: received $got of $expected bytes" >&2; exit 1; }
done
rm -f "$WORK"/data/recordings/*

echo "== (a) throughput: head -c $BYTES /dev/zero"
declare -A MBPS CPU_A
throughput MBPS CPU_A "head -c $BYTES /dev/zero"

echo "== (a2) diagnostic: the same bytes, printable: head -c $BYTES /dev/zero | tr '\\0' a"
declare -A PRINTABLE CPU_A2
throughput PRINTABLE CPU_A2 "head -c $BYTES /dev/zero | tr '\\0' a"

echo "== (b) latency: ssh … true, mean of $LATENCY_RUNS"
declare -A MS
for path in DIRECT JUMP GATEWAY; do
    declare -n cmd=$path
    start=$(now)
    for ((i = 0; i < LATENCY_RUNS; i++)); do "${cmd[@]}" true; done
    end=$(now)
    MS[$path]=$(echo "scale=1; ($end - $start) * 1000 / $LATENCY_RUNS" | bc)
    printf '   %-8s %8s ms\n' "$path" "${MS[$path]}"
done

echo "== (c) $SESSIONS concurrent idle sessions through Portcullis (clients and target sshd at nice $CLIENT_NICE)"
for sshd in $(pgrep -P "$JVM_PID" -x sshd); do renice -n "$CLIENT_NICE" -p "$sshd" >/dev/null; done
read -r _ baseline_heap baseline_rss _ <<<"$(ask stats)"
# The window must outlast the set-up: about 5 sessions a second here (2 busy cores run both ends of every
# session: ssh, the gateway, sshd); the window's end is what is measured, so it is fine that it waits.
# A busy machine sets up more slowly: WINDOW (seconds) overrides.
WINDOW=${WINDOW:-$((SESSIONS / 4 + 30))}
read -r _ CUT_TARGET NOT_AFTER <<<"$(ask "grant $WINDOW")"
start=$(now)
for ((i = 1; i <= SESSIONS; i++)); do
    nice -n "$CLIENT_NICE" ssh "${COMMON[@]}" -i "$WORK/vendor" -p "$GW_PORT" "$CUT_TARGET@127.0.0.1" "sleep 3600" \
        </dev/null >/dev/null 2>>"$WORK/cut.err" &
    pids+=($!)
    if ((i % CONNECT_PARALLEL == 0 || i == SESSIONS)); then
        until read -r _ live <<<"$(ask live)" && ((live >= i)); do
            (( $(date +%s%3N) < NOT_AFTER )) || { echo "window ended with only $live of $i sessions live" >&2; exit 1; }
        done
    fi
done
setup=$(echo "scale=1; $(now) - $start" | bc)
read -r _ heap rss live <<<"$(ask stats)"
echo "   $live sessions live after ${setup}s; window ends in $(( (NOT_AFTER - $(date +%s%3N)) / 1000 ))s"
wait "${pids[@]}" 2>/dev/null || true
clients_gone=$(date +%s%3N)
pids=()
# The broker learns of its cuts over the event bus and writes session ends in batches: ask until all are in.
for ((tries = 0; tries < 300; tries++)); do
    read -r _ cut last_cut <<<"$(ask "cut $CUT_TARGET")"
    read -r _ ended last_ended <<<"$(ask "ended $CUT_TARGET")"
    ((cut >= SESSIONS && ended >= SESSIONS)) && break
    sleep 0.1
done
cut_message=$(grep -c "session cut: the grant's window has closed" "$WORK/cut.err" || true)
printf '   heap used %d MiB (idle broker %d MiB), RSS %d MiB (idle broker %d MiB)\n' \
    $((heap / 1048576)) $((baseline_heap / 1048576)) $((rss / 1048576)) $((baseline_rss / 1048576))
printf '   window end → last vendor disconnected by the gateway: %d ms (%d cut); → last client process exited: %d ms\n' \
    $((last_cut - NOT_AFTER)) "$cut" $((clients_gone - NOT_AFTER))
printf '   window end → last session row ended (ledgered): %d ms (%d rows; %d clients printed the cut message)\n' \
    $((last_ended - NOT_AFTER)) "$ended" "$cut_message"

echo "== ratios"
echo "   throughput  Portcullis / ProxyJump = $(echo "scale=2; ${MBPS[GATEWAY]} / ${MBPS[JUMP]}" | bc)   (target ≥ 1.0)"
echo "   throughput  Portcullis / direct    = $(echo "scale=2; ${MBPS[GATEWAY]} / ${MBPS[DIRECT]}" | bc)"
echo "   (a2) printable: Portcullis / ProxyJump = $(echo "scale=2; ${PRINTABLE[GATEWAY]} / ${PRINTABLE[JUMP]}" | bc)   (diagnostic)"
echo "   latency     Portcullis adds $(echo "${MS[GATEWAY]} - ${MS[DIRECT]}" | bc) ms, ProxyJump adds $(echo "${MS[JUMP]} - ${MS[DIRECT]}" | bc) ms" \
     "→ ratio $(echo "scale=2; (${MS[GATEWAY]} - ${MS[DIRECT]}) / (${MS[JUMP]} - ${MS[DIRECT]})" | bc)   (target < 1.0)"
echo "   $SESSIONS idle sessions: heap $((heap / 1048576)) MiB of the 1024 MiB target, last cut $((last_cut - NOT_AFTER)) ms after window end (target ≤ 1000 ms)"
ask quit >/dev/null || true
