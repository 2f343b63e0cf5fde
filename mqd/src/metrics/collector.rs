//! Figures read off the broker's state at each scrape: partitions (offsets,
//! size, traffic), consumer groups (committed offsets, lag), queue groups
//! (backlog, deliveries) and the data directory's disk. Reading them at
//! scrape time keeps the hot paths free of bookkeeping beyond a few atomic
//! counters.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeCounterValue, EncodeGaugeValue, MetricEncoder, NoLabelSet,
};
use prometheus_client::metrics::exemplar::Exemplar;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Unit;

use crate::broker::Broker;

type Labels = Vec<(&'static str, String)>;

#[derive(Debug)]
pub struct BrokerCollector {
    broker: Weak<Broker>,
}

impl BrokerCollector {
    pub fn new(broker: &Arc<Broker>) -> BrokerCollector {
        BrokerCollector {
            broker: Arc::downgrade(broker),
        }
    }
}

struct PartitionRow {
    labels: Labels,
    log_start: i64,
    log_end: i64,
    high_watermark: i64,
    size_bytes: u64,
    segments: u32,
    records_in: u64,
    bytes_in: u64,
    records_out: u64,
    bytes_out: u64,
}

impl Collector for BrokerCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), fmt::Error> {
        let Some(broker) = self.broker.upgrade() else {
            return Ok(());
        };
        let topics = broker.topics.list();
        let mut partitions = Vec::new();
        for t in &topics {
            for p in t.partitions() {
                let s = p.state();
                let traffic = p.traffic();
                partitions.push(PartitionRow {
                    labels: vec![
                        ("topic", p.topic().to_string()),
                        ("partition", p.id().to_string()),
                    ],
                    log_start: s.log_start,
                    log_end: s.log_end,
                    high_watermark: s.high_watermark,
                    size_bytes: s.size_bytes,
                    segments: s.segments,
                    records_in: traffic.records_in.load(Ordering::Relaxed),
                    bytes_in: traffic.bytes_in.load(Ordering::Relaxed),
                    records_out: traffic.records_out.load(Ordering::Relaxed),
                    bytes_out: traffic.bytes_out.load(Ordering::Relaxed),
                });
            }
        }

        let info: Labels = vec![
            ("node_id", broker.identity.node_id.to_string()),
            ("cluster_id", broker.cluster_id()),
            ("version", env!("CARGO_PKG_VERSION").to_string()),
        ];
        e.encode_descriptor(
            "mq_broker",
            "This broker's identity and version",
            None,
            MetricType::Info,
        )?
        .encode_info(&info)?;
        encode_cluster(&mut e, &broker)?;
        gauge(
            &mut e,
            "mq_topics",
            "Topics on this broker",
            None,
            [(Vec::new(), topics.len() as u64)],
        )?;
        gauge(
            &mut e,
            "mq_partitions",
            "Partitions on this broker",
            None,
            [(Vec::new(), partitions.len() as u64)],
        )?;
        let data: u64 = partitions.iter().map(|p| p.size_bytes).sum();
        gauge(
            &mut e,
            "mq_data",
            "Bytes of record logs on this broker",
            Some(&Unit::Bytes),
            [(Vec::new(), data)],
        )?;
        if let Ok(vfs) = rustix::fs::statvfs(&broker.data_dir) {
            let free = vfs.f_bavail.saturating_mul(vfs.f_frsize);
            let total = vfs.f_blocks.saturating_mul(vfs.f_frsize);
            gauge(
                &mut e,
                "mq_disk_free",
                "Free bytes on the data directory's file system (for unprivileged users)",
                Some(&Unit::Bytes),
                [(Vec::new(), free)],
            )?;
            gauge(
                &mut e,
                "mq_disk_total",
                "Size of the data directory's file system",
                Some(&Unit::Bytes),
                [(Vec::new(), total)],
            )?;
        }

        let c = &broker.canary;
        let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        counter(
            &mut e,
            "mq_canary_sent",
            "Canary records produced and acknowledged",
            None,
            [(Vec::new(), load(&c.sent))],
        )?;
        counter(
            &mut e,
            "mq_canary_received",
            "Canary records read back",
            None,
            [(Vec::new(), load(&c.received))],
        )?;
        counter(
            &mut e,
            "mq_canary_lost",
            "Canary records never read back (a gap in the sequence)",
            None,
            [(Vec::new(), load(&c.lost))],
        )?;
        counter(
            &mut e,
            "mq_canary_duplicated",
            "Canary records read back twice",
            None,
            [(Vec::new(), load(&c.duplicated))],
        )?;
        counter(
            &mut e,
            "mq_canary_failures",
            "Canary produces or reads that failed",
            None,
            [(Vec::new(), load(&c.failures))],
        )?;

