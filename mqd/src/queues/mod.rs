//! Queue subscriptions (shared groups): the receivers of one group share a
//! topic's records one by one, each leased for a visibility timeout,
//! settled by an ack, delivered again after a nack or an expired lease, and
//! copied to a dead-letter topic once its deliveries are used up.
//!
//! Each (group, partition) has a [`ledger::Ledger`]. A receive takes the
//! partition's reader lock, plans under the ledger lock (redeliveries
//! first, lowest offset first, then first deliveries from the ledger's
//! `next`), reads the whole batches holding those offsets without holding
//! the ledger, then leases what it read. The broker never decodes a record
//! to deliver it: offsets are dense, so a lease is a list of offsets and
//! the receiver picks its records out of the batches. Only a dead-letter
//! copy decodes one record (see `dead_letter`).
//!
//! On a single node, ledgers are stored in the metadata store; in a
//! cluster, the partition's leader keeps the ledger and stores it through
//! the controller (see `replicated`). Either way acks and nacks are durable
//! before they are answered. Leases are not stored: after a restart, or a
//! leader change, every record that was leased is delivered again (at
//! least once).

pub mod admin;
mod dead_letter;
pub mod ledger;
mod ranges;
pub(crate) mod replicated;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::future::select_all;
use mq::batch::batches;
use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use self::ledger::{DeadLetter, Grant, Ledger, Policy, Rejection, StoredLedger, Verdict};
use self::replicated::Replicated;
use crate::error::{BrokerError, Result};
use crate::groups::validate_group_name;
use crate::log::LogError;
use crate::meta::{Meta, MetaError};
use crate::partition::Partition;
use crate::topics::{validate_name, Topics};

pub const DEFAULT_MAX_RECORDS: u32 = 500;
pub const MAX_RECORDS: u32 = 10_000;
pub const DEFAULT_VISIBILITY_MS: u32 = 30_000;
pub const MIN_VISIBILITY_MS: u32 = 1_000;
pub const MAX_VISIBILITY_MS: u32 = 12 * 3600 * 1000;
pub const DEFAULT_MAX_DELIVERIES: u32 = 5;
pub const MAX_DELIVERIES: u32 = 1_000;
/// A receiver counts as live this long after its last call.
pub const RECEIVER_IDLE: Duration = Duration::from_secs(30);

/// One receive call, as the receiver sent it.
pub struct Receive<'a> {
    pub group: &'a str,
    pub topic: &'a str,
    pub receiver: &'a str,
    pub max_records: u32,
    pub max_bytes: usize,
    pub max_wait: Duration,
    pub visibility_ms: u32,
    pub max_deliveries: u32,
    pub dead_letter_topic: &'a str,
    /// Only these partitions (empty: every partition, or in a cluster
    /// every partition this broker leads).
    pub partitions: &'a [u32],
}

/// The records of one partition leased by a receive.
pub struct Delivery {
    pub partition: u32,
    pub records: Bytes,
    pub grant: Grant,
    /// Wall-clock end of the lease, in ms since the Unix epoch.
    pub deadline_ms: i64,
}

/// Acks or nacks for one lease.
pub struct LeasedOffsets {
    pub partition: u32,
    pub lease_id: u64,
    pub offsets: Vec<i64>,
}

/// An offset whose ack or nack was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub partition: u32,
    pub offset: i64,
    pub why: Rejection,
}

pub(crate) struct QueuePartition {
    pub(crate) topic: String,
    pub(crate) partition: u32,
    pub(crate) ledger: Mutex<Ledger>,
    /// Held by one receive at a time, from planning to leasing, so two
    /// receives never read the same records for delivery.
    reader: tokio::sync::Mutex<()>,
    /// In a cluster: the leader epoch and group generation the ledger was
    /// loaded at; it is valid only while both still hold.
    owner: Option<(i32, u64)>,
    /// In a cluster: the ledger version the controller has stored.
    replicated: AtomicU64,
    /// In a cluster: one controller write at a time per ledger, so
    /// concurrent acks share the next write (group commit).
    flush: tokio::sync::Mutex<()>,
    /// In a cluster: the controller refused this ledger (leadership moved,
    /// the group was deleted); it must not be used again.
    defunct: AtomicBool,
}

