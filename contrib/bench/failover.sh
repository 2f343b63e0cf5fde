#!/usr/bin/env bash
# Failover time on the cluster of cluster.sh: kill -9 the leader of fo/0,
# then time one acks=all produce through the client library (which
# retries) until it is acknowledged; restart the node; five rounds.
# Create the topic first:
#   mqctl --server $BOOT topic create fo -r 3 -c min.insync.replicas=2
set -u
BIN=${BIN:-target/release}
DIR=${DIR:-/tmp/mqb}
HERE=$(dirname "$0")
BOOT=http://127.0.0.1:7601,http://127.0.0.1:7602,http://127.0.0.1:7603
for round in 1 2 3 4 5; do
  "$BIN/mqctl" --server "$BOOT" cluster wait --healthy --timeout 60s >/dev/null || { echo "not healthy"; exit 1; }
  leader=$("$BIN/mqctl" --server "$BOOT" -o json cluster partitions --topic fo |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["leader"])')
  start=$(date +%s.%N)
  kill -9 "$(cat "$DIR/pid$leader")"
  "$BIN/mqctl" --server "$BOOT" produce fo --acks all -q "after-kill-$round" || echo "produce failed"
  end=$(date +%s.%N)
  echo "round $round: leader $leader, kill -9 to acknowledged write: $(python3 -c "print(round($end-$start,2))") s"
  "$HERE/cluster.sh" one "$leader"
done
