//! Conversions for Admin Stats and Watch.

use std::time::Duration;

use mq::proto::{
    BrokerStats, GroupPartitionStats, GroupStats, LagStatus as ProtoStatus, LagTrend,
    PartitionStats, QueuePartitionStats, QueueStats, Rates as ProtoRates, StatsSnapshot,
    TopicStats,
};

use crate::broker::Broker;
use crate::stats::lag::{LagStatus, Trend};
use crate::stats::{self, Rates};

pub const MIN_WATCH_INTERVAL: Duration = Duration::from_millis(200);
pub const MAX_WATCH_INTERVAL: Duration = Duration::from_secs(60);

pub async fn snapshot(broker: &Broker, groups: &[String]) -> StatsSnapshot {
    let r = stats::snapshot(broker, groups).await;
    StatsSnapshot {
        timestamp_ms: r.timestamp_ms,
        window_ms: r.window.as_millis() as u64,
        broker: Some(BrokerStats {
            node_id: broker.identity.node_id,
            topics: r.broker.topics as u64,
            partitions: r.broker.partitions as u64,
            connections: r.broker.connections,
            data_bytes: r.broker.data_bytes,
            disk_free_bytes: r.broker.disk_free_bytes,
            disk_total_bytes: r.broker.disk_total_bytes,
            rates: Some(rates(&r.broker.rates)),
            canary: Some(canary(&broker.canary)),
        }),
        partitions: r
            .partitions
            .iter()
            .map(|p| PartitionStats {
                topic: p.topic.clone(),
                partition: p.partition,
                log_start_offset: p.log_start,
                log_end_offset: p.log_end,
                high_watermark: p.high_watermark,
                size_bytes: p.size_bytes,
                segment_count: p.segments,
                rates: Some(rates(&p.rates)),
                leader: p.placement.leader,
                replicas: p.placement.replicas.clone(),
                isr: p.placement.isr.clone(),
                leader_epoch: p.placement.leader_epoch,
                offline: p.placement.offline,
            })
            .collect(),
        groups: r
            .groups
            .into_iter()
            .map(|g| GroupStats {
                state: super::admin::state_proto(g.state) as i32,
                group: g.group,
                members: g.members as u32,
                total_lag: g.total_lag,
                max_lag_seconds: g.max_lag_secs,
                status: status(g.status) as i32,
                reason: g.reason,
                partitions: g
                    .partitions
                    .into_iter()
                    .map(|p| GroupPartitionStats {
                        topic: p.topic,
                        partition: p.partition,
                        committed_offset: p.committed.unwrap_or(-1),
                        high_watermark: p.high_watermark,
                        lag: p.lag,
                        lag_seconds: p.lag_secs,
                        trend: match p.evaluation.trend {
                            Trend::Steady => LagTrend::Steady,
                            Trend::Growing => LagTrend::Growing,
                            Trend::Shrinking => LagTrend::Shrinking,
                        } as i32,
                        consume_per_sec: p.evaluation.consume_per_sec,
                        produce_per_sec: p.evaluation.produce_per_sec,
                        time_to_drain_seconds: p.evaluation.time_to_drain_secs.unwrap_or(-1.0),
                        status: status(p.evaluation.status) as i32,
                        reason: p.evaluation.reason,
                    })
                    .collect(),
            })
            .collect(),
        cluster: Some(super::cluster_admin::stats(broker, r.timestamp_ms)),
        topics: topics(broker),
        queues: r
            .queues
            .into_iter()
            .map(|q| QueueStats {
                group: q.group,
                topics: q.topics,
                live_receivers: q.live_receivers as u32,
                backlog: q.backlog,
                in_flight: q.in_flight,
                dead_lettered: q.dead_lettered,
                oldest_unacked_seconds: q.oldest_unacked_secs,
                partitions: q
                    .partitions
                    .into_iter()
                    .map(|p| QueuePartitionStats {
                        topic: p.topic,
                        partition: p.partition,
                        backlog: p.backlog,
                        in_flight: p.in_flight,
                        waiting_redelivery: p.waiting,
                        dead_lettered: p.dead_lettered,
                        oldest_unacked_seconds: p.oldest_unacked_secs,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn topics(broker: &Broker) -> Vec<TopicStats> {
    broker
        .topics
        .list()
        .iter()
        .map(|t| {
            let record = t.record();
            let config = t.config();
            TopicStats {
                internal: record.name.starts_with("__"),
                name: record.name,
                partitions: record.partitions,
                replication_factor: record.replication_factor,
                retention_ms: config.retention_ms,
                retention_bytes: config.retention_bytes,
            }
        })
        .collect()
}

fn canary(c: &crate::canary::CanaryStats) -> mq::proto::CanaryStats {
    use std::sync::atomic::Ordering::Relaxed;
    mq::proto::CanaryStats {
        sent: c.sent.load(Relaxed),
        received: c.received.load(Relaxed),
        lost: c.lost.load(Relaxed),
        duplicated: c.duplicated.load(Relaxed),
        failures: c.failures.load(Relaxed),
        last_latency_ms: c.last_latency_us.load(Relaxed) as f64 / 1000.0,
    }
}

fn rates(r: &Rates) -> ProtoRates {
    ProtoRates {
        records_in: r.records_in,
        bytes_in: r.bytes_in,
        records_out: r.records_out,
        bytes_out: r.bytes_out,
        records_in_per_sec: r.records_in_per_sec,
        bytes_in_per_sec: r.bytes_in_per_sec,
        records_out_per_sec: r.records_out_per_sec,
        bytes_out_per_sec: r.bytes_out_per_sec,
    }
}

fn status(s: LagStatus) -> ProtoStatus {
    match s {
        LagStatus::Ok => ProtoStatus::Ok,
        LagStatus::Warning => ProtoStatus::Warning,
        LagStatus::Stalled => ProtoStatus::Stalled,
        LagStatus::Stopped => ProtoStatus::Stopped,
    }
}