impl QueuePartition {
    fn new(topic: &str, partition: u32, ledger: Ledger, owner: Option<(i32, u64)>) -> Self {
        let version = ledger.version();
        QueuePartition {
            topic: topic.to_string(),
            partition,
            // A restored ledger is what is stored; a new one is not yet.
            replicated: AtomicU64::new(if ledger.is_dirty() { 0 } else { version }),
            ledger: Mutex::new(ledger),
            reader: tokio::sync::Mutex::new(()),
            owner,
            flush: tokio::sync::Mutex::new(()),
            defunct: AtomicBool::new(false),
        }
    }

    /// Whether this node may use the ledger: on a single node always; in
    /// a cluster while it still leads the partition at the epoch the
    /// ledger was loaded at.
    fn usable(&self, p: &Partition) -> bool {
        match self.owner {
            None => true,
            Some((epoch, _)) => {
                !self.defunct.load(Ordering::Acquire) && p.leading_epoch() == Some(epoch)
            }
        }
    }
}

pub(crate) struct QueueGroup {
    pub(crate) partitions: Mutex<HashMap<(String, u32), Arc<QueuePartition>>>,
    /// Woken when records become available again (nack, expiry).
    changes: Notify,
    /// Receivers by id, with the time of their last call.
    pub(crate) receivers: Mutex<HashMap<Arc<str>, std::time::Instant>>,
    rotation: AtomicUsize,
}

impl Default for QueueGroup {
    fn default() -> Self {
        QueueGroup::new()
    }
}

impl QueueGroup {
    fn new() -> QueueGroup {
        QueueGroup {
            partitions: Mutex::new(HashMap::new()),
            changes: Notify::new(),
            receivers: Mutex::new(HashMap::new()),
            rotation: AtomicUsize::new(0),
        }
    }

    /// Every partition ledger, cloned out of the lock.
    pub(crate) fn all_partitions(&self) -> Vec<Arc<QueuePartition>> {
        self.partitions.lock().values().cloned().collect()
    }

    fn existing(&self, topic: &str, partition: u32) -> Option<Arc<QueuePartition>> {
        self.partitions
            .lock()
            .get(&(topic.to_string(), partition))
            .cloned()
    }

    fn seen(&self, receiver: &Arc<str>) {
        self.receivers
            .lock()
            .insert(receiver.clone(), std::time::Instant::now());
    }

    pub(crate) fn live_receivers(&self) -> usize {
        self.receivers
            .lock()
            .values()
            .filter(|at| at.elapsed() < RECEIVER_IDLE)
            .count()
    }
}

/// Every queue group of this broker.
pub struct Queues {
    pub(crate) groups: Mutex<HashMap<String, Arc<QueueGroup>>>,
    pub(crate) meta: Meta,
    lease_ids: AtomicU64,
    /// Set in a multi-node cluster.
    cluster: Option<Replicated>,
}

impl Queues {
    /// Loads the stored ledgers.
    pub fn open(meta: Meta) -> Result<Queues, MetaError> {
        let mut groups: HashMap<String, Arc<QueueGroup>> = HashMap::new();
        for (group, topic, partition, stored) in meta.queue_ledgers::<StoredLedger>()? {
            let g = groups
                .entry(group)
                .or_insert_with(|| Arc::new(QueueGroup::new()));
            g.partitions.lock().insert(
                (topic.clone(), partition),
                Arc::new(QueuePartition::new(
                    &topic,
                    partition,
                    Ledger::restore(&stored),
                    None,
                )),
            );
        }
        Ok(Queues {
            groups: Mutex::new(groups),
            meta,
            // Lease ids from a random start, so an ack of a lease from
            // before a restart never matches a new lease.
            lease_ids: AtomicU64::new(random_u64()),
            cluster: None,
        })
    }

