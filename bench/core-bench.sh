#!/usr/bin/env bash
# Portcullis broker-core benchmarks (issue 2).
#
# What it measures — each part starts the whole broker in-process (embedded PostgreSQL on loopback, the
# real REST API, a cast registered and grants issued through the API); nothing is mocked:
#   1. GrantVerifier.evaluate on a warm cache, with JMH, one benchmark thread, the JVM pinned to core 0
#      (taskset, when present): an allowed attempt and an out-of-scope refusal, in verifications/s.
#      Target: >= 200,000/s on one core. Also the allowed call made from a thread outside the Vert.x
#      context that owns the cache — what a caller on another thread gets (see GrantVerifierBenchmark).
#   2. Approval filing end to end through the REST API: FILING_CLIENTS concurrent clients (16) each file
#      a one-approval request (web-prod, change class config, window now + 1 h) and approve it, over and
#      over; FILING_WARMUP s (5) of warm-up, then FILING_DURATION s (20) measured. Reports filings/s,
#      approvals/s and p50/p99 latency of each call.
#
# How long: about 2 minutes on 2 idle cores (build ~10 s, JMH ~1.5 min, filing ~35 s); longer on a busy machine.
#
# Run:    bench/core-bench.sh           (from any directory; JDK 17 and Maven; Maven Central on first run)
# Output: target/bench/ — jmh.csv, jmh.log, filing.log — and a summary at the end.
# Exit:   0 when both parts ran and the verifier met its target; 1 on failure; 2 when the target was missed.
#
# Numbers are only as quiet as the machine: the summary prints the load average and CPU pressure seen
# before the run, so that a run on a busy machine can be recognised as such.
set -euo pipefail

cd "$(dirname "$0")/.."
out=target/bench
tmp="$out/tmp"   # java.io.tmpdir: broker data directories (deleted at exit) and the extracted PostgreSQL (kept)
mkdir -p "$tmp"
trap 'rm -rf "$tmp"/portcullis-test*' EXIT

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
pressure_before="$(sed -n 's/^some avg10=\([0-9.]*\).*/\1%/p' /proc/pressure/cpu 2>/dev/null || true)"

echo "== building test classes"
mvn -q -B -DskipTests test-compile
mvn -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt"
classpath="target/test-classes:target/classes:$(cat "$out/classpath.txt")"
java=(java -Djava.io.tmpdir="$tmp" -cp "$classpath")

pin=()
if command -v taskset >/dev/null; then
  pin=(taskset -c 0)
else
  echo "taskset not found: the verifier benchmark runs unpinned"
fi

echo "== GrantVerifier on a warm cache (JMH, 1 thread${pin:+, pinned to core 0})"
"${pin[@]}" "${java[@]}" org.openjdk.jmh.Main -t 1 -rf csv -rff "$out/jmh.csv" \
  'dev\.portcullis\.bench\.GrantVerifierBenchmark\.' > "$out/jmh.log" 2>&1 \
  || { tail -n 40 "$out/jmh.log"; echo "JMH failed (see $out/jmh.log)"; exit 1; }
grep -E '^(Benchmark +Mode|GrantVerifierBenchmark\.)|^\[bench\]' "$out/jmh.log"

echo "== approval filing through the REST API"
"${java[@]}" dev.portcullis.bench.ApprovalFilingBenchmark \
  --clients "${FILING_CLIENTS:-16}" --warmup "${FILING_WARMUP:-5}" --duration "${FILING_DURATION:-20}" \
  > "$out/filing.log" 2>&1 || { tail -n 40 "$out/filing.log"; echo "approval filing benchmark failed (see $out/filing.log)"; exit 1; }
grep '^\[filing\]' "$out/filing.log"

score() {  # the JMH score (ops/s) of one benchmark method, from the CSV report
  awk -F, -v m="GrantVerifierBenchmark.$1\"" 'index($1, m) { printf "%.0f", $5 }' "$out/jmh.csv"
}
allowed="$(score allowedOnWarmCache)"
refused="$(score refusedOnWarmCache)"
foreign="$(score allowedFromForeignThread)"
result="$(grep '^RESULT ' "$out/filing.log" | cut -d' ' -f2-)"
field() { tr ' ' '\n' <<<"$result" | sed -n "s/^$1=//p"; }

target=200000
if [[ -n "$allowed" && "$allowed" -ge "$target" ]]; then verdict="MET"; else verdict="MISSED"; fi

cat <<SUMMARY

== summary ($(nproc) cores; load before the run: $load_before${pressure_before:+; CPU pressure: $pressure_before})
GrantVerifier, warm cache, one core:
  allowed                      $(printf "%12d" "$allowed") verifications/s   target $(printf "%d" $target)/s: $verdict
  refused (out of scope)       $(printf "%12d" "$refused") verifications/s
  allowed, from another thread $(printf "%12d" "$foreign") verifications/s   (one context hop per call)
Approval filing through the REST API, ${FILING_CLIENTS:-16} clients, ${FILING_DURATION:-20} s measured:
  filings    $(field filings_per_s)/s   p50 $(field file_p50_ms) ms   p99 $(field file_p99_ms) ms
  approvals  $(field approvals_per_s)/s   p50 $(field approve_p50_ms) ms   p99 $(field approve_p99_ms) ms
Details: $out/jmh.log, $out/jmh.csv, $out/filing.log
SUMMARY

[[ "$verdict" == "MET" ]] || exit 2