        let rows =
            |f: fn(&PartitionRow) -> i64| partitions.iter().map(move |p| (p.labels.clone(), f(p)));
        gauge(
            &mut e,
            "mq_partition_log_start_offset",
            "First offset still stored",
            None,
            rows(|p| p.log_start),
        )?;
        gauge(
            &mut e,
            "mq_partition_log_end_offset",
            "Offset the next record will get",
            None,
            rows(|p| p.log_end),
        )?;
        gauge(
            &mut e,
            "mq_partition_high_watermark",
            "Offset below which records are visible to consumers",
            None,
            rows(|p| p.high_watermark),
        )?;
        gauge(
            &mut e,
            "mq_partition_size",
            "Bytes stored for the partition",
            Some(&Unit::Bytes),
            rows(|p| p.size_bytes as i64),
        )?;
        gauge(
            &mut e,
            "mq_partition_segments",
            "Segment files of the partition",
            None,
            rows(|p| p.segments as i64),
        )?;
        let counted =
            |f: fn(&PartitionRow) -> u64| partitions.iter().map(move |p| (p.labels.clone(), f(p)));
        counter(
            &mut e,
            "mq_partition_in_records",
            "Records appended (resends of an idempotent producer not counted)",
            None,
            counted(|p| p.records_in),
        )?;
        counter(
            &mut e,
            "mq_partition_in",
            "Record batch bytes appended",
            Some(&Unit::Bytes),
            counted(|p| p.bytes_in),
        )?;
        counter(
            &mut e,
            "mq_partition_out_records",
            "Records sent to consumers (whole batches, so a read from mid-batch counts the batch)",
            None,
            counted(|p| p.records_out),
        )?;
        counter(
            &mut e,
            "mq_partition_out",
            "Record batch bytes sent to consumers",
            Some(&Unit::Bytes),
            counted(|p| p.bytes_out),
        )?;

        // Consumer groups.
        let mut members = Vec::new();
        let mut committed = Vec::new();
        let mut lag = Vec::new();
        if let Ok(groups) = broker.groups.list() {
            for g in groups {
                members.push((vec![("group", g.name.clone())], g.members as i64));
                let Ok(report) = broker.groups.describe(&broker.topics, &g.name) else {
                    continue;
                };
                for p in report.partitions {
                    let labels: Labels = vec![
                        ("group", g.name.clone()),
                        ("topic", p.topic.clone()),
                        ("partition", p.partition.to_string()),
                    ];
                    if let Some(c) = &p.committed {
                        committed.push((labels.clone(), c.offset));
                    }
                    lag.push((labels, p.lag));
                }
            }
        }
        gauge(
            &mut e,
            "mq_group_members",
            "Live members of a consumer group",
            None,
            members,
        )?;
        gauge(
            &mut e,
            "mq_group_committed_offset",
            "A consumer group's committed offset",
            None,
            committed,
        )?;
        gauge(
            &mut e,
            "mq_group_lag_records",
            "High watermark minus committed offset (from the log start when nothing is committed)",
            None,
            lag,
        )?;

        // Queue groups.
        let queues = broker.queues.ledger_reports();
        let mut backlog = Vec::new();
        for (group, topic, partition, report) in &queues {
            let hw = broker
                .topics
                .partition(topic, *partition)
                .map_or(report.floor, |(_, p)| p.state().high_watermark);
            let labels: Labels = vec![
                ("group", group.clone()),
                ("topic", topic.clone()),
                ("partition", partition.to_string()),
            ];
            backlog.push((
                labels,
                (hw - report.floor - report.settled_above_floor as i64).max(0),
            ));
        }
        let q = |f: fn(&crate::queues::ledger::LedgerReport) -> u64| {
            queues.iter().map(move |(g, t, p, r)| {
                (
                    vec![
                        ("group", g.clone()),
                        ("topic", t.clone()),
                        ("partition", p.to_string()),
                    ],
                    f(r),
                )
            })
        };
        gauge(
            &mut e,
            "mq_queue_backlog_records",
            "Records of a queue group below the high watermark not yet acked or dead-lettered",
            None,
            backlog,
        )?;
        gauge(
            &mut e,
            "mq_queue_in_flight_records",
            "Records leased to receivers, not yet acked or nacked",
            None,
            q(|r| r.in_flight),
        )?;
        gauge(
            &mut e,
            "mq_queue_waiting_redelivery_records",
            "Records nacked or expired, waiting to be delivered again",
            None,
            q(|r| r.waiting),
        )?;
        counter(
            &mut e,
            "mq_queue_delivered",
            "Deliveries (first and repeated)",
            None,
            q(|r| r.counters.delivered),
        )?;
        counter(
            &mut e,
            "mq_queue_redelivered",
            "Deliveries of records delivered before",
            None,
            q(|r| r.counters.redelivered),
        )?;
        counter(
            &mut e,
            "mq_queue_acked",
            "Records acked",
            None,
            q(|r| r.counters.acked),
        )?;
        counter(
            &mut e,
            "mq_queue_nacked",
            "Records nacked",
            None,
            q(|r| r.counters.nacked),
        )?;
        counter(
            &mut e,
            "mq_queue_expired",
            "Leased records whose visibility timeout ran out",
            None,
            q(|r| r.counters.expired),
        )?;
        counter(
            &mut e,
            "mq_queue_dead_lettered",
            "Records copied to the dead-letter topic",
            None,
            q(|r| r.counters.dead_lettered),
        )?;
        Ok(())
    }
}

