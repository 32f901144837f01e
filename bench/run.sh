#!/usr/bin/env bash
# Offload benchmark (`make bench`): starts the service from target/offload.jar on loopback with a
# throw-away data directory, drives it with wrk and prints, for one and the same run:
#   1. GET /health/live            requests/s and p99: the bare event-loop ceiling of this machine
#   2. POST /api/v1/jobs (sleep 0) requests/s and p99 of authenticated, durably committed submits
#   3. their ratio (submit / health)
#   4. GET /api/v1/jobs/{id}       p99 while every worker thread runs a CPU-bound primes job
# Raw wrk outputs and the service log go to bench/out/. This is a benchmark, not a test: it
# fails only when the service or the load generator does, never on the numbers.
#
# Knobs (environment): BENCH_PORT (18080), BENCH_DURATION (15s), BENCH_WARMUP (10s),
# BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_READ_CONNECTIONS (BENCH_CONNECTIONS),
# BENCH_DRAIN_SECONDS (180), JAVA_OPTS.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JAR=$ROOT/target/offload.jar
OUT=$ROOT/bench/out
HOST=127.0.0.1 # loopback only: this script never targets another address
PORT=${BENCH_PORT:-18080}
DURATION=${BENCH_DURATION:-15s}
WARMUP=${BENCH_WARMUP:-10s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
READ_CONNECTIONS=${BENCH_READ_CONNECTIONS:-$CONNECTIONS}
DRAIN_SECONDS=${BENCH_DRAIN_SECONDS:-180}
PRIMES_LIMIT=2000000000 # the largest limit the primes type accepts: seconds of CPU per job

# One owner submits every job, so the per-owner quota (1,000 active jobs) and the node backlog
# (100,000 queued jobs) would turn most submissions into 429/503. Raised for the benchmark only.
export OFFLOAD_LIMITS_ACTIVEJOBSPEROWNER=${OFFLOAD_LIMITS_ACTIVEJOBSPEROWNER:-10000000}
export OFFLOAD_LIMITS_BACKLOG=${OFFLOAD_LIMITS_BACKLOG:-100000000}
# The per-owner rate limit (100/s) would also turn the load into 429s: off for the benchmark.
export OFFLOAD_LIMITS_RATE_ENABLED=${OFFLOAD_LIMITS_RATE_ENABLED:-false}

die() { echo "bench: $*" >&2; exit 1; }

if ! command -v wrk >/dev/null 2>&1; then
  cat >&2 <<'EOF'
bench: wrk (the HTTP load generator) is not installed.
  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y wrk
  Fedora:        sudo dnf install wrk
  macOS:         brew install wrk
  from source:   https://github.com/wg/wrk (make; copy ./wrk onto your PATH)
EOF
  exit 2
fi
for tool in curl jq java; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required (Debian: apt-get install -y $tool)"
done
[[ -f $JAR ]] || die "$JAR is missing: run 'make build' (or 'make bench', which builds it)"

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
for _ in $(seq 1 20); do
  port_free "$PORT" && break
  PORT=$((PORT + 1))
done
port_free "$PORT" || die "no free port near ${BENCH_PORT:-18080} on $HOST"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/offload-bench.XXXXXX")
SERVICE_PID=""
cleanup() {
  if [[ -n $SERVICE_PID ]] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill "$SERVICE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVICE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVICE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The shipped config, with the data directory and port of this run (TokenCli reads the same env,
# so its token is signed with the secret the service generates in that data directory).
CONF=$ROOT/conf/config.json
export OFFLOAD_DATADIR=$WORK/data
export OFFLOAD_HTTP_HOST=$HOST
export OFFLOAD_HTTP_PORT=$PORT
export OFFLOAD_MANAGEMENT_PORT=0 # any free port: the benchmark does not scrape
BASE=http://$HOST:$PORT

mkdir -p "$OUT"
rm -f "$OUT"/*.txt "$OUT"/service.log

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: starting the service on $BASE (data dir $OFFLOAD_DATADIR)"
# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -jar "$JAR" -conf "$CONF" >"$OUT/service.log" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "$BASE/health/live" 2>/dev/null && break
  kill -0 "$SERVICE_PID" 2>/dev/null || die "the service exited during start-up; see $OUT/service.log"
  sleep 0.1
done
curl -fsS -o /dev/null "$BASE/health/live" || die "the service did not answer /health/live within 30 s"

OFFLOAD_BENCH_TOKEN=$(java -cp "$JAR" dev.offload.auth.TokenCli "$CONF" bench "jobs:read jobs:write" 3600)
export OFFLOAD_BENCH_TOKEN
AUTH="Authorization: Bearer $OFFLOAD_BENCH_TOKEN"
api() { curl -fsS -H "$AUTH" "$@"; }
api -o /dev/null "$BASE/api/v1/job-types" || die "the bench token is refused"

# wrk NAME CONNECTIONS DURATION [wrk args...]: writes bench/out/NAME.txt and echoes it.
run_wrk() {
  local name=$1 connections=$2 duration=$3
  shift 3
  wrk -t"$THREADS" -c"$connections" -d"$duration" --latency "$@" >"$OUT/$name.txt" 2>&1 \
    || { cat "$OUT/$name.txt" >&2; die "wrk failed for $name"; }
  sed 's/^/    /' "$OUT/$name.txt"
}
# Requests/sec of a wrk output file.
rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
# The p99 of a wrk --latency output file, in milliseconds.
p99_ms() {
  awk '$1 == "99%" {
    v = $2; unit = v; sub(/^[0-9.]+/, "", unit); n = v + 0
    if (unit == "us") n /= 1000; else if (unit == "s") n *= 1000; else if (unit == "m") n *= 60000
    printf "%.2f", n }' "$1"
}
# "N" from a line "LABEL: N" written by a wrk Lua done() hook; 0 when absent.
counted() { awk -F': ' -v label="$2" '$1 == label { n = $2 } END { print n + 0 }' "$1"; }
# Socket errors (connect, read, write, timeout) reported by wrk; 0 when none.
socket_errors() { awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10; f = 1 } END { if (!f) print 0 }' "$1"; }
# How many of the bench owner's jobs are in a state (at most 100, the page size).
count_state() { api "$BASE/api/v1/jobs?state=$1&limit=100${2:+&type=$2}" | jq '.items | length'; }

echo
echo "== 1. GET /health/live (warm-up $WARMUP, then $DURATION, $CONNECTIONS connections, $THREADS threads)"
run_wrk health-warmup "$CONNECTIONS" "$WARMUP" "$BASE/health/live" >/dev/null
run_wrk health "$CONNECTIONS" "$DURATION" "$BASE/health/live"

echo
echo "== 2. POST /api/v1/jobs, sleep 0 (warm-up $WARMUP, then $DURATION, $CONNECTIONS connections)"
export OFFLOAD_BENCH_PATH=/api/v1/jobs OFFLOAD_BENCH_EXPECT=202 \
  OFFLOAD_BENCH_BODY='{"type":"sleep","input":{"seconds":0}}'
run_wrk submit-warmup "$CONNECTIONS" "$WARMUP" -s bench/request.lua "$BASE" >/dev/null
run_wrk submit "$CONNECTIONS" "$DURATION" -s bench/request.lua "$BASE"
unset OFFLOAD_BENCH_BODY

# The submit run leaves a backlog of sleep jobs; let it drain so that scenario 3 measures reads
# against CPU-bound work only, not against the dispatcher still working through that backlog.
echo
echo "== 3. GET /api/v1/jobs/{id} while every worker runs primes"
echo "   waiting for the sleep-job backlog to drain (at most ${DRAIN_SECONDS}s)..."
drain_start=$SECONDS
while (( SECONDS - drain_start < DRAIN_SECONDS )); do
  [[ $(count_state queued sleep) == 0 && $(count_state running sleep) == 0 ]] && break
  sleep 1
done
drain_seconds=$((SECONDS - drain_start))
[[ $(count_state queued sleep) == 0 ]] || die "the sleep backlog did not drain within ${DRAIN_SECONDS}s"
echo "   drained in ${drain_seconds}s"

# More primes jobs than there can be worker threads: some stay queued, so every worker is busy.
cores=$(nproc)
primes_jobs=$((2 * cores + 2))
JOB_ID=""
for _ in $(seq 1 "$primes_jobs"); do
  id=$(api -H 'Content-Type: application/json' \
    -d "{\"type\":\"primes\",\"input\":{\"limit\":$PRIMES_LIMIT}}" "$BASE/api/v1/jobs" | jq -r .id)
  JOB_ID=${JOB_ID:-$id}
done
for _ in $(seq 1 100); do
  (( $(count_state running primes) > 0 )) && break
  sleep 0.1
done
sleep 1
running_before=$(count_state running primes)
queued_before=$(count_state queued primes)
echo "   primes jobs: $running_before running, $queued_before still queued (all workers busy: $([[ $queued_before -gt 0 ]] && echo yes || echo NO))"
export OFFLOAD_BENCH_PATH=/api/v1/jobs/$JOB_ID OFFLOAD_BENCH_EXPECT=200
run_wrk read-warmup "$READ_CONNECTIONS" 3s -s bench/request.lua "$BASE" >/dev/null
run_wrk read "$READ_CONNECTIONS" "$DURATION" -s bench/request.lua "$BASE"
running_after=$(count_state running primes)
queued_after=$(count_state queued primes)
echo "   after the run: $running_after primes jobs running, $queued_after queued"
(( running_before > 0 && running_after > 0 && queued_after > 0 )) \
  || echo "   WARNING: the workers were not all busy for the whole read run; raise the job count" >&2

# Stop the service before printing, so its shutdown does not overlap anything measured.
kill "$SERVICE_PID" 2>/dev/null || true
wait "$SERVICE_PID" 2>/dev/null || true
SERVICE_PID=""

health_rps=$(rps "$OUT/health.txt");   health_p99=$(p99_ms "$OUT/health.txt")
submit_rps=$(rps "$OUT/submit.txt");   submit_p99=$(p99_ms "$OUT/submit.txt")
read_rps=$(rps "$OUT/read.txt");       read_p99=$(p99_ms "$OUT/read.txt")
non202=$(counted "$OUT/submit.txt" "Unexpected responses")
non200=$(counted "$OUT/read.txt" "Unexpected responses")
ratio=$(awk -v s="$submit_rps" -v h="$health_rps" 'BEGIN { printf "%.1f", (h > 0 ? 100 * s / h : 0) }')
meets() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == ">=") ? (v >= t) : (v < t); print (ok ? "met" : "MISSED") }'; }

{
  echo
  echo "Offload benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $cores cores (nproc), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo),"\
    "$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
  echo "java:    $(java -version 2>&1 | sed -n 1p)"
  echo "noise:   load average $LOAD_BEFORE before the run (1, 5, 15 min); other processes share these cores"
  echo "load:    wrk -t$THREADS -c$CONNECTIONS (reads: -c$READ_CONNECTIONS) -d$DURATION on $HOST, after a $WARMUP warm-up"
  echo "limits:  OFFLOAD_LIMITS_ACTIVEJOBSPEROWNER=$OFFLOAD_LIMITS_ACTIVEJOBSPEROWNER OFFLOAD_LIMITS_BACKLOG=$OFFLOAD_LIMITS_BACKLOG OFFLOAD_LIMITS_RATE_ENABLED=$OFFLOAD_LIMITS_RATE_ENABLED (raised or off: one owner submits everything)"
  echo
  printf '%-44s %12s %10s\n' "scenario" "requests/s" "p99 (ms)"
  printf '%-44s %12s %10s\n' "GET /health/live" "$health_rps" "$health_p99"
  printf '%-44s %12s %10s\n' "POST /api/v1/jobs (sleep 0, all 202: $([[ $non202 == 0 ]] && echo yes || echo "NO, $non202 not"))" \
    "$submit_rps" "$submit_p99"
  printf '%-44s %12s %10s\n' "GET /api/v1/jobs/{id}, workers on primes" "$read_rps" "$read_p99"
  echo
  echo "submit / health:              ${ratio}%   (target >= 40%: $(meets "$ratio" ">=" 40))"
  echo "read p99 under CPU load:      ${read_p99} ms (target < 20 ms: $(meets "$read_p99" "<" 20))"
  echo "socket errors (health/submit/read): $(socket_errors "$OUT/health.txt")/$(socket_errors "$OUT/submit.txt")/$(socket_errors "$OUT/read.txt");"\
    "non-200 reads: $non200; sleep backlog drained in ${drain_seconds}s"
  echo "raw wrk outputs and the service log: bench/out/"
} | tee "$OUT/summary.txt"

[[ $non202 == 0 && $non200 == 0 ]] || die "some requests were refused; the numbers above do not measure success"
