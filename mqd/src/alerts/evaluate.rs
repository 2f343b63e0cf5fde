//! The value of each rule's metric per subject, from the same figures
//! Stats reports (one snapshot per round).

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::rules::{Metric, Rule};
use super::Observation;
use crate::broker::Broker;
use crate::replication::state::Role;
use crate::stats::{self, lag::LagStatus};

/// How far back `queue_dead_lettered` counts.
const DEAD_LETTER_WINDOW_MS: i64 = 10 * 60 * 1000;

/// What evaluation remembers between rounds.
#[derive(Debug, Default)]
pub struct Memory {
    /// Per queue subject: (time, dead-lettered total) over the window.
    dead_letters: HashMap<String, VecDeque<(i64, u64)>>,
    /// Produce latency bucket counts at the previous round.
    produce_buckets: Vec<u64>,
    /// (time, canary failures + lost) over the window.
    canary: VecDeque<(i64, u64)>,
}

pub async fn observe(broker: &Broker, rules: &[Rule]) -> Vec<(Rule, Observation)> {
    let report = stats::snapshot(broker, &[]).await;
    let now_ms = mq::record::now_ms();
    let mut out = Vec::new();
    let mut push = |rule: &Rule, subject: String, value: f64, message: String| {
        out.push((
            rule.clone(),
            Observation {
                subject,
                value,
                message,
            },
        ));
    };
    // Values that need memory are computed once per round.
    let p99_ms = {
        let mut memory = broker.alerting.memory.lock();
        broker
            .instruments
            .produce_p99_ms_since(&mut memory.produce_buckets)
    };
    let dead_letters = dead_letter_increases(broker, now_ms);
    let canary_failures = canary_failures(broker, now_ms);
    for rule in rules {
        match rule.metric {
            Metric::GroupLagRecords => {
                for g in &report.groups {
                    push(
                        rule,
                        format!("group {}", g.group),
                        g.total_lag as f64,
                        format!("group {} lags {} record(s)", g.group, g.total_lag),
                    );
                }
            }
            Metric::GroupLagSeconds => {
                for g in &report.groups {
                    push(
                        rule,
                        format!("group {}", g.group),
                        g.max_lag_secs,
                        format!(
                            "group {}'s oldest unread record is {:.0}s old",
                            g.group, g.max_lag_secs
                        ),
                    );
                }
            }
            Metric::GroupStalled | Metric::GroupStopped => {
                let wanted = if rule.metric == Metric::GroupStalled {
                    LagStatus::Stalled
                } else {
                    LagStatus::Stopped
                };
                for g in &report.groups {
                    let value = if g.status == wanted { 1.0 } else { 0.0 };
                    push(
                        rule,
                        format!("group {}", g.group),
                        value,
                        format!("group {}: {}", g.group, g.reason),
                    );
                }
            }
            Metric::RetentionBreachRecords => {
                for g in &report.groups {
                    for p in &g.partitions {
                        let Some(committed) = p.committed else {
                            continue;
                        };
                        let log_start = broker
                            .topics
                            .partition(&p.topic, p.partition)
                            .map_or(committed, |(_, part)| part.state().log_start);
                        let lost = (log_start - committed).max(0);
                        push(rule, format!("group {} partition {}/{}", g.group, p.topic, p.partition), lost as f64,
                            format!("group {} committed {} on {}/{}, but retention deleted everything below {}: {} record(s) it will never read",
                                g.group, committed, p.topic, p.partition, log_start, lost));
                    }
                }
            }
            Metric::PartitionSkewRatio => {
                let mut by_topic: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
                for p in &report.partitions {
                    by_topic
                        .entry(p.topic.as_str())
                        .or_default()
                        .push(p.rates.records_in_per_sec);
                }
                for (topic, mut rates) in by_topic {
                    if rates.len() < 3 {
                        continue;
                    }
                    rates.sort_by(|a, b| a.total_cmp(b));
                    let max = rates[rates.len() - 1];
                    if max < 10.0 {
                        continue; // too little traffic to call it skew
                    }
                    let median = rates[rates.len() / 2].max(1.0);
                    let ratio = max / median;
                    push(rule, format!("topic {topic}"), ratio,
                        format!("topic {topic}: the busiest partition takes {max:.0} rec/s, {ratio:.1}x the median"));
                }
            }
            Metric::DiskUsedPercent => {
                let b = &report.broker;
                if b.disk_total_bytes > 0 {
                    let used = b.disk_total_bytes.saturating_sub(b.disk_free_bytes) as f64;
                    let percent = used * 100.0 / b.disk_total_bytes as f64;
                    push(
                        rule,
                        format!("broker {}", broker.identity.node_id),
                        percent,
                        format!("the data directory's disk is {percent:.1}% used"),
                    );
                }
            }
            Metric::ProduceP99Ms => {
                if let Some(ms) = p99_ms {
                    push(
                        rule,
                        format!("broker {}", broker.identity.node_id),
                        ms,
                        format!("produce p99 latency is {ms:.1} ms"),
                    );
                }
            }
            Metric::CanaryFailures => {
                push(rule, format!("broker {}", broker.identity.node_id), canary_failures as f64,
                    format!("the canary failed or lost {canary_failures} record(s) in the last 10 minutes"));
            }
            Metric::BrokerDown => {
                // Fenced or never registered, as the controller says; the
                // session timeout already waited, so no for-duration is
                // needed by default.
                for b in broker.brokers().into_iter().filter(|b| !b.starting) {
                    let why = b.down_reason.as_deref().unwrap_or("alive");
                    push(
                        rule,
                        format!("broker {}", b.node_id),
                        if b.alive { 0.0 } else { 1.0 },
                        format!("broker {} ({}) is down: {why}", b.node_id, b.address),
                    );
                }
            }
            Metric::PartitionUnderReplicated => {
                // Raised by each partition's leader, so once per partition.
                for t in broker.topics.list() {
                    for (id, placed, local) in broker.placements(&t) {
                        let leads = local.is_some_and(|p| p.role() == Role::Leader);
                        if !leads || placed.replicas.len() < 2 {
                            continue;
                        }
                        let name = t.record().name;
                        let missing: Vec<u32> = placed
                            .replicas
                            .iter()
                            .copied()
                            .filter(|r| !placed.isr.contains(r))
                            .collect();
                        push(
                            rule,
                            format!("partition {name}/{id}"),
                            missing.len() as f64,
                            format!(
                                "{name}/{id}: replica(s) {missing:?} out of sync (ISR {:?} of {:?})",
                                placed.isr, placed.replicas
                            ),
                        );
                    }
                }
            }
            Metric::PartitionOffline => {
                // Nobody leads an offline partition: the controller raises it.
                let raft = broker.cluster.status();
                if raft.leader != Some(raft.node_id) || !broker.topics.clustered() {
                    continue;
                }
                for t in broker.topics.list() {
                    for (id, placed, _) in broker.placements(&t) {
                        let name = t.record().name;
                        push(
                            rule,
                            format!("partition {name}/{id}"),
                            if placed.offline { 1.0 } else { 0.0 },
                            format!(
                                "{name}/{id} has no live leader: its in-sync replicas {:?} are down",
                                placed.isr
                            ),
                        );
                    }
                }
            }
            Metric::QueueDeadLettered => {
                for (subject, increase) in &dead_letters {
                    push(
                        rule,
                        subject.clone(),
                        *increase as f64,
                        format!(
                            "{subject}: {increase} record(s) dead-lettered in the last 10 minutes"
                        ),
                    );
                }
            }
        }
    }
    out
}

