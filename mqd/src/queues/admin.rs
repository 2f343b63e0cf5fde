//! Operator views and actions on queue groups: describe with backlog,
//! delivery counts and the oldest unacked age; delete.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use super::ledger::{Ledger, LedgerReport};
use super::{Queues, RECEIVER_IDLE};
use crate::error::{BrokerError, Result};
use crate::groups::validate_group_name;
use crate::topics::Topics;

pub struct ReceiverSummary {
    pub receiver_id: String,
    pub in_flight: u64,
    pub last_seen_age_ms: u64,
}

pub struct QueuePartitionReport {
    pub topic: String,
    pub partition: u32,
    /// -1 when the topic is gone.
    pub log_start: i64,
    pub high_watermark: i64,
    pub backlog: i64,
    pub oldest_unacked_age_ms: u64,
    pub ledger: LedgerReport,
}

pub struct QueueReport {
    pub name: String,
    pub receivers: Vec<ReceiverSummary>,
    pub live_receivers: usize,
    pub partitions: Vec<QueuePartitionReport>,
}

impl QueueReport {
    pub fn total_backlog(&self) -> i64 {
        self.partitions.iter().map(|p| p.backlog).sum()
    }
}

/// One queue group in ListGroups.
pub struct QueueListing {
    pub name: String,
    pub live_receivers: usize,
    pub topics: Vec<String>,
}

impl Queues {
    /// Every (group, topic, partition) ledger's figures, for metrics.
    pub fn ledger_reports(&self) -> Vec<(String, String, u32, LedgerReport)> {
        let groups = self.all_groups();
        let now = Instant::now();
        let mut out = Vec::new();
        for (name, group) in groups {
            let parts = group.all_partitions();
            for qp in parts {
                let report = qp.ledger.lock().report(now);
                out.push((name.clone(), qp.topic.clone(), qp.partition, report));
            }
        }
        out
    }

    /// Every queue group this node serves, and in a cluster every group
    /// with a stored ledger (live receivers are those of this node).
    pub fn list(&self) -> Vec<QueueListing> {
        let mut listed: BTreeMap<String, (usize, BTreeSet<String>)> = BTreeMap::new();
        for (name, g) in self.all_groups() {
            let entry = listed.entry(name).or_default();
            entry.0 = g.live_receivers();
            entry
                .1
                .extend(g.partitions.lock().keys().map(|(t, _)| t.clone()));
        }
        if let Some(cluster) = &self.cluster {
            for (name, ledgers) in cluster.stored_groups() {
                let entry = listed.entry(name).or_default();
                entry.1.extend(ledgers.into_iter().map(|(t, _, _)| t));
            }
        }
        listed
            .into_iter()
            .map(|(name, (live_receivers, topics))| QueueListing {
                name,
                live_receivers,
                topics: topics.into_iter().collect(),
            })
            .collect()
    }

