//! Stats: one snapshot of the broker's figures with rates computed here,
//! over a sliding window of samples, so mqctl, mqtop and every other client
//! show the same numbers; and consumer lag in records, in time, with its
//! trend, time to drain and a Burrow-style status (see `lag`).

pub mod lag;
pub mod sampler;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use self::lag::{Evaluation, LagStatus, Point};
use self::sampler::Sample;
use crate::broker::Broker;

/// The span rates are computed over (shorter right after start).
pub const RATE_WINDOW: Duration = Duration::from_secs(10);
/// Samples a lag evaluation looks at (one per second).
pub const LAG_WINDOW_SAMPLES: usize = 10;

#[derive(Debug, Clone, Default)]
pub struct Rates {
    /// Counts over the window.
    pub records_in: u64,
    pub bytes_in: u64,
    pub records_out: u64,
    pub bytes_out: u64,
    pub records_in_per_sec: f64,
    pub bytes_in_per_sec: f64,
    pub records_out_per_sec: f64,
    pub bytes_out_per_sec: f64,
}

impl Rates {
    fn add(&mut self, other: &Rates) {
        self.records_in += other.records_in;
        self.bytes_in += other.bytes_in;
        self.records_out += other.records_out;
        self.bytes_out += other.bytes_out;
        self.records_in_per_sec += other.records_in_per_sec;
        self.bytes_in_per_sec += other.bytes_in_per_sec;
        self.records_out_per_sec += other.records_out_per_sec;
        self.bytes_out_per_sec += other.bytes_out_per_sec;
    }
}

#[derive(Debug, Clone)]
pub struct PartitionFigures {
    pub topic: String,
    pub partition: u32,
    pub log_start: i64,
    pub log_end: i64,
    pub high_watermark: i64,
    pub size_bytes: u64,
    pub segments: u32,
    pub placement: crate::cluster::Placement,
    pub rates: Rates,
}

#[derive(Debug, Clone)]
pub struct GroupPartitionFigures {
    pub topic: String,
    pub partition: u32,
    pub committed: Option<i64>,
    pub high_watermark: i64,
    pub lag: i64,
    /// Age of the oldest record the group has not consumed; 0 when caught up.
    pub lag_secs: f64,
    pub evaluation: Evaluation,
}

#[derive(Debug, Clone)]
pub struct GroupFigures {
    pub group: String,
    pub state: crate::groups::admin::GroupState,
    pub members: usize,
    pub total_lag: i64,
    pub max_lag_secs: f64,
    /// The worst partition's status and reason.
    pub status: LagStatus,
    pub reason: String,
    pub partitions: Vec<GroupPartitionFigures>,
}

#[derive(Debug, Clone, Default)]
pub struct BrokerFigures {
    pub topics: usize,
    pub partitions: usize,
    pub connections: i64,
    pub data_bytes: u64,
    pub disk_free_bytes: u64,
    pub disk_total_bytes: u64,
    pub rates: Rates,
}

/// A queue group's figures, summed over its partitions.
#[derive(Debug, Clone)]
pub struct QueueFigures {
    pub group: String,
    pub topics: Vec<String>,
    pub live_receivers: usize,
    pub backlog: i64,
    pub in_flight: u64,
    pub dead_lettered: u64,
    pub oldest_unacked_secs: f64,
    pub partitions: Vec<QueuePartitionFigures>,
}

#[derive(Debug, Clone)]
pub struct QueuePartitionFigures {
    pub topic: String,
    pub partition: u32,
    pub backlog: i64,
    pub in_flight: u64,
    pub waiting: u64,
    pub dead_lettered: u64,
    pub oldest_unacked_secs: f64,
}

#[derive(Debug, Clone)]
pub struct StatsReport {
    pub timestamp_ms: i64,
    pub window: Duration,
    pub broker: BrokerFigures,
    pub partitions: Vec<PartitionFigures>,
    pub groups: Vec<GroupFigures>,
    pub queues: Vec<QueueFigures>,
}

