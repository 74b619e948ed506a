#!/usr/bin/env bash
# Portcullis HTTP gateway benchmark (issue 5): the gateway against nginx, same machine, same run.
#
# What it measures — wrk with keep-alive connections, one after the other, against:
#   1. direct:     the target itself (an nginx server block answering 200 with a short body);
#   2. nginx:      an nginx reverse proxy in front of it that injects an Authorization header
#                  (keep-alive upstream pool, access log on — a fair stand-in for a credential-injecting proxy);
#   3. bare-netty: a reverse proxy on Netty alone (BareNettyProxy: forward, set one header), epoll, one event loop
#                  per core — what the JVM and Netty reach here, with nothing of Vert.x or Portcullis;
#   4. bare-vertx: the least a proxy on the gateway's stack can do (BareVertxProxy: a Vert.x HTTP server, Netty
#                  keep-alive connections to the target on the same event loop as the gateway's UpstreamPool; no
#                  token, no grant, no recording, no metrics) — the ceiling of the gateway's stack on this machine,
#                  so the stack's cost can be told from ours;
#   5. portcullis: the HTTP gateway in front of it, with a live grant: every request authenticated by the
#                  vendor's token, checked against the grant's scope, the vendor's Authorization stripped, the
#                  target's credential (a local secret) injected, and a JSON line recorded per exchange.
# Each gets a warm-up; then ROUNDS rotations measure every row once per round, and each row's median is reported
# (the load of this shared machine comes and goes; a rotation gives every row the same weather; the per-round
# requests/s are printed too). Printed: requests/s and p99 latency of each, and the ratios
#   portcullis/nginx requests/s                    (target >= 1.0)
#   bare-netty/nginx, bare-vertx/nginx             (the JVM's and the stack's ceilings here)
#   portcullis/bare-vertx                          (what Portcullis costs on top of its stack)
#   added p99 over direct: portcullis vs nginx     (target: portcullis' added p99 <= nginx's + 1 ms)
#   proxy CPU per request                          (the machine's busy CPU time per request, minus direct's: what
#                                                   each proxy costs, whatever share of the cores it got)
# The gateway listens on plain HTTP here (http.tls=false), as nginx does, so that TLS cost is not compared.
#
# Needs: JDK 17, Maven, wrk, nginx (Debian: apt-get install wrk nginx). Ports 18080-18084 free (or set them).
# Run:    bench/http-bench.sh
# Tune:   DURATION (10 s per row and round), ROUNDS (3), WARMUP (40 s per row: a profile showed the JIT still busy
#         with the gateway's path for ~40 s), THREADS (2), CONNECTIONS (32),
#         BROKER_HEAP (512m), GATEWAY_INSTANCES (0: one gateway listener per core), BROKER_JAVA_OPTS (e.g. a
#         -XX:StartFlightRecording=... to profile the broker)
# Output: target/bench/http/ — wrk-*.txt, nginx.conf, broker.log — and the summary at the end.
# Exit:   0 when both targets were met, 2 when one was missed, 1 on failure.
#
# Numbers are only as quiet as the machine: wrk, nginx, the target and the broker share its cores, and the
# summary prints the load average seen before the run.
set -euo pipefail

cd "$(dirname "$0")/.."
for tool in wrk nginx java mvn; do
  command -v "$tool" >/dev/null || { echo "$tool is required (Debian: apt-get install wrk nginx)"; exit 1; }
done
DURATION="${DURATION:-10}"; ROUNDS="${ROUNDS:-3}"; WARMUP="${WARMUP:-40}"; THREADS="${THREADS:-2}"; CONNECTIONS="${CONNECTIONS:-32}"
UPSTREAM_PORT="${UPSTREAM_PORT:-18080}"; NGINX_PORT="${NGINX_PORT:-18081}"; GATEWAY_PORT="${GATEWAY_PORT:-18082}"; BARE_PORT="${BARE_PORT:-18083}"
NETTY_PORT="${NETTY_PORT:-18084}"
WORK="$(pwd)/target/bench/http"
rm -rf "$WORK"; mkdir -p "$WORK/nginx-temp"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "== building test classes"
mvn -q -B -DskipTests test-compile
mvn -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/classpath.txt"