    /// A queue group's figures. In a cluster, partitions this node leads
    /// show their live leases; the others show what their leader last
    /// stored (their leases are not stored: they count as waiting).
    pub async fn describe(&self, topics: &Topics, name: &str) -> Result<QueueReport> {
        validate_group_name(name)?;
        let local = self.groups.lock().get(name).cloned();
        let stored = self.cluster.as_ref().map_or_else(Vec::new, |c| {
            c.stored_groups()
                .into_iter()
                .filter(|(group, _)| group == name)
                .flat_map(|(_, ledgers)| ledgers)
                .collect()
        });
        if local.is_none() && stored.is_empty() {
            return Err(BrokerError::GroupNotFound(name.to_string()));
        }
        let group = local.unwrap_or_default();
        let now = Instant::now();
        // (topic, partition) -> (live ledger?, its ledger)
        let mut ledgers: BTreeMap<(String, u32), Ledger> = BTreeMap::new();
        let mut live: BTreeMap<(String, u32), Arc<super::QueuePartition>> = BTreeMap::new();
        for qp in group.all_partitions() {
            let usable = topics
                .partition(&qp.topic, qp.partition)
                .is_ok_and(|(_, p)| qp.usable(&p));
            if usable {
                live.insert((qp.topic.clone(), qp.partition), qp);
            }
        }
        for (topic, partition, ledger) in &stored {
            let key = (topic.clone(), *partition);
            if !live.contains_key(&key) {
                ledgers.insert(key, Ledger::restore(ledger));
            }
        }
        let keys: BTreeSet<(String, u32)> = live.keys().chain(ledgers.keys()).cloned().collect();
        let mut in_flight: BTreeMap<Arc<str>, u64> = BTreeMap::new();
        let mut partitions = Vec::with_capacity(keys.len());
        for (topic, partition) in keys {
            let source = topics.partition(&topic, partition).ok().map(|(_, p)| p);
            let state = source.as_ref().map(|p| p.state());
            let report = |l: &mut Ledger| {
                if let Some(s) = &state {
                    l.sync_log(s.log_start, s.log_end);
                }
                // Leases past their deadline count until the sweeper (or a
                // receive) expires them, within a fraction of a second.
                l.report(now)
            };
            let ledger = match live.get(&(topic.clone(), partition)) {
                Some(qp) => report(&mut qp.ledger.lock()),
                None => match ledgers.get_mut(&(topic.clone(), partition)) {
                    Some(l) => report(l),
                    None => continue,
                },
            };
            for (receiver, n) in &ledger.receivers {
                *in_flight.entry(receiver.clone()).or_default() += n;
            }
            let (log_start, hw) = state.map_or((-1, -1), |s| (s.log_start, s.high_watermark));
            let backlog = if hw < 0 {
                0
            } else {
                (hw - ledger.floor - ledger.settled_above_floor as i64).max(0)
            };
            let oldest_unacked_age_ms = match &source {
                Some(p) if ledger.floor < hw => age_ms(p, ledger.floor),
                _ => 0,
            };
            partitions.push(QueuePartitionReport {
                topic,
                partition,
                log_start,
                high_watermark: hw,
                backlog,
                oldest_unacked_age_ms,
                ledger,
            });
        }
        // Partitions of the group's topics that no receive has touched
        // yet have no ledger: every record in them waits.
        let touched: BTreeSet<(String, u32)> = partitions
            .iter()
            .map(|p| (p.topic.clone(), p.partition))
            .collect();
        let group_topics: BTreeSet<String> = touched.iter().map(|(t, _)| t.clone()).collect();
        for topic in group_topics.iter().filter_map(|t| topics.get(t).ok()) {
            for p in topic.partitions() {
                if touched.contains(&(p.topic().to_string(), p.id())) {
                    continue;
                }
                let s = p.state();
                partitions.push(QueuePartitionReport {
                    topic: p.topic().to_string(),
                    partition: p.id(),
                    log_start: s.log_start,
                    high_watermark: s.high_watermark,
                    backlog: (s.high_watermark - s.log_start).max(0),
                    oldest_unacked_age_ms: if s.log_start < s.high_watermark {
                        age_ms(&p, s.log_start)
                    } else {
                        0
                    },
                    ledger: LedgerReport {
                        floor: s.log_start,
                        next: s.log_start,
                        ..LedgerReport::default()
                    },
                });
            }
        }
        partitions.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        let mut receivers: Vec<ReceiverSummary> = group
            .receivers
            .lock()
            .iter()
            .map(|(id, at)| ReceiverSummary {
                receiver_id: id.to_string(),
                in_flight: in_flight.get(id).copied().unwrap_or(0),
                last_seen_age_ms: at.elapsed().as_millis() as u64,
            })
            .filter(|r| r.in_flight > 0 || r.last_seen_age_ms < RECEIVER_IDLE.as_millis() as u64)
            .collect();
        receivers.sort_by(|a, b| a.receiver_id.cmp(&b.receiver_id));
        Ok(QueueReport {
            name: name.to_string(),
            live_receivers: group.live_receivers(),
            receivers,
            partitions,
        })
    }

    /// Forgets a queue group: its acks, leases and counters. Refused while
    /// receivers are live or hold leases.
    pub async fn delete(&self, name: &str) -> Result<()> {
        validate_group_name(name)?;
        let local = self.groups.lock().get(name).cloned();
        let stored = self
            .cluster
            .as_ref()
            .is_some_and(|c| c.stored_groups().iter().any(|(g, _)| g == name));
        if local.is_none() && !stored {
            return Err(BrokerError::GroupNotFound(name.to_string()));
        }
        let group = local.unwrap_or_default();
        let now = Instant::now();
        let holding = group
            .partitions
            .lock()
            .values()
            .map(|qp| qp.ledger.lock().report(now).in_flight)
            .sum::<u64>();
        let live = group.live_receivers();
        if live > 0 || holding > 0 {
            return Err(BrokerError::GroupNotEmpty {
                group: name.to_string(),
                members: live.max(1),
            });
        }
        // In a cluster the controller forgets the group; nodes still
        // holding its ledgers find them refused and load the new one.
        if let Some(cluster) = &self.cluster {
            cluster.delete_group(name).await?;
        }
        self.groups.lock().remove(name);
        self.meta.delete_queue_ledgers(name).await?;
        tracing::info!(group = name, "queue group deleted");
        Ok(())
    }
}

/// `Partition::age_at` in ms; 0 when nothing can be read.
fn age_ms(p: &crate::partition::Partition, offset: i64) -> u64 {
    p.age_at(offset).map_or(0, |d| d.as_millis() as u64)
}