/// One metric family: a descriptor, then one sample per row (unlabelled
/// when the row has no labels).
fn family<V>(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    kind: MetricType,
    rows: impl IntoIterator<Item = (Labels, V)>,
    write: impl Fn(&mut MetricEncoder<'_>, &V) -> Result<(), fmt::Error>,
) -> Result<(), fmt::Error> {
    let mut m = e.encode_descriptor(name, help, unit, kind)?;
    for (labels, value) in rows {
        if labels.is_empty() {
            write(&mut m, &value)?;
        } else {
            write(&mut m.encode_family(&labels)?, &value)?;
        }
    }
    Ok(())
}

fn gauge<V: EncodeGaugeValue>(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    rows: impl IntoIterator<Item = (Labels, V)>,
) -> Result<(), fmt::Error> {
    family(e, name, help, unit, MetricType::Gauge, rows, |m, v| {
        m.encode_gauge(v)
    })
}

fn counter<V: EncodeCounterValue>(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    rows: impl IntoIterator<Item = (Labels, V)>,
) -> Result<(), fmt::Error> {
    family(e, name, help, unit, MetricType::Counter, rows, |m, v| {
        m.encode_counter::<NoLabelSet, _, u64>(v, None::<&Exemplar<NoLabelSet, u64>>)
    })
}

/// The controller as this node sees it, and the brokers by liveness.
fn encode_cluster(e: &mut DescriptorEncoder, broker: &Broker) -> Result<(), fmt::Error> {
    let raft = broker.cluster.status();
    let one = |v: u64| [(Vec::new(), v)];
    gauge(
        e,
        "mq_raft_term",
        "The controller's Raft term as this node knows it",
        None,
        one(raft.term),
    )?;
    gauge(
        e,
        "mq_raft_commit_index",
        "Index of the last committed controller log entry (0 before any)",
        None,
        one(raft.committed.unwrap_or(0)),
    )?;
    gauge(
        e,
        "mq_raft_applied_index",
        "Index of the last controller log entry this node applied",
        None,
        one(raft.applied.unwrap_or(0)),
    )?;
    gauge(
        e,
        "mq_raft_leader",
        "Node id of the controller (the Raft leader); 0 while there is none",
        None,
        one(u64::from(raft.leader.unwrap_or(0))),
    )?;
    gauge(
        e,
        "mq_raft_is_leader",
        "1 on the node that leads the controller's Raft group, else 0",
        None,
        one(u64::from(raft.leader == Some(raft.node_id))),
    )?;
    let led = broker.partitions_led();
    let (mut under, mut offline) = (0u64, 0u64);
    for t in broker.topics.list() {
        for (_, placed, local) in broker.placements(&t) {
            let mine = local.is_some_and(|p| p.role() == crate::replication::state::Role::Leader);
            under += u64::from(mine && placed.under_replicated());
            offline += u64::from(placed.offline);
        }
    }
    gauge(
        e,
        "mq_partitions_led",
        "Partitions this broker leads",
        None,
        one(u64::from(led)),
    )?;
    gauge(
        e,
        "mq_partitions_under_replicated",
        "Partitions this broker leads with fewer in-sync replicas than replicas",
        None,
        one(under),
    )?;
    // Offline partitions have no leader to report them: the controller
    // does, so summing over brokers counts each once.
    let controller = raft.leader == Some(raft.node_id);
    gauge(
        e,
        "mq_partitions_offline",
        "Partitions without a live leader, in the whole cluster (reported by the controller; 0 on other brokers)",
        None,
        one(if controller { offline } else { 0 }),
    )?;
    let brokers = broker.cluster.brokers();
    let alive = brokers.iter().filter(|b| b.alive).count() as u64;
    gauge(
        e,
        "mq_cluster_brokers",
        "Brokers and voters the controller knows, by liveness (down: fenced or never registered)",
        None,
        [
            (vec![("state", "alive".to_string())], alive),
            (
                vec![("state", "down".to_string())],
                brokers.len() as u64 - alive,
            ),
        ],
    )?;
    Ok(())
}
