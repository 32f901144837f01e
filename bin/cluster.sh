#!/usr/bin/env bash
# A local cluster in one command: one api node and two worker nodes on loopback, on the
# clustered event bus (Hazelcast, conf/cluster.xml) and a shared PostgreSQL store.
#   bin/cluster.sh start   (make cluster)       logs and pids in data/cluster/
#   bin/cluster.sh stop    (make cluster-stop)  drains the nodes (SIGTERM) and waits for them
# PostgreSQL: the URL in conf/cluster/*.json (OFFLOAD_STORE_POSTGRES_URL overrides it).
# CLUSTER_TLS=1: mutual TLS on the event bus, with a throw-away CA made by bin/dev-certs.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=data/cluster
JAR=target/offload.jar
# What Hazelcast asks for on Java 9+ to use its faster internal paths (it works without them).
HAZELCAST_OPENS="--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens java.management/sun.management=ALL-UNNAMED \
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"
mkdir -p "$DIR"
chmod 700 data "$DIR" 2>/dev/null || true

start_node() { # name config management-port
  local name=$1 conf=$2 management=$3
  if [ -f "$DIR/$name.pid" ] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
    echo "$name is already running (pid $(cat "$DIR/$name.pid"))"
    return
  fi
  if [ "${CLUSTER_TLS:-0}" = 1 ]; then
    export OFFLOAD_CLUSTER_TLS_KEYFILE=$DIR/certs/$name.key OFFLOAD_CLUSTER_TLS_CERTFILE=$DIR/certs/$name.crt \
      OFFLOAD_CLUSTER_TLS_CAFILE=$DIR/certs/ca.crt
  fi
  OFFLOAD_MANAGEMENT_PORT=$management nohup java ${JAVA_OPTS:-} $HAZELCAST_OPENS -Dvertx.hazelcast.config=conf/cluster.xml -jar "$JAR" -conf "$conf" \
    -cluster -cluster-host 127.0.0.1 >"$DIR/$name.log" 2>&1 &
  echo $! >"$DIR/$name.pid"
  echo "$name started (pid $!, log $DIR/$name.log)"
}

wait_started() { # name
  for _ in $(seq 1 90); do
    if grep -q "Offload started" "$DIR/$1.log" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; then
      echo "$1 exited during start-up; last lines of $DIR/$1.log:" >&2
      tail -20 "$DIR/$1.log" >&2
      return 1
    fi
    sleep 1
  done
  echo "$1 did not start within 90 s (see $DIR/$1.log)" >&2
  return 1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_nodes() { # name ...: SIGTERM, then wait for each to drain (shutdown.graceSeconds, 30 s) and exit
  for node in "$@"; do
    if [ -f "$DIR/$node.pid" ]; then
      pid=$(cat "$DIR/$node.pid")
      if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        echo "$node (pid $pid) stopped"
      fi
      rm -f "$DIR/$node.pid"
    fi
  done
}

case "${1:-}" in
  start)
    [ -f "$JAR" ] || { echo "build first: make build" >&2; exit 2; }
    # The API's and the management ports, before anything starts (make run uses 8080 and 8081 too).
    for port in 8080 8081 8082 8083; do
      port_free "$port" || { echo "port $port is in use (is make run up? stop it first); nothing was started" >&2; exit 2; }
    done
    # A node that fails to start stops the ones started before it: no half cluster is left running.
    trap 'echo "start-up failed: stopping the nodes started" >&2; stop_nodes api worker-1 worker-2' ERR
    if [ "${CLUSTER_TLS:-0}" = 1 ]; then
      bin/dev-certs.sh "$DIR/certs" worker-1 worker-2 api
    fi
    # One after the other: each node joins the cluster the previous ones formed (members that
    # all start at the same moment can take a long time to agree on one cluster).
    start_node worker-1 conf/cluster/worker.json 8082 && wait_started worker-1
    start_node worker-2 conf/cluster/worker.json 8083 && wait_started worker-2
    start_node api conf/cluster/api.json 8081 && wait_started api
    echo "cluster up: API on http://127.0.0.1:8080 (token: make token CONF=conf/cluster/api.json)"
    ;;
  stop)
    stop_nodes api worker-1 worker-2
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