    /// Queues for a node of a multi-node cluster: ledgers come from, and
    /// go to, the controller (ledgers this node stored while it ran alone
    /// are not used).
    pub fn clustered(
        meta: Meta,
        controller: Arc<crate::cluster::Controller>,
        node_id: u32,
    ) -> Queues {
        Queues {
            groups: Mutex::new(HashMap::new()),
            meta,
            lease_ids: AtomicU64::new(random_u64()),
            cluster: Some(Replicated::new(controller, node_id)),
        }
    }

    /// The ledger of `group` for `p`, made on first use. In a cluster None
    /// unless this node leads `p`; a ledger from an earlier leadership (or
    /// an earlier life of the group) is replaced by the one the controller
    /// stored last.
    fn ledger_for(
        &self,
        name: &str,
        group: &QueueGroup,
        p: &Partition,
    ) -> Option<Arc<QueuePartition>> {
        let key = (p.topic().to_string(), p.id());
        let Some(cluster) = &self.cluster else {
            return Some(
                group
                    .partitions
                    .lock()
                    .entry(key)
                    .or_insert_with(|| {
                        // A new group starts at the log start: a queue
                        // delivers what is stored, as a new queue in
                        // RabbitMQ would not, but as a Kafka share group
                        // set to earliest does.
                        let ledger = Ledger::new(p.state().log_start);
                        Arc::new(QueuePartition::new(p.topic(), p.id(), ledger, None))
                    })
                    .clone(),
            );
        };
        let epoch = p.leading_epoch()?;
        let generation = cluster.generation(name);
        let mut parts = group.partitions.lock();
        if let Some(qp) = parts.get(&key) {
            if qp.owner == Some((epoch, generation)) && !qp.defunct.load(Ordering::Acquire) {
                return Some(qp.clone());
            }
        }
        let ledger = match cluster.load(name, p.topic(), p.id()) {
            Some(stored) => Ledger::restore(&stored),
            None => Ledger::new(p.state().log_start),
        };
        tracing::debug!(
            group = name,
            topic = p.topic(),
            partition = p.id(),
            epoch,
            "queue ledger loaded for a new leadership"
        );
        let qp = Arc::new(QueuePartition::new(
            p.topic(),
            p.id(),
            ledger,
            Some((epoch, generation)),
        ));
        parts.insert(key, qp.clone());
        Some(qp)
    }

    /// Every group, cloned out of the lock.
    pub(crate) fn all_groups(&self) -> Vec<(String, Arc<QueueGroup>)> {
        self.groups
            .lock()
            .iter()
            .map(|(n, g)| (n.clone(), g.clone()))
            .collect()
    }

    /// Whether `name` is a queue group here (in a cluster: anywhere).
    pub fn is_queue_group(&self, name: &str) -> bool {
        self.groups.lock().contains_key(name)
            || self.cluster.as_ref().is_some_and(|c| c.has_group(name))
    }

    fn group(&self, name: &str) -> Arc<QueueGroup> {
        self.groups
            .lock()
            .entry(name.to_string())
            .or_insert_with(|| Arc::new(QueueGroup::new()))
            .clone()
    }