/// The broker's figures now. `groups` narrows the groups reported (empty:
/// every consumer and queue group).
pub async fn snapshot(broker: &Broker, groups: &[String]) -> StatsReport {
    let window = broker.stats.window(RATE_WINDOW);
    let (span, start, latest) = match &window {
        Some((s, l)) => (l.at.duration_since(s.at), Some(s.clone()), Some(l.clone())),
        None => (Duration::ZERO, None, None),
    };
    let secs = span.as_secs_f64();
    let per_sec = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };

    let mut figures = BrokerFigures::default();
    let topics = broker.topics.list();
    figures.topics = topics.len();
    let mut partitions = Vec::new();
    for t in &topics {
        for p in t.partitions() {
            let s = p.state();
            let key = (p.topic().to_string(), p.id());
            let mut rates = Rates::default();
            // A partition created within the window started from zero.
            let a = start
                .as_ref()
                .and_then(|x| x.partitions.get(&key))
                .copied()
                .unwrap_or_default();
            if let Some(b) = latest.as_ref().and_then(|x| x.partitions.get(&key)) {
                rates.records_in = b.records_in.saturating_sub(a.records_in);
                rates.bytes_in = b.bytes_in.saturating_sub(a.bytes_in);
                rates.records_out = b.records_out.saturating_sub(a.records_out);
                rates.bytes_out = b.bytes_out.saturating_sub(a.bytes_out);
                rates.records_in_per_sec = per_sec(rates.records_in);
                rates.bytes_in_per_sec = per_sec(rates.bytes_in);
                rates.records_out_per_sec = per_sec(rates.records_out);
                rates.bytes_out_per_sec = per_sec(rates.bytes_out);
            }
            figures.rates.add(&rates);
            figures.data_bytes += s.size_bytes;
            partitions.push(PartitionFigures {
                topic: key.0,
                partition: key.1,
                log_start: s.log_start,
                log_end: s.log_end,
                high_watermark: s.high_watermark,
                size_bytes: s.size_bytes,
                segments: s.segments,
                placement: broker.placement(&p),
                rates,
            });
        }
    }
    figures.partitions = partitions.len();
    figures.connections = broker.instruments.connections.get();
    if let Ok(vfs) = rustix::fs::statvfs(&broker.data_dir) {
        figures.disk_free_bytes = vfs.f_bavail.saturating_mul(vfs.f_frsize);
        figures.disk_total_bytes = vfs.f_blocks.saturating_mul(vfs.f_frsize);
    }

    let history = broker.stats.recent(LAG_WINDOW_SAMPLES);
    let wanted: BTreeSet<&String> = groups.iter().collect();
    let mut group_figures = Vec::new();
    if let Ok(listed) = broker.groups.list() {
        for g in listed {
            if !wanted.is_empty() && !wanted.contains(&g.name) {
                continue;
            }
            let Ok(report) = broker.groups.describe(&broker.topics, &g.name) else {
                continue;
            };
            let mut rows = Vec::new();
            for p in report.partitions {
                let committed = p.committed.as_ref().map(|c| c.offset);
                // The samples, then the position now.
                let mut series = points(&history, &g.name, &(p.topic.clone(), p.partition));
                series.push(Point {
                    secs: history
                        .first()
                        .map_or(0.0, |s| s.at.elapsed().as_secs_f64()),
                    committed,
                    high_watermark: p.high_watermark,
                    lag: p.lag,
                });
                let evaluation = lag::evaluate(&series, g.members);
                let lag_secs = if p.lag > 0 {
                    oldest_unconsumed_age(
                        broker,
                        &p.topic,
                        p.partition,
                        committed.unwrap_or(p.log_start),
                    )
                } else {
                    0.0
                };
                rows.push(GroupPartitionFigures {
                    topic: p.topic,
                    partition: p.partition,
                    committed,
                    high_watermark: p.high_watermark,
                    lag: p.lag,
                    lag_secs,
                    evaluation,
                });
            }
            let worst = rows.iter().max_by(|a, b| {
                a.evaluation
                    .status
                    .cmp(&b.evaluation.status)
                    .then(a.lag.cmp(&b.lag))
            });
            let (status, reason) = match worst {
                Some(w) if w.evaluation.status != LagStatus::Ok => (
                    w.evaluation.status,
                    format!("{}/{}: {}", w.topic, w.partition, w.evaluation.reason),
                ),
                _ => (LagStatus::Ok, "every partition is keeping up".to_string()),
            };
            group_figures.push(GroupFigures {
                state: g.state,
                group: g.name,
                members: g.members,
                total_lag: rows.iter().map(|r| r.lag).sum(),
                max_lag_secs: rows.iter().map(|r| r.lag_secs).fold(0.0, f64::max),
                status,
                reason,
                partitions: rows,
            });
        }
    }
    let queues = queue_figures(broker, &wanted).await;
    StatsReport {
        timestamp_ms: mq::record::now_ms(),
        window: span,
        broker: figures,
        partitions,
        groups: group_figures,
        queues,
    }
}

async fn queue_figures(broker: &Broker, wanted: &BTreeSet<&String>) -> Vec<QueueFigures> {
    let mut out = Vec::new();
    for q in broker.queues.list() {
        if !wanted.is_empty() && !wanted.contains(&q.name) {
            continue;
        }
        // A group deleted since the listing is simply left out.
        let Ok(report) = broker.queues.describe(&broker.topics, &q.name).await else {
            continue;
        };
        out.push(QueueFigures {
            group: q.name,
            topics: q.topics,
            live_receivers: report.live_receivers,
            backlog: report.total_backlog(),
            in_flight: report.partitions.iter().map(|p| p.ledger.in_flight).sum(),
            dead_lettered: report
                .partitions
                .iter()
                .map(|p| p.ledger.counters.dead_lettered)
                .sum(),
            oldest_unacked_secs: report
                .partitions
                .iter()
                .map(|p| p.oldest_unacked_age_ms)
                .max()
                .unwrap_or(0) as f64
                / 1000.0,
            partitions: report
                .partitions
                .iter()
                .map(|p| QueuePartitionFigures {
                    topic: p.topic.clone(),
                    partition: p.partition,
                    backlog: p.backlog,
                    in_flight: p.ledger.in_flight,
                    waiting: p.ledger.waiting,
                    dead_lettered: p.ledger.counters.dead_lettered,
                    oldest_unacked_secs: p.oldest_unacked_age_ms as f64 / 1000.0,
                })
                .collect(),
        });
    }
    out
}

/// The group's positions in one partition over the recent samples.
fn points(history: &[Arc<Sample>], group: &str, tp: &(String, u32)) -> Vec<Point> {
    let Some(origin) = history.first().map(|s| s.at) else {
        return Vec::new();
    };
    history
        .iter()
        .filter_map(|s| {
            let g = s.groups.get(group)?;
            let pos = g.partitions.get(tp)?;
            Some(Point {
                secs: s.at.duration_since(origin).as_secs_f64(),
                committed: pos.committed,
                high_watermark: pos.high_watermark,
                lag: pos.lag,
            })
        })
        .collect()
}

/// Seconds since the oldest record the group has not consumed was written.
fn oldest_unconsumed_age(broker: &Broker, topic: &str, partition: u32, offset: i64) -> f64 {
    let Ok((_, p)) = broker.topics.partition(topic, partition) else {
        return 0.0;
    };
    let offset = offset.max(p.state().log_start);
    p.age_at(offset).map_or(0.0, |d| d.as_secs_f64())
}
