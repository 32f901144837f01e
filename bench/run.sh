#!/usr/bin/env bash
# Offload benchmark (`make bench`): starts the service from target/offload.jar on loopback with a
# throw-away data directory, drives it with wrk and bench/Probe.java, and prints, for one and the
# same run (docs/benchmarks.md explains each figure and its target):
#   1. GET /health/live            requests/s and p99: the bare event-loop ceiling of this machine
#   2. POST /api/v1/jobs (sleep 0) requests/s and p99 of authenticated, durably committed submits,
#      and their ratio to 1
#   3. one client on one connection: submit latency p50/p99, submit-to-succeeded p50
#   4. GET /api/v1/jobs/{id}       p99 while every worker thread runs a CPU-bound primes job
#   5. the drain rate of BENCH_DRAIN_JOBS (100,000) sleep-0 jobs queued beforehand (batch route)
#   6. RSS: idle, with BENCH_MEMORY_JOBS (1,000,000) queued, and while draining them
#   7. the submit figure of 2 on PostgreSQL (127.0.0.1:5432, a schema of its own), if it answers,
#      with 3's lone submit, 8 and 5 (the drain) there too
#   8. submit-to-finished under a steady BENCH_OPEN_RATE (200) jobs/s, open loop, each submit
#      held by Prefer: wait until its 201: p50/p99 and where the time went, on SQLite (and 7)
#   9. two nodes on one PostgreSQL schema: the submit rate of both together against one alone
#      (the same connections in all), and PostgreSQL's wait events sampled once a second
#  10. the drain of BENCH_DRAIN_JOBS jobs of a remote type (wordcount, conf/config.json) queued
#      beforehand, by BENCH_REMOTE_WORKERS (4) remote workers over HTTP (claims of 100, no work)
#  11. 1,000 event streams open on 10 running jobs: the worst event-loop lag while the jobs report
#      progress to all of them and finish (the event loop stays responsive)
# `bench/run.sh 7 9` runs only the scenarios named (1 and 2 always run: the others compare to them).
# Raw outputs and the service logs go to bench/out/. This is a benchmark, not a test: it fails
# only when the service or the load generator does, never on the numbers.
#
# Knobs (environment): BENCH_PORT (18080), BENCH_DURATION (15s), BENCH_WARMUP (30s),
# BENCH_THREADS (2), BENCH_CONNECTIONS (64), BENCH_READ_CONNECTIONS (16),
# BENCH_DRAIN_SECONDS (180), BENCH_DRAIN_JOBS (100000), BENCH_MEMORY_JOBS (1000000; 0 skips 6),
# BENCH_PG_URL (postgresql://postgres@127.0.0.1:5432/test; "none" skips 7), BENCH_OPEN_RATE (200),
# BENCH_REMOTE_WORKERS (4),
# BENCH_OPEN_SECONDS (20: as long again of warm-up first), BENCH_JAR (target/offload.jar),
# JAVA_OPTS (-Xmx256m, as make run).
set -euo pipefail

