//! Synthetic broker state for the view snapshots, the unit tests and the
//! render benchmark: a three-broker cluster with one broker down (so
//! under-replicated and offline partitions show), consumer groups in every
//! lag status, a queue group and alerts in every state. Deterministic:
//! the same arguments give the same state.

use mq::proto::{
    Alert, AlertState, BrokerHealth, BrokerStats, CanaryStats, ClusterStats, GroupPartitionStats,
    GroupState, GroupStats, LagStatus, LagTrend, PartitionStats, QueuePartitionStats, QueueStats,
    Rates, StatsSnapshot, TopicStats,
};

/// The fixed "now" of fixtures, 2026-11-23 08:00:00 UTC.
pub const NOW_MS: i64 = 1_795_420_800_000;

const TOPICS: [&str; 6] = [
    "orders", "payments", "audit", "clicks", "emails", "invoices",
];
const GROUPS: [&str; 6] = [
    "billing",
    "shipping",
    "analytics",
    "fraud",
    "search-indexer",
    "mailer",
];

pub fn topic_name(i: usize) -> String {
    TOPICS
        .get(i)
        .map_or_else(|| format!("topic-{i:04}"), |t| t.to_string())
}

pub fn group_name(i: usize) -> String {
    GROUPS
        .get(i)
        .map_or_else(|| format!("group-{i:04}"), |g| g.to_string())
}

fn rates(records_in: f64, records_out: f64) -> Rates {
    Rates {
        records_in: (records_in * 10.0) as u64,
        bytes_in: (records_in * 10_240.0) as u64,
        records_out: (records_out * 10.0) as u64,
        bytes_out: (records_out * 10_240.0) as u64,
        records_in_per_sec: records_in,
        bytes_in_per_sec: records_in * 1024.0,
        records_out_per_sec: records_out,
        bytes_out_per_sec: records_out * 1024.0,
    }
}