    /// Leases up to `max_records` records of `topic` to a receiver, waiting
    /// up to `max_wait` for some to become available.
    pub async fn receive(
        &self,
        topics: &Topics,
        r: Receive<'_>,
        shutdown: &CancellationToken,
    ) -> Result<Vec<Delivery>> {
        let policy = Arc::new(validate(topics, &r)?);
        let topic = topics.get(r.topic)?;
        for &partition in r.partitions {
            topics.partition(r.topic, partition)?;
        }
        let want = match r.max_records {
            0 => DEFAULT_MAX_RECORDS,
            n => n,
        } as usize;
        let visibility = Duration::from_millis(match r.visibility_ms {
            0 => DEFAULT_VISIBILITY_MS,
            n => n,
        } as u64);
        let receiver: Arc<str> = if r.receiver.is_empty() {
            "anonymous".into()
        } else {
            r.receiver.into()
        };
        let group = self.group(r.group);
        group.seen(&receiver);
        let deadline = Instant::now() + r.max_wait;
        loop {
            let parts = self.receivable(r.topic, &topic, r.partitions)?;
            // Watch before looking, so a change in between still wakes us.
            let notified = group.changes.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let mut watches: Vec<_> = parts.iter().map(|p| p.watch_high_watermark()).collect();
            for w in &mut watches {
                w.borrow_and_update();
            }
            let lease = Lease {
                receiver: &receiver,
                policy: &policy,
                visibility,
            };
            let (deliveries, next_event) = self
                .collect(topics, r.group, &group, &parts, want, r.max_bytes, &lease)
                .await?;
            let now = Instant::now();
            if !deliveries.is_empty() || now >= deadline || shutdown.is_cancelled() {
                return Ok(deliveries);
            }
            let wake = next_event.map_or(deadline, |at| at.min(deadline));
            // select_all panics on nothing to select from.
            let hw_moved = async {
                if watches.is_empty() {
                    std::future::pending::<()>().await;
                }
                let _ = select_all(watches.iter_mut().map(|w| Box::pin(w.changed()))).await;
            };
            tokio::select! {
                _ = &mut notified => {}
                _ = hw_moved => {}
                _ = tokio::time::sleep_until(wake) => {}
                _ = shutdown.cancelled() => {}
            }
        }
    }

    /// The partitions a receive reads: those asked for (all when none
    /// are), which in a cluster this node must lead.
    fn receivable(
        &self,
        name: &str,
        topic: &crate::topics::Topic,
        wanted: &[u32],
    ) -> Result<Vec<Arc<Partition>>> {
        let all = topic.partitions();
        let mut parts: Vec<Arc<Partition>> = if wanted.is_empty() {
            all
        } else {
            wanted
                .iter()
                .filter_map(|&i| all.get(i as usize).cloned())
                .collect()
        };
        let Some(cluster) = &self.cluster else {
            return Ok(parts);
        };
        if !wanted.is_empty() {
            for p in &parts {
                p.check_leader()?;
            }
            return Ok(parts);
        }
        parts.retain(|p| p.leading_epoch().is_some());
        if parts.is_empty() {
            return Err(BrokerError::LeadsNoPartition {
                topic: name.to_string(),
                node: cluster.node_id(),
            });
        }
        Ok(parts)
    }

    /// One pass over the topic's partitions, starting at a different one
    /// each time so receivers spread over them.
    #[allow(clippy::too_many_arguments)]
    async fn collect(
        &self,
        topics: &Topics,
        group_name: &str,
        group: &QueueGroup,
        parts: &[Arc<Partition>],
        want: usize,
        max_bytes: usize,
        lease: &Lease<'_>,
    ) -> Result<(Vec<Delivery>, Option<Instant>)> {
        let mut out = Vec::new();
        let mut next_event: Option<Instant> = None;
        if parts.is_empty() {
            return Ok((out, None));
        }
        let start = group.rotation.fetch_add(1, Ordering::Relaxed);
        let mut left = want;
        let mut bytes_left = max_bytes;
        for i in 0..parts.len() {
            if left == 0 || bytes_left == 0 {
                break;
            }
            let p = &parts[(start + i) % parts.len()];
            let Some(qp) = self.ledger_for(group_name, group, p) else {
                continue; // leadership moved since `receivable`
            };
            let (delivery, dead, event) = match self
                .receive_partition(&qp, p, left, bytes_left, lease)
                .await
            {
                Ok(received) => received,
                // Leadership moved mid-pass: hand out what is leased.
                Err(e) if !out.is_empty() => {
                    tracing::debug!(error = %e, "receive pass cut short");
                    break;
                }
                Err(e) => return Err(e),
            };
            if !dead.is_empty() {
                self.dead_letter(topics, group_name, &qp, dead).await;
            }
            if let Some(at) = event {
                next_event = Some(next_event.map_or(at, |n| n.min(at)));
            }
            if let Some(d) = delivery {
                left = left.saturating_sub(d.grant.redelivered.len() + d.grant.new_count as usize);
                bytes_left = bytes_left.saturating_sub(d.records.len());
                out.push(d);
            }
        }
        Ok((out, next_event))
    }

