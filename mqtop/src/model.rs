//! Rows for the tables, derived from the latest snapshot: what each view
//! shows, before sorting, filtering and formatting. Owned, so a table
//! spec can be a static list of columns.

use std::collections::BTreeMap;

use mq::proto::{Alert, GroupStats, LagStatus, PartitionStats, QueueStats, StatsSnapshot};

use crate::app::App;
use crate::history::Series;

/// Characters in a per-row sparkline.
pub const SPARK_WIDTH: usize = 10;
/// The span a per-row sparkline covers.
pub const SPARK_SPAN_SECS: f64 = 120.0;

/// Records waiting for each topic's slowest reader: the largest lag of a
/// consumer group on the topic, or a queue group's unacked records (a queue
/// group reading several topics counts its backlog on each). Topics no
/// group reads are absent.
pub fn topic_backlogs(s: &StatsSnapshot) -> BTreeMap<&str, i64> {
    let mut per_group: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for g in &s.groups {
        for p in &g.partitions {
            *per_group
                .entry((p.topic.as_str(), g.group.as_str()))
                .or_default() += p.lag.max(0);
        }
    }
    for q in &s.queues {
        for t in &q.topics {
            *per_group.entry((t.as_str(), q.group.as_str())).or_default() += q.backlog.max(0);
        }
    }
    let mut out: BTreeMap<&str, i64> = BTreeMap::new();
    for ((topic, _), lag) in per_group {
        let e = out.entry(topic).or_default();
        *e = (*e).max(lag);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    Ok,
    UnderReplicated,
    Offline,
}

impl Health {
    pub fn of(p: &PartitionStats) -> Health {
        if p.offline || p.leader == 0 {
            Health::Offline
        } else if p.isr.len() < p.replicas.len() {
            Health::UnderReplicated
        } else {
            Health::Ok
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::UnderReplicated => "under-replicated",
            Health::Offline => "OFFLINE",
        }
    }
}

/// Counts of partitions by health.
pub fn health_counts(s: &StatsSnapshot) -> (usize, usize) {
    s.partitions
        .iter()
        .fold((0, 0), |(under, offline), p| match Health::of(p) {
            Health::UnderReplicated => (under + 1, offline),
            Health::Offline => (under, offline + 1),
            Health::Ok => (under, offline),
        })
}

fn spark(app: &App, series: Option<&Series>) -> Vec<f64> {
    let per_bucket = (SPARK_SPAN_SECS / app.interval.as_secs_f64().max(0.2) / SPARK_WIDTH as f64)
        .round()
        .max(1.0) as usize;
    series.map_or_else(Vec::new, |s| s.buckets(SPARK_WIDTH, per_bucket))
}

#[derive(Debug, Clone)]
pub struct TopicRow {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u32,
    pub records_in: f64,
    pub records_out: f64,
    pub bytes_in: f64,
    pub size: u64,
    pub backlog: Option<i64>,
    pub retention_ms: i64,
    pub retention_bytes: i64,
    pub internal: bool,
    pub under_replicated: usize,
    pub offline: usize,
    pub spark: Vec<f64>,
}

pub fn topics(app: &App) -> Vec<TopicRow> {
    let Some(d) = &app.data else {
        return Vec::new();
    };
    let s = &d.snapshot;
    let backlogs = topic_backlogs(s);
    let mut rows: BTreeMap<&str, TopicRow> = s
        .topics
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                TopicRow {
                    name: t.name.clone(),
                    partitions: t.partitions,
                    replication_factor: t.replication_factor,
                    records_in: 0.0,
                    records_out: 0.0,
                    bytes_in: 0.0,
                    size: 0,
                    backlog: backlogs.get(t.name.as_str()).copied(),
                    retention_ms: t.retention_ms,
                    retention_bytes: t.retention_bytes,
                    internal: t.internal,
                    under_replicated: 0,
                    offline: 0,
                    spark: spark(app, app.history.topic_in.get(&t.name)),
                },
            )
        })
        .collect();
    for p in &s.partitions {
        let Some(row) = rows.get_mut(p.topic.as_str()) else {
            continue;
        };
        if let Some(r) = &p.rates {
            row.records_in += r.records_in_per_sec;
            row.records_out += r.records_out_per_sec;
            row.bytes_in += r.bytes_in_per_sec;
        }
        row.size += p.size_bytes;
        match Health::of(p) {
            Health::UnderReplicated => row.under_replicated += 1,
            Health::Offline => row.offline += 1,
            Health::Ok => {}
        }
    }
    rows.into_values().collect()
}