/// `topics` user topics of `partitions` partitions each (plus the
/// canary's), `groups` consumer groups (group i reads topic i mod topics)
/// and, with two groups or more, one queue group. `tick` advances time by
/// seconds: rates wobble and growing lag grows.
pub fn snapshot(topics: usize, partitions: u32, groups: usize, tick: u64) -> StatsSnapshot {
    let t = tick as f64;
    let mut parts = Vec::new();
    let mut topic_stats = Vec::new();
    for ti in 0..topics {
        let name = topic_name(ti);
        for p in 0..partitions {
            let n = (ti as u32 * partitions + p) as usize;
            let replicas: Vec<u32> = (0..3).map(|k| ((n + k) % 3) as u32 + 1).collect();
            // Broker 3 is down: it is out of every ISR, and a partition
            // whose other replicas are out too has no leader.
            let offline = ti == 1 && p + 1 == partitions;
            let isr: Vec<u32> = if offline {
                Vec::new()
            } else {
                replicas.iter().copied().filter(|r| *r != 3).collect()
            };
            let leader = if offline { 0 } else { isr[0] };
            let hw = 10_000 * (ti as i64 + 1) + 1_000 * p as i64 + 50 * tick as i64;
            let rate = if offline {
                0.0
            } else {
                40.0 + 30.0 * ((t + n as f64) * 0.7).sin().abs() + 10.0 * ti as f64
            };
            parts.push(PartitionStats {
                topic: name.clone(),
                partition: p,
                log_start_offset: 1_000 * p as i64,
                log_end_offset: hw,
                high_watermark: hw,
                size_bytes: (hw as u64) * 1_100,
                segment_count: 1 + (hw / 40_000) as u32,
                rates: Some(rates(rate, rate * 0.9)),
                leader,
                replicas,
                isr,
                leader_epoch: (n % 4) as u32,
                offline,
            });
        }
        topic_stats.push(TopicStats {
            name,
            partitions,
            replication_factor: 3,
            retention_ms: if ti % 3 == 2 { -1 } else { 604_800_000 },
            retention_bytes: if ti % 2 == 1 { 1 << 30 } else { -1 },
            internal: false,
        });
    }
    parts.push(PartitionStats {
        topic: "__mq_canary".into(),
        partition: 0,
        log_start_offset: 0,
        log_end_offset: 600 + tick as i64,
        high_watermark: 600 + tick as i64,
        size_bytes: 76_000,
        segment_count: 1,
        rates: Some(rates(1.0, 1.0)),
        leader: 1,
        replicas: vec![1, 2, 3],
        isr: vec![1, 2],
        leader_epoch: 0,
        offline: false,
    });
    topic_stats.push(TopicStats {
        name: "__mq_canary".into(),
        partitions: 1,
        replication_factor: 3,
        retention_ms: 3_600_000,
        retention_bytes: -1,
        internal: true,
    });

    let mut group_stats = Vec::new();
    for gi in 0..groups {
        let ti = gi % topics.max(1);
        let kind = gi % 5;
        let status = match kind {
            1 => LagStatus::Warning,
            2 => LagStatus::Stalled,
            3 => LagStatus::Stopped,
            _ => LagStatus::Ok,
        };
        let mut rows = Vec::new();
        for p in 0..partitions {
            let skew = ((gi * 37 + p as usize * 13) % 200) as i64;
            let lag = match kind {
                0 => skew / 20,
                1 => 500 + skew * 5 + 40 * tick as i64,
                2 => 2_000 + skew * 10,
                3 => 9_000 + skew * 20 + 50 * tick as i64,
                _ => 0,
            };
            let hw = 10_000 * (ti as i64 + 1) + 1_000 * p as i64 + 50 * tick as i64;
            let (trend, drain) = match kind {
                1 | 3 => (LagTrend::Growing, -1.0),
                0 if lag > 0 => (LagTrend::Steady, lag as f64 / 50.0),
                _ => (LagTrend::Steady, if lag > 0 { -1.0 } else { 0.0 }),
            };
            rows.push(GroupPartitionStats {
                topic: topic_name(ti),
                partition: p,
                committed_offset: hw - lag,
                high_watermark: hw,
                lag,
                lag_seconds: lag as f64 / 45.0,
                trend: trend as i32,
                consume_per_sec: if (2..=3).contains(&kind) { 0.0 } else { 45.0 },
                produce_per_sec: 50.0,
                time_to_drain_seconds: drain,
                status: if lag > 0 { status } else { LagStatus::Ok } as i32,
                reason: match kind {
                    1 => "lag grew across the window".into(),
                    2 => "records wait and no commit in the window".into(),
                    3 => "records wait and the group has no members".into(),
                    _ => "keeping up".into(),
                },
            });
        }
        let total: i64 = rows.iter().map(|r| r.lag).sum();
        let max_secs = rows.iter().map(|r| r.lag_seconds).fold(0.0, f64::max);
        let reason = match kind {
            1..=3 => format!("{}/0: {}", topic_name(ti), rows[0].reason),
            _ => "every partition is keeping up".into(),
        };
        group_stats.push(GroupStats {
            group: group_name(gi),
            members: if kind == 3 { 0 } else { 1 + (gi % 3) as u32 },
            state: match kind {
                3 => GroupState::Empty,
                1 if gi % 2 == 1 => GroupState::Rebalancing,
                _ => GroupState::Stable,
            } as i32,
            total_lag: total,
            max_lag_seconds: max_secs,
            status: status as i32,
            reason,
            partitions: rows,
        });
    }
    let queues = if groups >= 2 {
        vec![QueueStats {
            group: "workers".into(),
            topics: vec![topic_name(0)],
            live_receivers: 4,
            backlog: 420 + tick as i64,
            in_flight: 37,
            dead_lettered: 3,
            oldest_unacked_seconds: 12.5,
            partitions: (0..partitions)
                .map(|p| QueuePartitionStats {
                    topic: topic_name(0),
                    partition: p,
                    backlog: if p == 0 { 420 + tick as i64 } else { 0 },
                    in_flight: if p == 0 { 37 } else { 0 },
                    waiting_redelivery: if p == 0 { 2 } else { 0 },
                    dead_lettered: if p == 0 { 3 } else { 0 },
                    oldest_unacked_seconds: if p == 0 { 12.5 } else { 0.0 },
                })
                .collect(),
        }]
    } else {
        Vec::new()
    };
    let in_rate: f64 = parts
        .iter()
        .filter_map(|p| p.rates.as_ref())
        .map(|r| r.records_in_per_sec)
        .sum();
    let out_rate: f64 = parts
        .iter()
        .filter_map(|p| p.rates.as_ref())
        .map(|r| r.records_out_per_sec)
        .sum();
    let led = |id: u32| parts.iter().filter(|p| p.leader == id).count() as u32;
    StatsSnapshot {
        timestamp_ms: NOW_MS - 1_000 + 1_000 * tick as i64,
        window_ms: 10_000,
        broker: Some(BrokerStats {
            node_id: 1,
            topics: topic_stats.len() as u64,
            partitions: parts.len() as u64,
            connections: 12,
            data_bytes: parts.iter().map(|p| p.size_bytes).sum(),
            disk_free_bytes: 180 << 30,
            disk_total_bytes: 250 << 30,
            rates: Some(rates(in_rate, out_rate)),
            canary: Some(CanaryStats {
                sent: 600 + tick,
                received: 598 + tick,
                lost: 1,
                duplicated: 0,
                failures: 0,
                last_latency_ms: 1.6,
            }),
        }),
        cluster: Some(ClusterStats {
            cluster_id: "mq-8f3a2c".into(),
            controller_id: 1,
            brokers: (1..=3)
                .map(|id| BrokerHealth {
                    node_id: id,
                    address: format!("10.0.0.{id}:7420"),
                    alive: id != 3,
                    last_heartbeat_ms: if id == 3 {
                        NOW_MS - 95_000
                    } else {
                        NOW_MS - 400
                    },
                    partitions_led: led(id),
                    version: "0.1.0".into(),
                    down_reason: if id == 3 {
                        "fenced: no heartbeat for 6.0 s (session timeout 6.0 s)".into()
                    } else {
                        String::new()
                    },
                })
                .collect(),
        }),
        partitions: parts,
        groups: group_stats,
        topics: topic_stats,
        queues,
    }
}