    async fn receive_partition(
        &self,
        qp: &QueuePartition,
        p: &Partition,
        want: usize,
        max_bytes: usize,
        lease: &Lease<'_>,
    ) -> Result<(Option<Delivery>, Vec<DeadLetter>, Option<Instant>)> {
        let _reader = qp.reader.lock().await;
        let state = p.state();
        let now = Instant::now();
        let (redeliver, room, next, dead) = {
            let mut ledger = qp.ledger.lock();
            ledger.sync_log(state.log_start, state.log_end);
            // Records released here are this receive's to take; waiting
            // receives wake at the same expiry on their own timers.
            let (dead, _released) = ledger.tick(now.into_std());
            let (redeliver, room) = ledger.plan(want);
            (redeliver, room, ledger.next(), dead)
        };
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut used = 0usize;
        let mut covered_end = i64::MIN;
        let mut leased_again = Vec::with_capacity(redeliver.len());
        for offset in redeliver {
            if offset >= covered_end {
                if used >= max_bytes && !chunks.is_empty() {
                    break;
                }
                let Some(records) = read_at(p, offset, 1).await? else {
                    continue; // removed by retention meanwhile
                };
                match batches(&records).last() {
                    Some(Ok(last)) => covered_end = last.next_offset(),
                    _ => continue,
                }
                used += records.len();
                chunks.push(records);
            }
            leased_again.push(offset);
        }
        let limit = (next + room as i64).min(state.high_watermark);
        let mut new_end = next;
        if next < limit {
            let mut from = next;
            if covered_end > next {
                new_end = covered_end.min(limit);
                from = covered_end;
            }
            if from < limit && (used < max_bytes || chunks.is_empty()) {
                let budget = max_bytes.saturating_sub(used).max(1);
                if let Some(records) = read_at(p, from, budget).await? {
                    if let Some(Ok(last)) = batches(&records).last() {
                        new_end = last.next_offset().min(limit);
                        used += records.len();
                        chunks.push(records);
                    }
                }
            }
        }
        let lease_id = self.lease_ids.fetch_add(1, Ordering::Relaxed);
        let (grant, event) = {
            let mut ledger = qp.ledger.lock();
            let grant = ledger.grant(
                lease_id,
                lease.receiver.clone(),
                lease.policy.clone(),
                now.into_std(),
                lease.visibility,
                &leased_again,
                new_end,
            );
            (grant, ledger.next_event().map(Instant::from_std))
        };
        if grant.is_empty() {
            return Ok((None, dead, event));
        }
        let records = match chunks.len() {
            1 => chunks.pop().unwrap_or_default(),
            _ => {
                let mut all = BytesMut::with_capacity(used);
                for c in &chunks {
                    all.extend_from_slice(c);
                }
                all.freeze()
            }
        };
        let deadline_ms = mq::record::now_ms() + lease.visibility.as_millis() as i64;
        Ok((
            Some(Delivery {
                partition: qp.partition,
                records,
                grant,
                deadline_ms,
            }),
            dead,
            event,
        ))
    }

