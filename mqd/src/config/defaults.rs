//! The default config file, with every key documented. `mqd
//! print-default-config` prints it; a test keeps it equal to the built-in
//! defaults.

pub const DEFAULT_CONFIG: &str = r#"# mqd configuration. Every key is optional; shown values are the defaults.
# Environment variables MQD_<KEY> (for example MQD_DATA_DIR) and flags
# (--data-dir) override this file.

# Where logs and metadata live. Created if missing; locked while mqd runs.
data_dir = "./data"
# gRPC listener (data plane, admin, health, reflection). Port 0 picks a free port.
listen = "127.0.0.1:7420"
# Prometheus endpoint (GET /metrics, OpenMetrics text); port 0 picks a free one.
metrics_listen = "127.0.0.1:7421"
# This node's id in a cluster.
node_id = 1
# Address clients should use to reach this node (default: the bound listen address).
# advertise = "10.0.0.5:7420"
# Cluster peers as id=host:port,... (a single node needs none).
peers = ""

[cluster]
# How often each broker tells the controller it is alive.
heartbeat_interval_ms = 500
# A broker silent this long is fenced: the partitions it led get new
# leaders from their in-sync replicas, and it leads and follows nothing
# until it registers again. At least three heartbeat intervals. This is
# most of the failover time after a crash.
session_timeout_ms = 2000
# A follower that has not caught up with its leader for this long leaves
# the in-sync replica set (and so stops holding acks=all writes back); it
# rejoins once it has caught up.
replica_lag_time_max_ms = 10000

[log]
# Level filter: error, warn, info, debug, trace, or a tracing directive list.
# RUST_LOG, when set, wins.
level = "info"
# text or json.
format = "text"

[storage]
# When appends reach the disk: always (fsync before acknowledging, shared
# between concurrent producers), interval:<ms>, or never (the OS decides).
fsync = "interval:1000"
# How often retention looks for segments to delete.
retention_check_interval_ms = 30000

[limits]
max_partitions_per_topic = 10000
# Cap on bytes one fetch returns (a single larger batch is still returned).
max_fetch_bytes = 16777216
# How long a graceful shutdown may take before mqd exits anyway.
shutdown_timeout_ms = 20000

[canary]
# Every interval mqd produces a record to its internal topic __mq_canary
# through its own gRPC listener and reads it back, measuring end-to-end
# latency and lost or duplicated records. 0 turns it off.
interval_ms = 1000

[alerts]
# How often alert rules are evaluated.
evaluate_interval_ms = 5000
# Firing and resolving alerts are POSTed as JSON to each http:// or
# https:// URL, retried with backoff until delivered.
webhooks = []
# https webhooks are verified against the Mozilla roots built into mqd; a
# PEM file here adds CAs (for a private endpoint). Empty: none added.
webhook_ca_file = ""
# Rules. With none here, the defaults in docs/alerts.md apply; naming any
# replaces all of them. Metrics: group_lag_records, group_lag_seconds,
# group_stalled, group_stopped, retention_breach_records,
# partition_skew_ratio, disk_used_percent, produce_p99_ms,
# queue_dead_lettered, canary_failures, broker_down. A rule fires when the value stays above threshold
# for the duration.
# [[alerts.rules]]
# name = "billing-lag"
# metric = "group_lag_records"
# threshold = 10000
# for = "5m"
# severity = "warning"   # info, warning or critical

# Defaults for every topic's config; per-topic settings override them.
[topic_defaults]
# "retention.ms" = 604800000
# "retention.bytes" = -1
# "segment.bytes" = 1073741824
# "segment.ms" = 604800000
# "index.interval.bytes" = 4096
# "max.message.bytes" = 1048576
# "min.insync.replicas" = 1
# "cleanup.policy" = "delete"
# "max.backlog.bytes" = -1
# "backlog.policy" = "reject"
"#;