/// Canary failures and lost records over the last 10 minutes.
fn canary_failures(broker: &Broker, now_ms: i64) -> u64 {
    use std::sync::atomic::Ordering::Relaxed;
    let total = broker.canary.failures.load(Relaxed) + broker.canary.lost.load(Relaxed);
    let mut memory = broker.alerting.memory.lock();
    memory.canary.push_back((now_ms, total));
    while memory
        .canary
        .front()
        .is_some_and(|(at, _)| now_ms - at > DEAD_LETTER_WINDOW_MS)
    {
        memory.canary.pop_front();
    }
    total.saturating_sub(memory.canary.front().map_or(total, |(_, n)| *n))
}

/// Dead letters per queue subject over the last 10 minutes.
fn dead_letter_increases(broker: &Broker, now_ms: i64) -> Vec<(String, u64)> {
    let reports = broker.queues.ledger_reports();
    let mut memory = broker.alerting.memory.lock();
    let mut out = Vec::new();
    for (group, topic, partition, report) in reports {
        let subject = format!("queue {group} partition {topic}/{partition}");
        let history = memory.dead_letters.entry(subject.clone()).or_default();
        history.push_back((now_ms, report.counters.dead_lettered));
        while history
            .front()
            .is_some_and(|(at, _)| now_ms - at > DEAD_LETTER_WINDOW_MS)
        {
            history.pop_front();
        }
        let oldest = history.front().map_or(0, |(_, n)| *n);
        out.push((
            subject,
            report.counters.dead_lettered.saturating_sub(oldest),
        ));
    }
    out
}