#[derive(Debug, Clone)]
pub struct GroupRow {
    pub name: String,
    pub kind: &'static str,
    /// Membership: stable, rebal(ancing), empty, dead; a queue group is
    /// active while a receiver is live, idle otherwise.
    pub state: &'static str,
    pub members: u32,
    pub status: LagStatus,
    pub reason: String,
    pub lag: i64,
    pub lag_secs: f64,
    /// Seconds to catch up: Some(0) when caught up, None when not draining.
    pub drain_secs: Option<f64>,
    pub in_flight: Option<u64>,
    pub dead_lettered: Option<u64>,
    pub topics: String,
    pub spark: Vec<f64>,
}

fn consumer_row(app: &App, g: &GroupStats) -> GroupRow {
    let mut topics: Vec<&str> = g.partitions.iter().map(|p| p.topic.as_str()).collect();
    topics.dedup();
    let lagging: Vec<_> = g.partitions.iter().filter(|p| p.lag > 0).collect();
    let drain_secs = if lagging.is_empty() {
        Some(0.0)
    } else if lagging.iter().any(|p| p.time_to_drain_seconds < 0.0) {
        None
    } else {
        Some(
            lagging
                .iter()
                .map(|p| p.time_to_drain_seconds)
                .fold(0.0, f64::max),
        )
    };
    GroupRow {
        name: g.group.clone(),
        kind: "consumer",
        state: match mq::human::group_state(g.state) {
            "rebalancing" => "rebal",
            s => s,
        },
        members: g.members,
        status: LagStatus::try_from(g.status).unwrap_or(LagStatus::Unspecified),
        reason: g.reason.clone(),
        lag: g.total_lag,
        lag_secs: g.max_lag_seconds,
        drain_secs,
        in_flight: None,
        dead_lettered: None,
        topics: topics.join(","),
        spark: spark(app, app.history.group_lag.get(&g.group)),
    }
}

/// A queue group has no lag evaluation of its own; mqtop calls it STOPPED
/// when records wait and no receiver is live (the definition of STOPPED),
/// OK otherwise.
fn queue_row(app: &App, q: &QueueStats) -> GroupRow {
    let stopped = q.backlog > 0 && q.live_receivers == 0;
    GroupRow {
        name: q.group.clone(),
        kind: "queue",
        state: if q.live_receivers > 0 {
            "active"
        } else {
            "idle"
        },
        members: q.live_receivers,
        status: if stopped {
            LagStatus::Stopped
        } else {
            LagStatus::Ok
        },
        reason: if stopped {
            "records wait and no receiver is live".into()
        } else {
            "receivers are live".into()
        },
        lag: q.backlog,
        lag_secs: q.oldest_unacked_seconds,
        drain_secs: if q.backlog == 0 { Some(0.0) } else { None },
        in_flight: Some(q.in_flight),
        dead_lettered: Some(q.dead_lettered),
        topics: q.topics.join(","),
        spark: spark(app, app.history.group_lag.get(&q.group)),
    }
}

pub fn groups(app: &App) -> Vec<GroupRow> {
    let Some(d) = &app.data else {
        return Vec::new();
    };
    d.snapshot
        .groups
        .iter()
        .map(|g| consumer_row(app, g))
        .chain(d.snapshot.queues.iter().map(|q| queue_row(app, q)))
        .collect()
}

#[derive(Debug, Clone)]
pub struct PartitionRow {
    pub topic: String,
    pub partition: u32,
    pub leader: u32,
    pub replicas: Vec<u32>,
    pub isr: Vec<u32>,
    pub epoch: u32,
    pub log_start: i64,
    pub high_watermark: i64,
    pub size: u64,
    pub records_in: f64,
    pub health: Health,
}