    /// Applies acks or nacks. Offsets that cannot be settled are returned;
    /// the rest are durable when this returns.
    pub async fn settle(
        &self,
        topics: &Topics,
        group_name: &str,
        topic: &str,
        leases: &[LeasedOffsets],
        verdict: Verdict,
    ) -> Result<Vec<Refused>> {
        validate_group_name(group_name)?;
        topics.get(topic)?;
        if let Verdict::Nack { delay, .. } = &verdict {
            if delay.as_millis() > MAX_VISIBILITY_MS as u128 {
                return Err(BrokerError::InvalidRequest(format!(
                    "nack delay {} ms is above the maximum {MAX_VISIBILITY_MS} ms",
                    delay.as_millis()
                )));
            }
        }
        // An unknown group has no leases: after a restart that lost it
        // (nothing was stored yet) its deliveries are simply expired.
        let group = self.groups.lock().get(group_name).cloned();
        let Some(group) = group else {
            return Ok(leases
                .iter()
                .flat_map(|l| {
                    l.offsets.iter().map(|&offset| Refused {
                        partition: l.partition,
                        offset,
                        why: Rejection::Expired,
                    })
                })
                .collect());
        };
        let now = std::time::Instant::now();
        let mut refused = Vec::new();
        let mut touched: Vec<(Arc<QueuePartition>, &LeasedOffsets)> = Vec::new();
        for l in leases {
            // In a cluster, a ledger of a leadership that has ended holds
            // leases nobody honours any more.
            let usable = |qp: &Arc<QueuePartition>| {
                topics
                    .partition(topic, l.partition)
                    .is_ok_and(|(_, p)| qp.usable(&p))
            };
            let Some(qp) = group.existing(topic, l.partition).filter(usable) else {
                refused.extend(l.offsets.iter().map(|&offset| Refused {
                    partition: l.partition,
                    offset,
                    why: Rejection::Expired,
                }));
                continue;
            };
            let outcome = qp
                .ledger
                .lock()
                .settle(l.lease_id, &l.offsets, now, &verdict);
            refused.extend(outcome.rejected.into_iter().map(|(offset, why)| Refused {
                partition: l.partition,
                offset,
                why,
            }));
            // Released records, or room under the pending cap: either can
            // give a waiting receive something.
            group.changes.notify_waiters();
            if !outcome.dead_letters.is_empty() {
                self.dead_letter(topics, group_name, &qp, outcome.dead_letters)
                    .await;
            }
            touched.push((qp, l));
        }
        let mut qps: Vec<Arc<QueuePartition>> = touched.iter().map(|(qp, _)| qp.clone()).collect();
        qps.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        qps.dedup_by(|a, b| Arc::ptr_eq(a, b));
        let lost = self.persist(group_name, &qps).await?;
        // What a refused ledger write held did not happen: those records
        // are delivered again by the partition's new leader.
        for (qp, l) in &touched {
            if !lost.iter().any(|q| Arc::ptr_eq(q, qp)) {
                continue;
            }
            refused.retain(|r| r.partition != l.partition || !l.offsets.contains(&r.offset));
            refused.extend(l.offsets.iter().map(|&offset| Refused {
                partition: l.partition,
                offset,
                why: Rejection::Expired,
            }));
        }
        Ok(refused)
    }

    /// Makes the ledgers' current state durable: on a single node in the
    /// metadata store, in a cluster through the controller. Returns the
    /// ledgers the controller refused (this node no longer leads them).
    async fn persist(
        &self,
        group: &str,
        qps: &[Arc<QueuePartition>],
    ) -> Result<Vec<Arc<QueuePartition>>> {
        if qps.is_empty() {
            return Ok(Vec::new());
        }
        let Some(cluster) = &self.cluster else {
            for qp in qps {
                self.store(group, qp)?;
            }
            self.meta.sync().await?;
            return Ok(Vec::new());
        };
        let items: Vec<(&str, Arc<QueuePartition>)> =
            qps.iter().map(|qp| (group, qp.clone())).collect();
        replicated::replicate(cluster, &items, true).await
    }