echo "== nginx: the target on :$UPSTREAM_PORT, the injecting reverse proxy on :$NGINX_PORT"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
cat > "$WORK/nginx.conf" <<NGINX
$user_line
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path $WORK/nginx-temp/body;
  proxy_temp_path $WORK/nginx-temp/proxy;
  fastcgi_temp_path $WORK/nginx-temp/fastcgi;
  uwsgi_temp_path $WORK/nginx-temp/uwsgi;
  scgi_temp_path $WORK/nginx-temp/scgi;
  keepalive_requests 1000000;
  # the target
  server {
    listen 127.0.0.1:$UPSTREAM_PORT;
    access_log off;
    location / { default_type application/json; return 200 '{"orders":[{"id":42,"state":"shipped"}]}\n'; }
  }
  # the reverse proxy that injects the target's credential
  upstream target { server 127.0.0.1:$UPSTREAM_PORT; keepalive 128; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    access_log $WORK/nginx-proxy-access.log combined buffer=64k;
    location / {
      proxy_pass http://target;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Cookie "";
      proxy_set_header Authorization "Bearer upstream-secret";
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
NGINX
nginx -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon on;'
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  for pid in "${REFERENCE_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  if [ -n "${BROKER_PID:-}" ]; then echo quit >&"${BROKER[1]}" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

echo "== Portcullis: the HTTP gateway on :$GATEWAY_PORT (plain HTTP), a live grant, a local secret injected"
coproc BROKER { exec java -Xmx"${BROKER_HEAP:-512m}" ${BROKER_JAVA_OPTS:-} -Dlogback.configurationFile=bench/logback-bench.xml -DBENCH_LOG="$WORK/broker.log" \
  -Djava.io.tmpdir="$WORK" -cp "target/test-classes:target/classes:$(cat "$WORK/classpath.txt")" \
  dev.portcullis.bench.HttpBenchBroker "$WORK/broker" "$GATEWAY_PORT" "http://127.0.0.1:$UPSTREAM_PORT"; }
BROKER_PID=$BROKER_PID
# A profiler agent in BROKER_JAVA_OPTS may print to stdout too: wait for the broker's own line.
ready=""
while [[ "$ready" != "BENCH ready "* ]]; do
  read -r -t 180 ready <&"${BROKER[0]}" || { echo "the bench broker did not start (see $WORK/broker.log)"; exit 1; }
done
read -r _ _ port target token <<<"$ready"

# reference_start NAME CLASS PORT: a reference proxy from the test classes, left running (idle) until the end
REFERENCE_PIDS=()
reference_start() {
  local name=$1 class=$2 port=$3
  : > "$WORK/$name.log"
  java -Xmx"${BROKER_HEAP:-512m}" -cp "target/test-classes:target/classes:$(cat "$WORK/classpath.txt")" \
    "dev.portcullis.bench.$class" "$port" "http://127.0.0.1:$UPSTREAM_PORT" > "$WORK/$name.log" 2>&1 &
  REFERENCE_PIDS+=($!)
  for _ in $(seq 1 60); do grep -q "BENCH ready" "$WORK/$name.log" && break; sleep 0.5; done
  grep -q "BENCH ready" "$WORK/$name.log" || { echo "$name did not start (see $WORK/$name.log)"; exit 1; }
}
reference_start bare-netty BareNettyProxy "$NETTY_PORT"
reference_start bare-vertx BareVertxProxy "$BARE_PORT"

ROWS=(direct nginx bare-netty bare-vertx portcullis)
declare -A URL=(
  [direct]="http://127.0.0.1:$UPSTREAM_PORT/v1/orders"
  [nginx]="http://127.0.0.1:$NGINX_PORT/v1/orders"
  [bare-netty]="http://127.0.0.1:$NETTY_PORT/v1/orders"
  [bare-vertx]="http://127.0.0.1:$BARE_PORT/v1/orders"
  [portcullis]="http://127.0.0.1:$port/t/$target/v1/orders")
declare -A HEADER=(
  [direct]="X-Bench: 1" [nginx]="Authorization: Bearer vendor-token" [bare-netty]="Authorization: Bearer vendor-token"
  [bare-vertx]="Authorization: Bearer vendor-token" [portcullis]="Authorization: Bearer $token")

# busy_ticks: CPU time the whole machine spent busy so far (user, nice, system, irq, softirq; not idle, iowait or
# the time the hypervisor stole), in clock ticks
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
CLK_TCK=$(getconf CLK_TCK)

# wrk_run NAME SECONDS OUT: one wrk run against a row; OUT gets wrk's output, stdout "req/s p99_ms cpu_us_per_req".
# The CPU per request is the whole machine's (wrk, the target, the proxy): the direct row's is what wrk and the
# target cost, so a proxy's own cost per request is its row's minus direct's. Unlike requests/s, it does not depend
# on how the cores are shared out between wrk, the target and the proxy, nor on what the hypervisor steals.
wrk_run() {
  local name=$1 seconds=$2 out=$3 before after
  before=$(busy_ticks)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --latency -H "${HEADER[$name]}" "${URL[$name]}" > "$out"
  after=$(busy_ticks)
  if grep -q "Non-2xx" "$out"; then echo "$name answered non-2xx:" >&2; cat "$out" >&2; exit 1; fi
  local rps p99 requests
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  requests=$(awk '$2 == "requests" && $3 == "in" {print $1}' "$out")
  p99=$(awk '$1 == "99%" { v=$2; if (v ~ /us$/) { sub(/us$/, "", v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v=v*1000 } print v }' "$out")
  echo "$rps $p99 $(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')"
}

# The machine's load comes and goes (other tenants; the hypervisor steals CPU): the rows are measured in ROUNDS
# rotations, one DURATION run of each per round, and each row's median is reported, so that every row sees the
# same weather. Each row is warmed up first (the JVM rows compile their hot paths under load).
echo "== wrk: $THREADS threads, $CONNECTIONS keep-alive connections; ${WARMUP}s warm-up each, then $ROUNDS rounds of ${DURATION}s per row"
for name in "${ROWS[@]}"; do
  wrk_run "$name" "$WARMUP" "$WORK/wrk-$name-warmup.txt" > /dev/null
done
declare -A RPS P99 CPU
for ((round = 1; round <= ROUNDS; round++)); do
  line="   round $round:"
  for name in "${ROWS[@]}"; do
    read -r rps p99 cpu < <(wrk_run "$name" "$DURATION" "$WORK/wrk-$name-$round.txt") || true
    [[ -n "${cpu:-}" ]] || { echo "$name: no result (see $WORK/wrk-$name-$round.txt)"; exit 1; }
    RPS[$name]+="$rps "; P99[$name]+="$p99 "; CPU[$name]+="$cpu "
    line+=" $name $(printf '%.0f' "$rps")"
  done
  echo "$line"
done
# per round, portcullis/nginx: the ratio within one round's weather
round_ratios=$(paste -d' ' <(tr ' ' '\n' <<<"${RPS[portcullis]}" | grep .) <(tr ' ' '\n' <<<"${RPS[nginx]}" | grep .) \
  | awk '{ printf "%.2f ", $1 / $2 }')
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
direct_rps=$(median "${RPS[direct]}"); direct_p99=$(median "${P99[direct]}")
nginx_rps=$(median "${RPS[nginx]}"); nginx_p99=$(median "${P99[nginx]}")
netty_rps=$(median "${RPS[bare-netty]}"); netty_p99=$(median "${P99[bare-netty]}")
bare_rps=$(median "${RPS[bare-vertx]}"); bare_p99=$(median "${P99[bare-vertx]}")
pcl_rps=$(median "${RPS[portcullis]}"); pcl_p99=$(median "${P99[portcullis]}")
round_ratio=$(median "$round_ratios")
cpu_args=()
for name in "${ROWS[@]}"; do cpu_args+=(-v "cpu_${name//-/_}=$(median "${CPU[$name]}")"); done

echo stats >&"${BROKER[1]}"
stats=""
while [[ "$stats" != "BENCH stats "* ]]; do
  read -r -t 10 stats <&"${BROKER[0]}" || { stats="BENCH stats ? ?"; break; }
done

awk -v d="$direct_rps" -v dp="$direct_p99" -v n="$nginx_rps" -v np="$nginx_p99" -v p="$pcl_rps" -v pp="$pcl_p99" \
    -v b="$bare_rps" -v bp="$bare_p99" -v bn="$netty_rps" -v bnp="$netty_p99" \
    -v load="$load_before" -v stats="$stats" -v rr="$round_ratio" -v rrs="$round_ratios" "${cpu_args[@]}" '
BEGIN {
  printf "\n%-12s %14s %12s %16s %22s\n", "", "requests/s", "p99 (ms)", "added p99 (ms)", "proxy CPU/request (us)"
  printf "%-12s %14.0f %12.3f %16s %22s\n", "direct", d, dp, "-", "-"
  printf "%-12s %14.0f %12.3f %16.3f %22.1f\n", "nginx", n, np, np - dp, cpu_nginx - cpu_direct
  printf "%-12s %14.0f %12.3f %16.3f %22.1f\n", "bare-netty", bn, bnp, bnp - dp, cpu_bare_netty - cpu_direct
  printf "%-12s %14.0f %12.3f %16.3f %22.1f\n", "bare-vertx", b, bp, bp - dp, cpu_bare_vertx - cpu_direct
  printf "%-12s %14.0f %12.3f %16.3f %22.1f\n", "portcullis", p, pp, pp - dp, cpu_portcullis - cpu_direct
  printf "(proxy CPU/request: the whole machine'"'"'s busy CPU time per request minus the direct row'"'"'s, %.1f us for wrk and the target)\n", cpu_direct
  ratio = p / n; extra = (pp - dp) - (np - dp)
  printf "\nportcullis/nginx requests/s: %.2f (target >= 1.00); per round: %s(median %.2f)\n", ratio, rrs, rr
  printf "bare-netty/nginx requests/s: %.2f (the JVM'"'"'s ceiling here); bare-vertx/nginx: %.2f (the stack'"'"'s)\n", bn / n, b / n
  printf "portcullis/bare-vertx requests/s: %.2f (what Portcullis costs on its stack)\n", p / b
  printf "proxy CPU per request, portcullis/nginx: %.2f; bare-vertx/nginx: %.2f\n", (cpu_portcullis - cpu_direct) / (cpu_nginx - cpu_direct), (cpu_bare_vertx - cpu_direct) / (cpu_nginx - cpu_direct)
  printf "added p99, portcullis minus nginx: %+.3f ms (target <= +1.000 ms)\n", extra
  printf "load average before the run: %s; broker %s\n", load, stats
  exit (ratio >= 1.0 && extra <= 1.0) ? 0 : 2
}'