ONLY=" $* "
# want N: whether scenario N runs (all of them when none is named).
want() { [[ $ONLY == "  " || $ONLY == *" $1 "* ]]; }

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JAR=${BENCH_JAR:-$ROOT/target/offload.jar} # another build, to compare before and after
OUT=$ROOT/bench/out
HOST=127.0.0.1 # loopback only: this script never targets another address
PORT=${BENCH_PORT:-18080}
DURATION=${BENCH_DURATION:-15s}
# 30 s: with 10 s, C2 was still compiling the submit path through the measured window (it took
# a fifth of the service's CPU there; docs/benchmarks.md, "The submit figure, a third time").
WARMUP=${BENCH_WARMUP:-30s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
READ_CONNECTIONS=${BENCH_READ_CONNECTIONS:-16}
DRAIN_JOBS=${BENCH_DRAIN_JOBS:-100000}
MEMORY_JOBS=${BENCH_MEMORY_JOBS:-1000000}
PG_URL=${BENCH_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}
PROBE="java $(dirname "$0")/Probe.java"
JAVA_OPTS=${JAVA_OPTS:--Xmx256m} # as make run starts the service
DRAIN_SECONDS=${BENCH_DRAIN_SECONDS:-180}
OPEN_RATE=${BENCH_OPEN_RATE:-200}
OPEN_SECONDS=${BENCH_OPEN_SECONDS:-20}
REMOTE_WORKERS=${BENCH_REMOTE_WORKERS:-4}
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
NODE_A_PID="" # scenario 9's first node, while the second one is SERVICE_PID
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  [[ -z $NODE_A_PID ]] || kill "$NODE_A_PID" 2>/dev/null || true
  if [[ -n $SERVICE_PID ]] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill "$SERVICE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVICE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVICE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The shipped config, with the data directory and ports of this run (TokenCli reads the same env,
# so its token is signed with the secret the service generates in that data directory).
CONF=$ROOT/conf/config.json
MANAGEMENT=$((PORT + 1000))
port_free "$MANAGEMENT" || die "port $MANAGEMENT (management) is taken"
export OFFLOAD_DATADIR=$WORK/data
export OFFLOAD_HTTP_HOST=$HOST
export OFFLOAD_HTTP_PORT=$PORT
export OFFLOAD_MANAGEMENT_PORT=$MANAGEMENT
BASE=http://$HOST:$PORT
METRICS=http://$HOST:$MANAGEMENT/metrics

mkdir -p "$OUT"
rm -f "$OUT"/*.txt "$OUT"/*.log

# start_service LOG [VAR=value ...]: starts the jar with extra environment, waits until it answers.
start_service() {
  local log=$1
  shift
  # shellcheck disable=SC2086
  env "$@" java ${JAVA_OPTS:-} -jar "$JAR" -conf "$CONF" >"$OUT/$log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$BASE/health/ready" 2>/dev/null && return 0
    kill -0 "$SERVICE_PID" 2>/dev/null || die "the service exited during start-up; see $OUT/$log"
    sleep 0.1
  done
  die "the service was not ready within 30 s; see $OUT/$log"
}
# Stops it the way an operator does (SIGTERM: drain, exit), and waits.
stop_service() {
  kill "$SERVICE_PID" 2>/dev/null || true
  wait "$SERVICE_PID" 2>/dev/null || true
  SERVICE_PID=""
}

cores=$(nproc)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: starting the service on $BASE (data dir $OFFLOAD_DATADIR)"
start_service service.log
RSS_IDLE=$($PROBE rss "$SERVICE_PID" | awk '{ print $2 }')

BENCH_TOKEN=$(java -cp "$JAR" dev.offload.auth.TokenCli "$CONF" bench "jobs:read jobs:write" 3600)
export BENCH_TOKEN
# The token of the service running now (each data directory has its own dev secret).
api() { curl -fsS -H "Authorization: Bearer $BENCH_TOKEN" "$@"; }
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
rps() { [[ -f $1 ]] || return 0; awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
# The p99 of a wrk --latency output file, in milliseconds.
p99_ms() {
  [[ -f $1 ]] || return 0
  awk '$1 == "99%" {
    v = $2; unit = v; sub(/^[0-9.]+/, "", unit); n = v + 0
    if (unit == "us") n /= 1000; else if (unit == "s") n *= 1000; else if (unit == "m") n *= 60000
    printf "%.2f", n }' "$1"
}
# "N" from a line "LABEL: N" written by a wrk Lua done() hook, or by Probe.java; 0 when absent.
counted() { [[ -f $1 ]] || { echo 0; return; }; awk -F': ' -v label="$2" '$1 == label { n = $2 } END { print n + 0 }' "$1"; }
# "value" from a line "name value" written by Probe.java.
probed() { [[ -f $1 ]] || return 0; awk -v name="$2" '$1 == name { print $2 }' "$1"; }
# Socket errors (connect, read, write, timeout) reported by wrk; 0 when none.
socket_errors() { [[ -f $1 ]] || { echo 0; return; }; awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10; f = 1 } END { if (!f) print 0 }' "$1"; }
# How many of the bench owner's jobs are in a state (at most 100, the page size).
count_state() { api "$BASE/api/v1/jobs?state=$1&limit=100${2:+&type=$2}" | jq '.items | length'; }
# Waits until no sleep job is queued or running (at most BENCH_DRAIN_SECONDS).
await_sleep_backlog() {
  local started=$SECONDS
  while (( SECONDS - started < DRAIN_SECONDS )); do
    [[ $(count_state queued sleep) == 0 && $(count_state running sleep) == 0 ]] && return 0
    sleep 1
  done
  die "the sleep backlog did not drain within ${DRAIN_SECONDS}s"
}
# CPU time in ms used so far by the service's threads whose name holds $1 (every thread when
# empty), from /proc; a thread that has ended no longer counts.
cpu_ms() {
  local task ticks=0
  for task in /proc/"$SERVICE_PID"/task/*; do
    [[ -z $1 ]] || grep -q "$1" "$task/comm" 2>/dev/null || continue
    # utime and stime: fields 14 and 15, counted after the name, which may hold spaces.
    ticks=$((ticks + $(sed 's/.*) //' "$task/stat" 2>/dev/null | awk '{ s = $12 + $13 } END { print s + 0 }')))
  done
  echo $((ticks * 1000 / $(getconf CLK_TCK)))
}
# submit_load NAME: scenario 2's load (sleep-0 submits), after a warm-up. Also writes how much
# of the service's CPU the JIT compiler used in the measured window to bench/out/NAME-jit.txt:
# a large share means the warm-up was too short and the figure is not the steady state.
submit_load() {
  export BENCH_PATH=/api/v1/jobs BENCH_EXPECT=202 \
    BENCH_BODY='{"type":"sleep","input":{"seconds":0}}'
  run_wrk "$1-warmup" "$CONNECTIONS" "$WARMUP" -s bench/request.lua "$BASE" >/dev/null
  local jit=$(cpu_ms Compiler) all=$(cpu_ms "")
  run_wrk "$1" "$CONNECTIONS" "$DURATION" -s bench/request.lua "$BASE"
  jit=$(($(cpu_ms Compiler) - jit)) all=$(($(cpu_ms "") - all))
  echo "    JIT compiler threads: $jit ms of the service's $all ms of CPU in the measured window" \
    | tee "$OUT/$1-jit.txt"
  unset BENCH_BODY
}

echo
echo "== 1. GET /health/live (warm-up $WARMUP, then $DURATION, $CONNECTIONS connections, $THREADS threads)"
run_wrk health-warmup "$CONNECTIONS" "$WARMUP" "$BASE/health/live" >/dev/null
run_wrk health "$CONNECTIONS" "$DURATION" "$BASE/health/live"

echo
echo "== 2. POST /api/v1/jobs, sleep 0 (warm-up $WARMUP, then $DURATION, $CONNECTIONS connections)"
submit_load submit

# The submit run leaves a backlog of sleep jobs; let it drain so that what follows measures
# itself only, not the dispatcher still working through that backlog.
echo
echo "   waiting for the sleep-job backlog to drain (at most ${DRAIN_SECONDS}s)..."
drain_start=$SECONDS
await_sleep_backlog
drain_seconds=$((SECONDS - drain_start))
echo "   drained in ${drain_seconds}s"

if want 3 || want 8; then
  echo
  echo "== 3. One client, one keep-alive connection: 1,000 submits, then 200 submit-and-read-until-succeeded"
  $PROBE lone "$BASE" "$BENCH_TOKEN" 1000 200 | tee "$OUT/lone.txt" | sed 's/^/    /'
fi

# open_loop NAME: scenario 8 on the service running now.
open_loop() {
  $PROBE open "$BASE" "$BENCH_TOKEN" "$OPEN_RATE" "$OPEN_SECONDS" | tee "$OUT/$1.txt" | sed 's/^/    /'
}
if want 8; then
  echo
  echo "== 8. Submit-to-finished at $OPEN_RATE jobs/s, open loop, Prefer: wait (${OPEN_SECONDS}s warm-up, then ${OPEN_SECONDS}s)"
  open_loop open
fi

primes_scenario() {
echo
echo "== 4. GET /api/v1/jobs/{id} while every worker runs primes"
# More primes jobs than there can be worker threads: some stay queued, so every worker is busy.
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
export BENCH_PATH=/api/v1/jobs/$JOB_ID BENCH_EXPECT=200
run_wrk read-warmup "$READ_CONNECTIONS" 3s -s bench/request.lua "$BASE" >/dev/null
run_wrk read "$READ_CONNECTIONS" "$DURATION" -s bench/request.lua "$BASE"
running_after=$(count_state running primes)
queued_after=$(count_state queued primes)
echo "   after the run: $running_after primes jobs running, $queued_after queued"
(( running_before > 0 && running_after > 0 && queued_after > 0 )) \
  || echo "   WARNING: the workers were not all busy for the whole read run; raise the job count" >&2
}
want 4 && primes_scenario
stop_service

# 5 and 6: jobs are queued through the batch route on an API-only node (nothing runs them), then
# a node with workers starts on the same data and runs them; the clock starts when it is ready.
queue_then_drain() { # NAME JOBS
  rm -rf "$OFFLOAD_DATADIR"
  # An API-only node flags the queued jobs of a type no node runs, once per lease/3 (10 s): a fill
  # that outlasts that would note an error on every row and measure a drain of larger rows. A lease
  # of an hour puts that check out of the fill's way.
  start_service "$1-fill.log" OFFLOAD_ROLES=api OFFLOAD_WORKERS_LEASESECONDS=3600
  # A new data directory has a new dev secret: a new token.
  BENCH_TOKEN=$(java -cp "$JAR" dev.offload.auth.TokenCli "$CONF" bench "jobs:read jobs:write" 3600)
  $PROBE fill "$BASE" "$BENCH_TOKEN" "$2" | tee "$OUT/$1-fill.txt" | sed 's/^/    /'
  $PROBE rss "$SERVICE_PID" | sed 's/^rss_mb/queued_rss_mb/' | tee -a "$OUT/$1-fill.txt" | sed 's/^/    /'
  stop_service
  # shellcheck disable=SC2086
  java ${JAVA_OPTS:-} -jar "$JAR" -conf "$CONF" >"$OUT/$1-drain.log" 2>&1 &
  SERVICE_PID=$!
  $PROBE drain "$METRICS" "$2" "$SERVICE_PID" | tee "$OUT/$1-drain.txt" | sed 's/^/    /'
  stop_service
}
if want 5; then
  echo
  echo "== 5. Drain: $DRAIN_JOBS sleep-0 jobs queued beforehand, run by one node"
  queue_then_drain drain "$DRAIN_JOBS"
fi
if want 11; then
  echo
  echo "== 11. 1,000 event streams on 10 sleep jobs: the worst event-loop lag meanwhile"
  rm -rf "$OFFLOAD_DATADIR"
  start_service streams.log OFFLOAD_API_MAXSTREAMSPEROWNER=2000
  BENCH_TOKEN=$(java -cp "$JAR" dev.offload.auth.TokenCli "$CONF" bench "jobs:read jobs:write" 3600)
  $PROBE streams "$BASE" "$BENCH_TOKEN" "$METRICS" 1000 | tee "$OUT/streams.txt" | sed 's/^/    /'
  stop_service
fi
if want 10; then
  echo
  echo "== 10. Remote drain: $DRAIN_JOBS wordcount jobs queued beforehand, run by $REMOTE_WORKERS remote workers over HTTP"
  rm -rf "$OFFLOAD_DATADIR"
  start_service remote.log
  BENCH_TOKEN=$(java -cp "$JAR" dev.offload.auth.TokenCli "$CONF" bench "jobs:read jobs:write" 3600)
  worker_token=$(java -cp "$JAR" dev.offload.auth.TokenCli "$CONF" bench-worker "jobs:work" 3600)
  # First, with nothing queued: how soon a held claim hears of a submission (its wake-up).
  $PROBE wake "$BASE" "$BENCH_TOKEN" "$worker_token" wordcount 200 "$METRICS" | tee "$OUT/remote-wake.txt" | sed 's/^/    /'
  $PROBE fill "$BASE" "$BENCH_TOKEN" "$DRAIN_JOBS" '{"type":"wordcount","input":{"text":"a b"}}' \
    | tee "$OUT/remote-fill.txt" | sed 's/^/    /'
  $PROBE remote "$BASE" "$worker_token" "$DRAIN_JOBS" wordcount "$REMOTE_WORKERS" | tee "$OUT/remote-drain.txt" \
    | sed 's/^/    /'
  stop_service
fi
if (( MEMORY_JOBS > 0 )) && want 6; then
  echo
  echo "== 6. Memory: $MEMORY_JOBS jobs queued (RSS of the API node holding them), then drained"
  queue_then_drain memory "$MEMORY_JOBS"
fi

# wait_events FILE: samples what PostgreSQL's sessions of Offload wait on, once a second, until
# killed: one line per active session, "Lock:transactionid", "IO:WalSync", or "CPU" (no wait).
wait_events() {
  while true; do
    psql "$PG_URL" -qtAc "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity
      WHERE application_name = 'offload' AND state = 'active'" >>"$1" 2>/dev/null || true
    sleep 1
  done
}
# lock_share FILE: the share of the sampled active sessions that waited on a lock (Lock:*), in %.
lock_share() {
  awk '{ n++ } /^Lock:/ { l++ } END { if (n) printf "%.1f", 100 * l / n; else print "-" }' "$1"
}
# two_nodes: scenario 9. Both nodes share the schema and the JWT secret (so one token serves
# both); each has its own data directory and ports. The load is scenario 2's, with the same
# connections in all: all on node A alone, then half on each of A and B at once.
two_nodes() {
  local schema=${PG_SCHEMA}_nodes secret=$WORK/nodes.secret pid_a pid_b
  head -c 48 /dev/urandom | base64 >"$secret"
  local common=(OFFLOAD_STORE_KIND=postgres OFFLOAD_STORE_POSTGRES_URL="$PG_URL"
    OFFLOAD_STORE_POSTGRES_SCHEMA="$schema" OFFLOAD_AUTH_HS256SECRETFILE="$secret")
  rm -rf "$WORK/a" "$WORK/b"
  start_service nodes-a.log "${common[@]}" OFFLOAD_DATADIR="$WORK/a"
  pid_a=$SERVICE_PID
  BENCH_TOKEN=$(OFFLOAD_AUTH_HS256SECRETFILE="$secret" OFFLOAD_DATADIR="$WORK/a" \
    java -cp "$JAR" dev.offload.auth.TokenCli "$CONF" bench "jobs:read jobs:write" 3600)
  export BENCH_PATH=/api/v1/jobs BENCH_EXPECT=202 BENCH_BODY='{"type":"sleep","input":{"seconds":0}}'
  run_wrk nodes-warmup "$CONNECTIONS" "$WARMUP" -s bench/request.lua "$BASE" >/dev/null
  wait_events "$OUT/nodes-one-waits.txt" & local sampler=$!
  run_wrk nodes-one "$CONNECTIONS" "$DURATION" -s bench/request.lua "$BASE"
  kill "$sampler"
  await_sleep_backlog
  local base_b=http://$HOST:$((PORT + 1))
  BASE=$base_b start_service nodes-b.log "${common[@]}" OFFLOAD_DATADIR="$WORK/b" OFFLOAD_HTTP_PORT=$((PORT + 1)) \
    OFFLOAD_MANAGEMENT_PORT=$((MANAGEMENT + 1))
  pid_b=$SERVICE_PID
  NODE_A_PID=$pid_a
  run_wrk nodes-warmup-b "$CONNECTIONS" "$WARMUP" -s bench/request.lua "$base_b" >/dev/null
  await_sleep_backlog
  wait_events "$OUT/nodes-two-waits.txt" & sampler=$!
  run_wrk nodes-two-a $((CONNECTIONS / 2)) "$DURATION" -s bench/request.lua "$BASE" >/dev/null &
  local wrk_a=$!
  run_wrk nodes-two-b $((CONNECTIONS / 2)) "$DURATION" -s bench/request.lua "$base_b" >/dev/null
  wait "$wrk_a"
  kill "$sampler"
  unset BENCH_BODY
  echo "    node A alone: $(rps "$OUT/nodes-one.txt") submits/s; A and B together: $(rps "$OUT/nodes-two-a.txt") + $(rps "$OUT/nodes-two-b.txt") submits/s"
  echo "    lock waits in the sampled active sessions: alone $(lock_share "$OUT/nodes-one-waits.txt") %, together $(lock_share "$OUT/nodes-two-waits.txt") %"
  echo "    wait events together (samples): $(sort "$OUT/nodes-two-waits.txt" | uniq -c | sort -rn | head -6 | awk '{ printf "%s %s; ", $2, $1 }')"
  stop_service
  SERVICE_PID=$pid_a NODE_A_PID=""
  stop_service
  psql "$PG_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
}

echo
if [[ $PG_URL != none ]] && psql "$PG_URL" -qtAc 'SELECT 1' >/dev/null 2>&1; then
  PG_SCHEMA=bench_$$
fi
if [[ -n ${PG_SCHEMA:-} ]] && want 7; then
  echo "== 7. POST /api/v1/jobs, sleep 0, on PostgreSQL ($PG_URL, schema $PG_SCHEMA)"
  rm -rf "$OFFLOAD_DATADIR"
  start_service service-postgres.log OFFLOAD_STORE_KIND=postgres OFFLOAD_STORE_POSTGRES_URL="$PG_URL" \
    OFFLOAD_STORE_POSTGRES_SCHEMA="$PG_SCHEMA"
  BENCH_TOKEN=$(java -cp "$JAR" dev.offload.auth.TokenCli "$CONF" bench "jobs:read jobs:write" 3600)
  submit_load submit-postgres
  echo "   waiting for the sleep-job backlog to drain (at most ${DRAIN_SECONDS}s)..."
  await_sleep_backlog
  echo "== 3 and 8 on PostgreSQL"
  $PROBE lone "$BASE" "$BENCH_TOKEN" 1000 200 | tee "$OUT/lone-postgres.txt" | sed 's/^/    /'
  open_loop open-postgres
  stop_service
  psql "$PG_URL" -qc "DROP SCHEMA $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true
fi
if [[ -n ${PG_SCHEMA:-} ]] && want 5; then
  echo
  echo "== 5 on PostgreSQL: $DRAIN_JOBS sleep-0 jobs queued beforehand (a schema of their own), run by one node"
  export OFFLOAD_STORE_KIND=postgres OFFLOAD_STORE_POSTGRES_URL="$PG_URL" OFFLOAD_STORE_POSTGRES_SCHEMA="${PG_SCHEMA}_drain"
  queue_then_drain drain-postgres "$DRAIN_JOBS"
  # How many of the drain's updates were HOT (no index written): docs/benchmarks.md says why none are.
  psql "$PG_URL" -qtAc "SELECT 'updates ' || n_tup_upd || ', of them HOT ' || n_tup_hot_upd
    FROM pg_stat_user_tables WHERE schemaname = '${PG_SCHEMA}_drain' AND relname = 'jobs'" \
    | tee -a "$OUT/drain-postgres-drain.txt" | sed 's/^/    /'
  unset OFFLOAD_STORE_KIND OFFLOAD_STORE_POSTGRES_URL OFFLOAD_STORE_POSTGRES_SCHEMA
  psql "$PG_URL" -qc "DROP SCHEMA ${PG_SCHEMA}_drain CASCADE" >/dev/null 2>&1 || true
fi
if [[ -n ${PG_SCHEMA:-} ]] && want 9; then
  echo
  echo "== 9. Two nodes on one PostgreSQL schema (${PG_SCHEMA}_nodes): submit, one node alone, then both together"
  two_nodes
fi
if [[ -z ${PG_SCHEMA:-} ]]; then
  echo "== 7, 9 and 5 on PostgreSQL: skipped (no server answers at $PG_URL, or BENCH_PG_URL=none; psql is needed)"
fi
pg_submit=$(rps "$OUT/submit-postgres.txt")
pg_submit=${pg_submit:-skipped}

health_rps=$(rps "$OUT/health.txt");   health_p99=$(p99_ms "$OUT/health.txt")
submit_rps=$(rps "$OUT/submit.txt");   submit_p99=$(p99_ms "$OUT/submit.txt")
read_rps=$(rps "$OUT/read.txt");       read_p99=$(p99_ms "$OUT/read.txt")
non202=$(counted "$OUT/submit.txt" "Unexpected responses")
non200=$(counted "$OUT/read.txt" "Unexpected responses")
ratio=$(awk -v s="$submit_rps" -v h="$health_rps" 'BEGIN { printf "%.3f", (h > 0 ? s / h : 0) }')
pg_ratio=$(awk -v s="$pg_submit" -v h="$health_rps" 'BEGIN { if (s + 0 > 0) printf "%.3f", s / h; else print "-" }')
lone_p50=$(probed "$OUT/lone.txt" lone_submit_p50_ms); lone_p99=$(probed "$OUT/lone.txt" lone_submit_p99_ms)
round_p50=$(probed "$OUT/lone.txt" submit_to_succeeded_p50_ms)
drain_rate=$(probed "$OUT/drain-drain.txt" drain_jobs_per_second)
remote_rate=$(probed "$OUT/remote-drain.txt" remote_jobs_per_second 2>/dev/null || true)
wake_p50=$(probed "$OUT/remote-wake.txt" wake_p50_ms 2>/dev/null || true)
wake_p99=$(probed "$OUT/remote-wake.txt" wake_p99_ms 2>/dev/null || true)
streams_lag=$(probed "$OUT/streams.txt" streams_worst_lag_ms 2>/dev/null || true)
streams_done=$(probed "$OUT/streams.txt" streams_done 2>/dev/null || true)
open_p50=$(probed "$OUT/open.txt" open_p50_ms); open_p99=$(probed "$OUT/open.txt" open_p99_ms)
open_target=$(awk -v l="$lone_p50" 'BEGIN { printf "%.2f", 1.5 * l }')
pg_lone_p50=$(probed "$OUT/lone-postgres.txt" lone_submit_p50_ms 2>/dev/null || true)
pg_open_p50=$(probed "$OUT/open-postgres.txt" open_p50_ms 2>/dev/null || true)
pg_open_p99=$(probed "$OUT/open-postgres.txt" open_p99_ms 2>/dev/null || true)
pg_drain_rate=$(probed "$OUT/drain-postgres-drain.txt" drain_jobs_per_second 2>/dev/null || true)
pg_open_target=$(awk -v l="${pg_lone_p50:-0}" 'BEGIN { printf "%.2f", 1.5 * l }')
nodes_one=$(rps "$OUT/nodes-one.txt")
nodes_two=$(awk -v a="$(rps "$OUT/nodes-two-a.txt")" -v b="$(rps "$OUT/nodes-two-b.txt")" 'BEGIN { if (a + b > 0) print a + b }')
nodes_gain=$(awk -v one="$nodes_one" -v two="$nodes_two" 'BEGIN { if (one > 0 && two > 0) printf "%.2f", two / one }')
nodes_locks=$([[ -f $OUT/nodes-two-waits.txt ]] && lock_share "$OUT/nodes-two-waits.txt" || true)
memory_queued=$(probed "$OUT/memory-fill.txt" queued_rss_mb 2>/dev/null || true)
memory_drain=$(probed "$OUT/memory-drain.txt" drain_peak_rss_mb 2>/dev/null || true)
# verdict VALUE OP TARGET: "met" or "MISSED by X" (X: how far off, in the figure's unit).
verdict() {
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (v == "" || v == "-") { print "not measured"; exit }
    ok = (op == ">=") ? (v >= t) : (v <= t)
    if (ok) print "met"; else printf "MISSED by %.3g\n", (op == ">=") ? t - v : v - t }'
}

{
  echo
  echo "Offload benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $cores cores (nproc), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo),"\
    "$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
  echo "java:    $(java -version 2>&1 | sed -n 1p)"
  echo "noise:   load average $LOAD_BEFORE before the run (1, 5, 15 min); wrk and the service share these cores"
  echo "load:    wrk -t$THREADS -c$CONNECTIONS (reads: -c$READ_CONNECTIONS) -d$DURATION on $HOST, after a $WARMUP warm-up"
  echo "jit:     scenario 2: $(sed 's/^ *//' "$OUT/submit-jit.txt") (a small share: the steady state)"
  echo "limits:  OFFLOAD_LIMITS_ACTIVEJOBSPEROWNER=$OFFLOAD_LIMITS_ACTIVEJOBSPEROWNER OFFLOAD_LIMITS_BACKLOG=$OFFLOAD_LIMITS_BACKLOG OFFLOAD_LIMITS_RATE_ENABLED=$OFFLOAD_LIMITS_RATE_ENABLED (raised or off: one owner submits everything)"
  echo
  printf '%-46s %12s %10s\n' "scenario" "requests/s" "p99 (ms)"
  printf '%-46s %12s %10s\n' "1. GET /health/live" "$health_rps" "$health_p99"
  printf '%-46s %12s %10s\n' "2. POST /api/v1/jobs (sleep 0, all 202: $([[ $non202 == 0 ]] && echo yes || echo "NO, $non202 not"))" \
    "$submit_rps" "$submit_p99"
  printf '%-46s %12s %10s\n' "7. the same on PostgreSQL" "$pg_submit" "$([[ $pg_submit == skipped ]] && echo - || p99_ms "$OUT/submit-postgres.txt")"
  printf '%-46s %12s %10s\n' "4. GET /api/v1/jobs/{id}, workers on primes" "$read_rps" "$read_p99"
  echo
  echo "Each figure beside its target on this 2-core machine (docs/benchmarks.md says why each target):"
  printf '  %-52s %10s   %-10s %s\n' "figure" "measured" "target" "verdict"
  printf '  %-52s %10s   %-10s %s\n' "submit / health, SQLite (synchronous=FULL)" "$ratio" ">= 0.25" "$(verdict "$ratio" ">=" 0.25)"
  printf '  %-52s %10s   %-10s %s\n' "submit / health, PostgreSQL" "$pg_ratio" ">= 0.15" "$(verdict "$pg_ratio" ">=" 0.15)"
  printf '  %-52s %10s   %-10s %s\n' "lone client: submit p50 (ms)" "$lone_p50" "<= 1.0" "$(verdict "$lone_p50" "<=" 1.0)"
  printf '  %-52s %10s   %-10s %s\n' "lone client: submit p99 (ms)" "$lone_p99" "-" "(no target)"
  printf '  %-52s %10s   %-10s %s\n' "lone client: submit to succeeded p50 (ms)" "$round_p50" "<= 3.0" "$(verdict "$round_p50" "<=" 3)"
  printf '  %-52s %10s   %-10s %s\n' "read p99 while the workers are busy (ms)" "$read_p99" "< 20" "$(verdict "$read_p99" "<=" 20)"
  printf '  %-52s %10s   %-10s %s\n' "$OPEN_RATE jobs/s submit to finished p50 (ms; 1.5 x lone)" "$open_p50" "<= $open_target" "$(verdict "$open_p50" "<=" "$open_target")"
  printf '  %-52s %10s   %-10s %s\n' "$OPEN_RATE jobs/s submit to finished p99 (ms)" "$open_p99" "< 25" "$(verdict "$open_p99" "<=" 25)"
  printf '  %-52s %10s   %-10s %s\n' "the same on PostgreSQL, p50 (ms; 1.5 x its lone)" "${pg_open_p50:--}" "<= $pg_open_target" "$(verdict "${pg_open_p50:--}" "<=" "$pg_open_target")"
  printf '  %-52s %10s   %-10s %s\n' "the same on PostgreSQL, p99 (ms)" "${pg_open_p99:--}" "< 25" "$(verdict "${pg_open_p99:--}" "<=" 25)"
  printf '  %-52s %10s   %-10s %s\n' "drain of $DRAIN_JOBS queued sleep-0 jobs (jobs/s)" "$drain_rate" ">= 20000" "$(verdict "$drain_rate" ">=" 20000)"
  printf '  %-52s %10s   %-10s %s\n' "held claim woken by a submit, p50 (ms)" "${wake_p50:--}" "-" "(p99 ${wake_p99:--} ms)"
  printf '  %-52s %10s   %-10s %s\n' "the same drain by $REMOTE_WORKERS remote workers over HTTP (jobs/s)" "${remote_rate:--}" "-" "(beside the in-process drain)"
  printf '  %-52s %10s   %-10s %s\n' "the same drain on PostgreSQL (jobs/s)" "${pg_drain_rate:--}" ">= 5000" "$(verdict "${pg_drain_rate:--}" ">=" 5000)"
  printf '  %-52s %10s   %-10s %s\n' "two PostgreSQL nodes' submits / one node's" "${nodes_gain:--}" "> 1.0" "$(verdict "${nodes_gain:--}" ">=" 1.01)"
  printf '  %-52s %10s   %-10s %s\n' "  their sampled sessions waiting on a lock (%)" "${nodes_locks:--}" "< 5" "$(verdict "${nodes_locks:--}" "<=" 5)"
  printf '  %-52s %10s   %-10s %s\n' "worst event-loop lag, 1,000 streams (ms; ${streams_done:-0} done)" "${streams_lag:--}" "< 100" "$(verdict "${streams_lag:--}" "<=" 100)"
  printf '  %-52s %10s   %-10s %s\n' "RSS idle (MB)" "$RSS_IDLE" "-" "(no target)"
  printf '  %-52s %10s   %-10s %s\n' "RSS with $MEMORY_JOBS queued (MB)" "${memory_queued:--}" "< 300" "$(verdict "${memory_queued:--}" "<=" 300)"
  printf '  %-52s %10s   %-10s %s\n' "RSS while draining them, peak (MB)" "${memory_drain:--}" "< 300" "$(verdict "${memory_drain:--}" "<=" 300)"
  echo
  echo "socket errors (health/submit/read): $(socket_errors "$OUT/health.txt")/$(socket_errors "$OUT/submit.txt")/$(socket_errors "$OUT/read.txt");"\
    "non-200 reads: $non200; submit backlog drained in ${drain_seconds}s"
  echo "raw outputs and the service logs: bench/out/"
} | tee "$OUT/summary.txt"

[[ $non202 == 0 && $non200 == 0 ]] || die "some requests were refused; the numbers above do not measure success"