    /// Writes a ledger that changed since it was last stored. The write
    /// happens under the ledger's lock, so stored states follow each other
    /// in the ledger's order: an older snapshot never overwrites a newer
    /// one, and a caller that finds nothing to write knows that the write
    /// covering its change was already made (its flush then covers it).
    fn store(&self, group: &str, qp: &QueuePartition) -> Result<()> {
        let mut ledger = qp.ledger.lock();
        if !ledger.take_dirty() {
            return Ok(());
        }
        let snapshot = ledger.snapshot();
        self.meta
            .put_queue_ledger(group, &qp.topic, qp.partition, &snapshot)?;
        Ok(())
    }

    /// Forgets every ledger of a deleted topic, so a topic created again
    /// under the name starts from its log start.
    pub async fn forget_topic(&self, topic: &str) -> Result<()> {
        let groups = self.all_groups();
        for (name, group) in groups {
            let removed: Vec<u32> = {
                let mut parts = group.partitions.lock();
                let gone: Vec<(String, u32)> =
                    parts.keys().filter(|(t, _)| t == topic).cloned().collect();
                gone.into_iter()
                    .filter_map(|key| parts.remove(&key).map(|qp| qp.partition))
                    .collect()
            };
            for partition in removed {
                self.meta.delete_queue_ledger(&name, topic, partition)?;
            }
        }
        self.meta.sync().await?;
        Ok(())
    }

    /// Expires leases, sends due dead letters and stores changed ledgers;
    /// run periodically so a queue nobody receives from still moves on.
    pub async fn sweep(&self, topics: &Topics) {
        let groups = self.all_groups();
        let mut stored = false;
        let mut to_replicate: Vec<(String, Arc<QueuePartition>)> = Vec::new();
        for (name, group) in groups {
            let parts = group.all_partitions();
            for qp in parts {
                if self.cluster.is_some() {
                    // A ledger of a leadership that ended goes; a new
                    // leadership here loads the stored one afresh.
                    let current = topics
                        .partition(&qp.topic, qp.partition)
                        .is_ok_and(|(_, p)| qp.usable(&p));
                    if !current {
                        let key = (qp.topic.clone(), qp.partition);
                        let mut parts = group.partitions.lock();
                        if parts.get(&key).is_some_and(|q| Arc::ptr_eq(q, &qp)) {
                            parts.remove(&key);
                        }
                        continue;
                    }
                }
                let (dead, released) = qp.ledger.lock().tick(std::time::Instant::now());
                if released {
                    group.changes.notify_waiters();
                }
                if !dead.is_empty() {
                    self.dead_letter(topics, &name, &qp, dead).await;
                }
                if self.cluster.is_some() {
                    to_replicate.push((name.clone(), qp));
                    continue;
                }
                match self.store(&name, &qp) {
                    Ok(()) => stored = true,
                    Err(e) => {
                        tracing::error!(group = %name, error = %e, "storing queue ledger failed")
                    }
                }
            }
            group
                .receivers
                .lock()
                .retain(|_, at| at.elapsed() < RECEIVER_IDLE * 10);
        }
        if stored {
            if let Err(e) = self.meta.sync().await {
                tracing::error!(error = %e, "syncing queue ledgers failed");
            }
        }
        if let Some(cluster) = &self.cluster {
            let items: Vec<(&str, Arc<QueuePartition>)> = to_replicate
                .iter()
                .map(|(name, qp)| (name.as_str(), qp.clone()))
                .collect();
            if let Err(e) = replicated::replicate(cluster, &items, false).await {
                tracing::warn!(error = %e, "storing queue ledgers through the controller failed; retrying");
            }
        }
    }