pub fn partitions(app: &App, topic: Option<&str>) -> Vec<PartitionRow> {
    let Some(d) = &app.data else {
        return Vec::new();
    };
    d.snapshot
        .partitions
        .iter()
        .filter(|p| topic.is_none_or(|t| p.topic == t))
        .map(|p| PartitionRow {
            topic: p.topic.clone(),
            partition: p.partition,
            leader: p.leader,
            replicas: p.replicas.clone(),
            isr: p.isr.clone(),
            epoch: p.leader_epoch,
            log_start: p.log_start_offset,
            high_watermark: p.high_watermark,
            size: p.size_bytes,
            records_in: p.rates.as_ref().map_or(0.0, |r| r.records_in_per_sec),
            health: Health::of(p),
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct BrokerRow {
    pub id: u32,
    pub address: String,
    pub alive: bool,
    pub last_heartbeat_ms: i64,
    pub partitions_led: u32,
    pub version: String,
    pub controller: bool,
    /// Why it is down, in the controller's words.
    pub down_reason: String,
}

pub fn brokers(app: &App) -> Vec<BrokerRow> {
    let Some(c) = app.data.as_ref().and_then(|d| d.snapshot.cluster.as_ref()) else {
        return Vec::new();
    };
    c.brokers
        .iter()
        .map(|b| BrokerRow {
            id: b.node_id,
            address: b.address.clone(),
            alive: b.alive,
            last_heartbeat_ms: b.last_heartbeat_ms,
            partitions_led: b.partitions_led,
            version: b.version.clone(),
            controller: b.node_id == c.controller_id,
            down_reason: b.down_reason.clone(),
        })
        .collect()
}

pub fn alerts(app: &App) -> Vec<Alert> {
    app.data
        .as_ref()
        .map(|d| d.alerts.clone())
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
pub struct GroupPartitionRow {
    pub topic: String,
    pub partition: u32,
    pub committed: i64,
    pub high_watermark: i64,
    pub lag: i64,
    pub lag_secs: f64,
    pub trend: i32,
    pub status: LagStatus,
    pub drain_secs: f64,
    pub reason: String,
}

pub fn group_partitions(app: &App, group: &str) -> Vec<GroupPartitionRow> {
    let Some(g) = app
        .data
        .as_ref()
        .and_then(|d| d.snapshot.groups.iter().find(|g| g.group == group))
    else {
        return Vec::new();
    };
    g.partitions
        .iter()
        .map(|p| GroupPartitionRow {
            topic: p.topic.clone(),
            partition: p.partition,
            committed: p.committed_offset,
            high_watermark: p.high_watermark,
            lag: p.lag,
            lag_secs: p.lag_seconds,
            trend: p.trend,
            status: LagStatus::try_from(p.status).unwrap_or(LagStatus::Unspecified),
            drain_secs: p.time_to_drain_seconds,
            reason: p.reason.clone(),
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct QueuePartitionRow {
    pub topic: String,
    pub partition: u32,
    pub backlog: i64,
    pub in_flight: u64,
    pub waiting: u64,
    pub dead_lettered: u64,
    pub oldest_secs: f64,
}

/// A queue group's partitions (empty for a consumer group).
pub fn queue_partitions(app: &App, group: &str) -> Vec<QueuePartitionRow> {
    let Some(q) = app
        .data
        .as_ref()
        .and_then(|d| d.snapshot.queues.iter().find(|q| q.group == group))
    else {
        return Vec::new();
    };
    q.partitions
        .iter()
        .map(|p| QueuePartitionRow {
            topic: p.topic.clone(),
            partition: p.partition,
            backlog: p.backlog,
            in_flight: p.in_flight,
            waiting: p.waiting_redelivery,
            dead_lettered: p.dead_lettered,
            oldest_secs: p.oldest_unacked_seconds,
        })
        .collect()
}

pub fn is_queue_group(app: &App, group: &str) -> bool {
    app.data
        .as_ref()
        .is_some_and(|d| d.snapshot.queues.iter().any(|q| q.group == group))
}

/// The groups reading a topic, for the topic drill-down.
pub fn readers(app: &App, topic: &str) -> Vec<GroupRow> {
    let Some(d) = &app.data else {
        return Vec::new();
    };
    d.snapshot
        .groups
        .iter()
        .filter(|g| g.partitions.iter().any(|p| p.topic == topic))
        .map(|g| consumer_row(app, g))
        .chain(
            d.snapshot
                .queues
                .iter()
                .filter(|q| q.topics.iter().any(|t| t == topic))
                .map(|q| queue_row(app, q)),
        )
        .collect()
}

/// Rows about one partition get the shared TOPIC and P columns.
macro_rules! placed {
    ($($row:ty),*) => {$(
        impl crate::views::table::Placed for $row {
            fn topic(&self) -> &str {
                &self.topic
            }

            fn partition(&self) -> u32 {
                self.partition
            }
        }
    )*};
}

placed!(PartitionRow, GroupPartitionRow, QueuePartitionRow);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Feed;
    use crate::fixture;
    use crate::ui_state::Settings;

    fn app_with(s: StatsSnapshot) -> App {
        let mut a = App::new(
            "t".into(),
            std::time::Duration::from_secs(1),
            Settings::default(),
            fixture::NOW_MS,
        );
        a.apply(Feed::Snapshot(Box::new(s)));
        a
    }

    #[test]
    fn backlog_is_the_slowest_readers_lag() {
        let s = fixture::snapshot(2, 2, 4, 0);
        let b = topic_backlogs(&s);
        // orders: billing (group 0) and analytics (group 2) read it, and
        // the queue group; the largest wins.
        let lag = |g: &str| {
            s.groups
                .iter()
                .find(|x| x.group == g)
                .map(|x| x.total_lag)
                .unwrap_or(0)
        };
        let expected = lag("billing").max(lag("analytics")).max(420);
        assert_eq!(b.get("orders"), Some(&expected));
        assert_eq!(b.get("__mq_canary"), None, "nobody reads it");
    }

    #[test]
    fn topic_rows_sum_their_partitions() {
        let a = app_with(fixture::snapshot(2, 3, 2, 0));
        let rows = topics(&a);
        assert_eq!(rows.len(), 3);
        let payments = rows.iter().find(|r| r.name == "payments").expect("row");
        let parts: Vec<_> = a
            .data
            .as_ref()
            .map(|d| d.snapshot.partitions.clone())
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.topic == "payments")
            .collect();
        assert_eq!(
            payments.size,
            parts.iter().map(|p| p.size_bytes).sum::<u64>()
        );
        assert_eq!(payments.offline, 1, "the fixture's offline partition");
        assert_eq!(payments.under_replicated, 2);
    }

    #[test]
    fn group_rows_cover_consumer_and_queue_groups() {
        let a = app_with(fixture::snapshot(2, 2, 5, 0));
        let rows = groups(&a);
        assert_eq!(rows.len(), 6);
        let fraud = rows.iter().find(|r| r.name == "fraud").expect("fraud");
        assert_eq!(fraud.status, LagStatus::Stopped);
        assert_eq!(fraud.drain_secs, None, "growing lag never drains");
        let workers = rows.iter().find(|r| r.name == "workers").expect("queue");
        assert_eq!((workers.kind, workers.in_flight), ("queue", Some(37)));
        let billing = rows.iter().find(|r| r.name == "billing").expect("billing");
        assert!(billing.drain_secs.is_some_and(|s| s >= 0.0));
    }

    #[test]
    fn partitions_are_classified_by_replica_health() {
        let a = app_with(fixture::snapshot(2, 2, 0, 0));
        let rows = partitions(&a, Some("payments"));
        let health: Vec<Health> = rows.iter().map(|r| r.health).collect();
        assert_eq!(health, vec![Health::UnderReplicated, Health::Offline]);
        let (under, offline) = health_counts(&a.data.as_ref().expect("data").snapshot);
        assert_eq!((under, offline), (4, 1));
    }
}
