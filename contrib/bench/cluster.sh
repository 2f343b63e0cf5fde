#!/usr/bin/env bash
# A three-node mqd cluster on loopback, for benchmarks (not for tests, which
# start their own). Usage: cluster.sh start | stop | one ID
# BIN: where mqd is (default target/release); DIR: data and logs (default
# /tmp/mqb). Nodes listen on 127.0.0.1:7601-7603, metrics on 7691-7693.
set -u
BIN=${BIN:-target/release}
DIR=${DIR:-/tmp/mqb}
PEERS="1=127.0.0.1:7601,2=127.0.0.1:7602,3=127.0.0.1:7603"
start() {
  mkdir -p "$DIR/d$1"
  "$BIN/mqd" --data-dir "$DIR/d$1" --node-id "$1" --listen "127.0.0.1:760$1" \
    --peers "$PEERS" --metrics-listen "127.0.0.1:769$1" >> "$DIR/log$1" 2>&1 &
  echo $! > "$DIR/pid$1"
}
case "${1:-}" in
  start) for i in 1 2 3; do start "$i"; done ;;
  one) start "$2" ;;
  stop) for i in 1 2 3; do kill "$(cat "$DIR/pid$i")" 2>/dev/null; done ;;
  *) echo "usage: $0 start|stop|one ID" >&2; exit 2 ;;
esac