/// An empty single-node broker: no topics besides none, no groups.
pub fn empty() -> StatsSnapshot {
    StatsSnapshot {
        timestamp_ms: NOW_MS - 1_000,
        window_ms: 10_000,
        broker: Some(BrokerStats {
            node_id: 1,
            rates: Some(Rates::default()),
            canary: Some(CanaryStats::default()),
            disk_free_bytes: 180 << 30,
            disk_total_bytes: 250 << 30,
            ..BrokerStats::default()
        }),
        cluster: Some(ClusterStats {
            cluster_id: "mq-empty".into(),
            controller_id: 1,
            brokers: vec![BrokerHealth {
                node_id: 1,
                address: "127.0.0.1:7420".into(),
                alive: true,
                last_heartbeat_ms: NOW_MS - 1_000,
                partitions_led: 0,
                version: "0.1.0".into(),
                down_reason: String::new(),
            }],
        }),
        ..StatsSnapshot::default()
    }
}

pub fn alerts() -> Vec<Alert> {
    let alert = |rule: &str, subject: &str, severity: &str, state: AlertState, since_s: i64| {
        let value = 12_400.0;
        Alert {
            id: format!("{rule}/{subject}"),
            rule: rule.into(),
            severity: severity.into(),
            subject: subject.into(),
            state: state as i32,
            since_ms: NOW_MS - since_s * 1000,
            value,
            threshold: 10_000.0,
            message: format!("{subject}: {rule} is {value} (over 10000)"),
            ack_note: if state == AlertState::Acknowledged {
                "looking into it".into()
            } else {
                String::new()
            },
            fired_ms: NOW_MS - since_s * 1000,
        }
    };
    vec![
        alert(
            "consumer-lag",
            "group fraud",
            "critical",
            AlertState::Firing,
            300,
        ),
        alert(
            "disk-usage",
            "broker 1",
            "warning",
            AlertState::Acknowledged,
            4_000,
        ),
        alert(
            "produce-p99",
            "broker 1",
            "warning",
            AlertState::Pending,
            20,
        ),
        alert(
            "consumer-stalled",
            "group analytics",
            "warning",
            AlertState::Resolved,
            900,
        ),
    ]
}