    /// Stores every ledger (at shutdown). In a cluster, ledgers go to the
    /// controller, before partition leadership moves away.
    pub async fn store_all(&self) -> Result<()> {
        if let Some(cluster) = &self.cluster {
            let groups = self.all_groups();
            let items: Vec<(&str, Arc<QueuePartition>)> = groups
                .iter()
                .flat_map(|(name, g)| {
                    g.all_partitions()
                        .into_iter()
                        .map(move |qp| (name.as_str(), qp))
                })
                .collect();
            replicated::replicate(cluster, &items, true).await?;
            return Ok(());
        }
        let groups = self.all_groups();
        for (name, group) in groups {
            let parts = group.all_partitions();
            for qp in parts {
                self.store(&name, &qp)?;
            }
        }
        Ok(())
    }

    /// Notes that `receiver` is alive (acks count as well as receives).
    pub fn touch(&self, group: &str, receiver: &str) {
        if receiver.is_empty() {
            return;
        }
        if let Some(g) = self.groups.lock().get(group) {
            g.seen(&receiver.into());
        }
    }
}

/// What a receive's leases are made of.
struct Lease<'a> {
    receiver: &'a Arc<str>,
    policy: &'a Arc<Policy>,
    visibility: Duration,
}

fn validate(topics: &Topics, r: &Receive<'_>) -> Result<Policy> {
    validate_group_name(r.group)?;
    topics.get(r.topic)?;
    if r.max_records > MAX_RECORDS {
        return Err(BrokerError::InvalidRequest(format!(
            "max_records {} is above the maximum {MAX_RECORDS}",
            r.max_records
        )));
    }
    if r.visibility_ms != 0 && !(MIN_VISIBILITY_MS..=MAX_VISIBILITY_MS).contains(&r.visibility_ms) {
        return Err(BrokerError::InvalidRequest(format!(
            "visibility timeout {} ms is outside {MIN_VISIBILITY_MS}..={MAX_VISIBILITY_MS} ms",
            r.visibility_ms
        )));
    }
    if r.max_deliveries > MAX_DELIVERIES {
        return Err(BrokerError::InvalidRequest(format!(
            "max_deliveries {} is above the maximum {MAX_DELIVERIES}",
            r.max_deliveries
        )));
    }
    if r.receiver.len() > 255 {
        return Err(BrokerError::InvalidRequest(
            "receiver_id has at most 255 characters".to_string(),
        ));
    }
    let dead_letter_topic = if r.dead_letter_topic.is_empty() {
        format!("{}.{}.dlq", r.topic, r.group)
    } else {
        r.dead_letter_topic.to_string()
    };
    validate_name(&dead_letter_topic).map_err(|e| {
        BrokerError::InvalidRequest(format!(
            "dead-letter topic {dead_letter_topic:?} is not a valid topic name ({e}); name one with dead_letter_topic"
        ))
    })?;
    if dead_letter_topic == r.topic {
        return Err(BrokerError::InvalidRequest(format!(
            "the dead-letter topic cannot be the topic being received from ({:?})",
            r.topic
        )));
    }
    Ok(Policy {
        max_deliveries: match r.max_deliveries {
            0 => DEFAULT_MAX_DELIVERIES,
            n => n,
        },
        dead_letter_topic: dead_letter_topic.into(),
    })
}

/// The whole batches from the one holding `offset`; None when retention
/// removed it meanwhile.
async fn read_at(p: &Partition, offset: i64, max_bytes: usize) -> Result<Option<Bytes>> {
    match p.fetch(offset, max_bytes, Duration::ZERO).await {
        Ok(read) if read.records.is_empty() => Ok(None),
        Ok(read) => Ok(Some(read.records)),
        Err(BrokerError::Log(LogError::OffsetOutOfRange { log_start, .. }))
            if offset < log_start =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn random_u64() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    // splitmix64 of the clock and pid: distinct across restarts.
    let mut z = nanos ^ ((std::process::id() as u64) << 32);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) >> 1
}
