//! What one queue group has done with one partition's records: which are
//! acknowledged, which are leased to whom until when, which wait to be
//! delivered again, and which are on their way to the dead-letter topic.
//!
//! Offsets below `floor` are settled (acknowledged, dead-lettered, or
//! removed by retention); offsets at or above `next` were never delivered.
//! Every offset in between is in exactly one place: `done`, a lease,
//! `available`, `delayed` or `doomed`. The ledger is plain data driven by
//! the caller's clock, so every rule here is tested without a broker.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::ranges::RangeSet;

/// Most records of one partition a group may have delivered and not yet
/// settled. It bounds the ledger's memory whatever receivers do (hold
/// leases, nack with long delays); receives find nothing new beyond it.
pub const MAX_PENDING: u64 = 20_000;

/// A stored ledger never expands to more undelivered entries than this.
const MAX_RESTORED: u64 = 1_000_000;

/// How the deliveries of one receive are retried and dead-lettered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub max_deliveries: u32,
    pub dead_letter_topic: Arc<str>,
}

#[derive(Debug)]
struct Item {
    offset: i64,
    deliveries: u32,
    settled: bool,
}

#[derive(Debug)]
struct Lease {
    receiver: Arc<str>,
    granted: Instant,
    deadline: Instant,
    policy: Arc<Policy>,
    /// Ascending offsets.
    items: Vec<Item>,
    outstanding: usize,
}

/// A record whose deliveries are used up: it must be copied to `topic`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub offset: i64,
    pub deliveries: u32,
    pub last_error: Option<Arc<str>>,
    pub topic: Arc<str>,
}

#[derive(Debug)]
struct Doomed {
    deliveries: u32,
    topic: Arc<str>,
    /// Set after a failed copy: try again then. None while a copy runs.
    retry_at: Option<Instant>,
}

/// What one receive was given: redelivered records (with their delivery
/// counts, this one included) and a run of first deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub lease_id: u64,
    pub redelivered: Vec<(i64, u32)>,
    pub first_new: i64,
    pub new_count: u32,
}

impl Grant {
    pub fn is_empty(&self) -> bool {
        self.redelivered.is_empty() && self.new_count == 0
    }
}

/// Why an ack or nack of one offset was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Acknowledged or dead-lettered already (or removed by retention).
    AlreadySettled,
    /// The lease ran out (or the broker restarted): the record is, or will
    /// be, delivered again.
    Expired,
    /// The lease exists but never held this offset.
    NotInLease,
}

/// What a receiver says about leased records.
#[derive(Debug, Clone)]
pub enum Verdict {
    Ack,
    /// Deliver again after `delay` (or dead-letter when attempts are used
    /// up), remembering the receiver's `error` for the dead-letter headers.
    Nack {
        delay: Duration,
        error: Option<Arc<str>>,
    },
}

#[derive(Debug, Default)]
pub struct Settled {
    pub rejected: Vec<(i64, Rejection)>,
    pub dead_letters: Vec<DeadLetter>,
    /// Some record became available for delivery.
    pub released: bool,
}

/// Running totals since the group first touched the partition.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Counters {
    pub delivered: u64,
    pub redelivered: u64,
    pub acked: u64,
    pub nacked: u64,
    pub expired: u64,
    pub dead_lettered: u64,
}

/// The ledger as stored. Leases are not stored: after a restart every
/// record that was leased is delivered again.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredLedger {
    pub floor: i64,
    pub next: i64,
    /// Settled offsets at or above `floor`, as [start, end) ranges.
    pub done: Vec<(i64, i64)>,
    /// Unsettled offsets delivered more than once, with their counts; the
    /// other unsettled offsets below `next` were delivered once.
    pub counts: Vec<(i64, u32)>,
    #[serde(default)]
    pub counters: Counters,
}

/// A view for DescribeGroup.
#[derive(Debug, Clone, Default)]
pub struct LedgerReport {
    pub floor: i64,
    pub next: i64,
    pub in_flight: u64,
    pub waiting: u64,
    pub dead_lettering: u64,
    pub settled_above_floor: u64,
    /// Highest delivery count among unsettled records.
    pub max_deliveries: u32,
    /// Leased records per receiver.
    pub receivers: BTreeMap<Arc<str>, u64>,
    pub oldest_lease: Option<Duration>,
    pub counters: Counters,
}

#[derive(Debug)]
pub struct Ledger {
    floor: i64,
    next: i64,
    done: RangeSet,
    leases: HashMap<u64, Lease>,
    expiries: BTreeSet<(Instant, u64)>,
    /// Offset -> deliveries so far.
    available: BTreeMap<i64, u32>,
    delayed: BTreeMap<i64, (Instant, u32)>,
    delay_index: BTreeSet<(Instant, i64)>,
    doomed: BTreeMap<i64, Doomed>,
    /// The last error a receiver reported for an unsettled offset.
    errors: HashMap<i64, Arc<str>>,
    counters: Counters,
    /// Counts changes to what is stored, so a writer can tell which
    /// changes a stored snapshot covers.
    version: u64,
    /// The version `take_dirty` last saw.
    taken: u64,
}

impl Ledger {
    /// A ledger that starts delivering at `start`.
    pub fn new(start: i64) -> Ledger {
        Ledger {
            floor: start,
            next: start,
            done: RangeSet::default(),
            leases: HashMap::new(),
            expiries: BTreeSet::new(),
            available: BTreeMap::new(),
            delayed: BTreeMap::new(),
            delay_index: BTreeSet::new(),
            doomed: BTreeMap::new(),
            errors: HashMap::new(),
            counters: Counters::default(),
            version: 1,
            taken: 0,
        }
    }

    /// Rebuilds a ledger from its stored form: every unsettled offset below
    /// `next` becomes available again with its delivery count.
    pub fn restore(stored: &StoredLedger) -> Ledger {
        let floor = stored.floor.max(0);
        let mut ledger = Ledger::new(floor);
        ledger.counters = stored.counters;
        ledger.done = RangeSet::from_ranges(&stored.done);
        ledger.done.drop_below(floor);
        let counts: HashMap<i64, u32> = stored.counts.iter().copied().collect();
        let next = stored.next.max(floor);
        let mut offset = floor;
        let mut restored = 0u64;
        let gaps: Vec<(i64, i64)> = ledger.done.iter().collect();
        let mut gaps = gaps.into_iter().peekable();
        while offset < next && restored < MAX_RESTORED {
            if let Some(&(start, end)) = gaps.peek() {
                if offset >= start {
                    offset = offset.max(end);
                    gaps.next();
                    continue;
                }
            }
            let deliveries = counts.get(&offset).copied().unwrap_or(1).max(1);
            ledger.available.insert(offset, deliveries);
            restored += 1;
            offset += 1;
        }
        // Damaged or absurd input: what was not restored counts as never
        // delivered.
        ledger.next = offset.min(next).max(floor);
        ledger.advance();
        ledger.taken = ledger.version;
        ledger
    }

    pub fn snapshot(&self) -> StoredLedger {
        let mut counts: Vec<(i64, u32)> = Vec::new();
        for lease in self.leases.values() {
            counts.extend(
                lease
                    .items
                    .iter()
                    .filter(|i| !i.settled && i.deliveries > 1 && i.offset >= self.floor)
                    .map(|i| (i.offset, i.deliveries)),
            );
        }
        counts.extend(
            self.available
                .iter()
                .filter(|(_, d)| **d > 1)
                .map(|(o, d)| (*o, *d)),
        );
        counts.extend(
            self.delayed
                .iter()
                .filter(|(_, (_, d))| *d > 1)
                .map(|(o, (_, d))| (*o, *d)),
        );
        counts.extend(
            self.doomed
                .iter()
                .filter(|(_, d)| d.deliveries > 1)
                .map(|(o, d)| (*o, d.deliveries)),
        );
        counts.sort_unstable();
        StoredLedger {
            floor: self.floor,
            next: self.next,
            done: self.done.iter().collect(),
            counts,
            counters: self.counters,
        }
    }

    /// True once since the last call if anything stored has changed.
    pub fn take_dirty(&mut self) -> bool {
        let dirty = self.version != self.taken;
        self.taken = self.version;
        dirty
    }

    /// Whether something changed since `take_dirty` last looked.
    pub fn is_dirty(&self) -> bool {
        self.version != self.taken
    }

    /// Grows with every change to what `snapshot` returns.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn floor(&self) -> i64 {
        self.floor
    }

    pub fn next(&self) -> i64 {
        self.next
    }

    /// Delivered at least once and not settled.
    pub fn pending(&self) -> u64 {
        (self.next - self.floor) as u64 - self.done.len()
    }

    /// Follows the log: records retention removed are settled; a log that
    /// no longer reaches the floor (the topic was recreated) starts over.
    /// It compares with the log end, not the high watermark: a new leader's
    /// high watermark can trail the floor its predecessor reached until its
    /// followers catch up.
    pub fn sync_log(&mut self, log_start: i64, log_end: i64) {
        if self.floor > log_end {
            tracing::warn!(
                floor = self.floor,
                log_end,
                "queue ledger is ahead of its log (topic recreated?); starting from the log start"
            );
            let counters = self.counters;
            *self = Ledger::new(log_start);
            self.counters = counters;
            return;
        }
        if self.floor < log_start {
            self.floor = log_start;
            self.next = self.next.max(log_start);
            self.done.drop_below(log_start);
            self.available.retain(|o, _| *o >= log_start);
            self.delayed.retain(|o, _| *o >= log_start);
            self.delay_index.retain(|(_, o)| *o >= log_start);
            self.doomed.retain(|o, _| *o >= log_start);
            self.errors.retain(|o, _| *o >= log_start);
            self.version += 1;
            self.advance();
        }
    }

    /// Expires leases and delays that are due at `now`. Returns the records
    /// to dead-letter, and whether any record became available.
    pub fn tick(&mut self, now: Instant) -> (Vec<DeadLetter>, bool) {
        let mut dead = Vec::new();
        let mut released = false;
        while let Some(&(deadline, id)) = self.expiries.first() {
            if deadline > now {
                break;
            }
            self.expiries.pop_first();
            let Some(lease) = self.leases.remove(&id) else {
                continue;
            };
            for item in lease.items.iter().filter(|i| !i.settled) {
                if item.offset < self.floor {
                    continue;
                }
                self.counters.expired += 1;
                released |=
                    self.release(item.offset, item.deliveries, &lease.policy, None, &mut dead);
            }
            self.version += 1;
        }
        while let Some(&(due, offset)) = self.delay_index.first() {
            if due > now {
                break;
            }
            self.delay_index.pop_first();
            if let Some((_, deliveries)) = self.delayed.remove(&offset) {
                self.available.insert(offset, deliveries);
                released = true;
            }
        }
        for (offset, doomed) in self.doomed.iter_mut() {
            if doomed.retry_at.is_some_and(|at| at <= now) {
                doomed.retry_at = None;
                dead.push(DeadLetter {
                    offset: *offset,
                    deliveries: doomed.deliveries,
                    last_error: self.errors.get(offset).cloned(),
                    topic: doomed.topic.clone(),
                });
            }
        }
        (dead, released)
    }

    /// The earliest time `tick` has something to do.
    pub fn next_event(&self) -> Option<Instant> {
        let expiry = self.expiries.first().map(|(at, _)| *at);
        let delay = self.delay_index.first().map(|(at, _)| *at);
        let retry = self.doomed.values().filter_map(|d| d.retry_at).min();
        [expiry, delay, retry].into_iter().flatten().min()
    }

    /// What a receive wanting `want` records can be given: offsets waiting
    /// for redelivery (lowest first), and how many first deliveries from
    /// `next()` fit under [`MAX_PENDING`].
    pub fn plan(&self, want: usize) -> (Vec<i64>, usize) {
        let redeliver: Vec<i64> = self.available.keys().take(want).copied().collect();
        let room = MAX_PENDING.saturating_sub(self.pending()) as usize;
        (redeliver.clone(), (want - redeliver.len()).min(room))
    }

    /// Leases `redeliver` (those still waiting) and the first deliveries
    /// `[next(), new_end)` to `receiver` until `now + visibility`.
    #[allow(clippy::too_many_arguments)]
    pub fn grant(
        &mut self,
        lease_id: u64,
        receiver: Arc<str>,
        policy: Arc<Policy>,
        now: Instant,
        visibility: Duration,
        redeliver: &[i64],
        new_end: i64,
    ) -> Grant {
        let mut items = Vec::new();
        let mut redelivered = Vec::new();
        for &offset in redeliver {
            if let Some(previous) = self.available.remove(&offset) {
                let deliveries = previous.saturating_add(1);
                items.push(Item {
                    offset,
                    deliveries,
                    settled: false,
                });
                redelivered.push((offset, deliveries));
            }
        }
        let first_new = self.next;
        let new_end = new_end.max(first_new);
        items.extend((first_new..new_end).map(|offset| Item {
            offset,
            deliveries: 1,
            settled: false,
        }));
        items.sort_unstable_by_key(|i| i.offset);
        let grant = Grant {
            lease_id,
            redelivered,
            first_new,
            new_count: (new_end - first_new) as u32,
        };
        if items.is_empty() {
            return grant;
        }
        self.next = new_end;
        self.counters.delivered += items.len() as u64;
        self.counters.redelivered += grant.redelivered.len() as u64;
        let deadline = now + visibility;
        self.expiries.insert((deadline, lease_id));
        self.leases.insert(
            lease_id,
            Lease {
                receiver,
                granted: now,
                deadline,
                policy,
                outstanding: items.len(),
                items,
            },
        );
        self.version += 1;
        grant
    }

    /// Applies a receiver's verdict on `offsets` of lease `lease_id`.
    pub fn settle(
        &mut self,
        lease_id: u64,
        offsets: &[i64],
        now: Instant,
        verdict: &Verdict,
    ) -> Settled {
        let mut out = Settled::default();
        let live = self
            .leases
            .get(&lease_id)
            .is_some_and(|lease| lease.deadline > now);
        if !live {
            for &offset in offsets {
                let why = if self.is_settled(offset) {
                    Rejection::AlreadySettled
                } else {
                    Rejection::Expired
                };
                out.rejected.push((offset, why));
            }
            return out;
        }
        let mut settled_now = Vec::with_capacity(offsets.len());
        let (policy, emptied) = {
            let Some(lease) = self.leases.get_mut(&lease_id) else {
                return out;
            };
            for &offset in offsets {
                match lease.items.binary_search_by_key(&offset, |i| i.offset) {
                    Err(_) => out.rejected.push((offset, Rejection::NotInLease)),
                    Ok(at) if lease.items[at].settled => {
                        out.rejected.push((offset, Rejection::AlreadySettled))
                    }
                    Ok(at) => {
                        lease.items[at].settled = true;
                        lease.outstanding -= 1;
                        settled_now.push((offset, lease.items[at].deliveries));
                    }
                }
            }
            (lease.policy.clone(), lease.outstanding == 0)
        };
        if emptied {
            if let Some(lease) = self.leases.remove(&lease_id) {
                self.expiries.remove(&(lease.deadline, lease_id));
            }
        }
        for (offset, deliveries) in settled_now {
            if offset < self.floor {
                continue; // removed by retention meanwhile
            }
            match verdict {
                Verdict::Ack => {
                    self.counters.acked += 1;
                    self.errors.remove(&offset);
                    self.done.insert(offset);
                }
                Verdict::Nack { delay, error } => {
                    self.counters.nacked += 1;
                    if let Some(error) = error {
                        self.errors.insert(offset, error.clone());
                    }
                    let due = (!delay.is_zero()).then(|| now + *delay);
                    out.released |=
                        self.release(offset, deliveries, &policy, due, &mut out.dead_letters);
                }
            }
        }
        self.advance();
        self.version += 1;
        out
    }

    /// A dead-letter copy of `offset` is stored: the record is settled.
    pub fn dead_lettered(&mut self, offset: i64) {
        if self.doomed.remove(&offset).is_some() {
            self.counters.dead_lettered += 1;
            self.errors.remove(&offset);
            if offset >= self.floor {
                self.done.insert(offset);
            }
            self.advance();
            self.version += 1;
        }
    }

    /// A dead-letter copy failed: try again at `retry_at`.
    pub fn dead_letter_failed(&mut self, offset: i64, retry_at: Instant) {
        if let Some(doomed) = self.doomed.get_mut(&offset) {
            doomed.retry_at = Some(retry_at);
        }
    }

    pub fn report(&self, now: Instant) -> LedgerReport {
        let mut receivers: BTreeMap<Arc<str>, u64> = BTreeMap::new();
        let mut in_flight = 0;
        let mut max_deliveries = 0;
        let mut oldest: Option<Instant> = None;
        for lease in self.leases.values() {
            in_flight += lease.outstanding as u64;
            *receivers.entry(lease.receiver.clone()).or_default() += lease.outstanding as u64;
            for item in lease.items.iter().filter(|i| !i.settled) {
                max_deliveries = max_deliveries.max(item.deliveries);
            }
            oldest = Some(oldest.map_or(lease.granted, |o| o.min(lease.granted)));
        }
        max_deliveries = max_deliveries
            .max(self.available.values().copied().max().unwrap_or(0))
            .max(self.delayed.values().map(|(_, d)| *d).max().unwrap_or(0))
            .max(
                self.doomed
                    .values()
                    .map(|d| d.deliveries)
                    .max()
                    .unwrap_or(0),
            );
        LedgerReport {
            floor: self.floor,
            next: self.next,
            in_flight,
            waiting: (self.available.len() + self.delayed.len()) as u64,
            dead_lettering: self.doomed.len() as u64,
            settled_above_floor: self.done.len(),
            max_deliveries,
            receivers,
            oldest_lease: oldest.map(|o| now.saturating_duration_since(o)),
            counters: self.counters,
        }
    }

    fn is_settled(&self, offset: i64) -> bool {
        offset < self.floor || self.done.contains(offset)
    }

    /// Puts an unsettled record back: dead-letters it when its deliveries
    /// are used up, else makes it available (at `due`, when delayed).
    /// True when it became available now.
    fn release(
        &mut self,
        offset: i64,
        deliveries: u32,
        policy: &Policy,
        due: Option<Instant>,
        dead: &mut Vec<DeadLetter>,
    ) -> bool {
        if deliveries >= policy.max_deliveries {
            self.doomed.insert(
                offset,
                Doomed {
                    deliveries,
                    topic: policy.dead_letter_topic.clone(),
                    retry_at: None,
                },
            );
            dead.push(DeadLetter {
                offset,
                deliveries,
                last_error: self.errors.get(&offset).cloned(),
                topic: policy.dead_letter_topic.clone(),
            });
            return false;
        }
        match due {
            Some(at) => {
                self.delayed.insert(offset, (at, deliveries));
                self.delay_index.insert((at, offset));
                false
            }
            None => {
                self.available.insert(offset, deliveries);
                true
            }
        }
    }

    fn advance(&mut self) {
        while let Some(end) = self.done.pop_from(self.floor) {
            self.floor = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max: u32) -> Arc<Policy> {
        Arc::new(Policy {
            max_deliveries: max,
            dead_letter_topic: "t.g.dlq".into(),
        })
    }

    const VIS: Duration = Duration::from_secs(30);

    fn receive(l: &mut Ledger, id: u64, who: &str, want: usize, hw: i64, now: Instant) -> Grant {
        let (redeliver, room) = l.plan(want);
        let end = (l.next() + room as i64).min(hw);
        l.grant(id, who.into(), policy(3), now, VIS, &redeliver, end)
    }

    #[test]
    fn each_record_is_leased_to_one_receiver_and_acks_move_the_floor() {
        let now = Instant::now();
        let mut l = Ledger::new(0);
        let a = receive(&mut l, 1, "a", 4, 10, now);
        let b = receive(&mut l, 2, "b", 4, 10, now);
        assert_eq!((a.first_new, a.new_count), (0, 4));
        assert_eq!((b.first_new, b.new_count), (4, 4));
        // Out of order: b's acks wait above the floor.
        assert!(l
            .settle(2, &[4, 5, 6, 7], now, &Verdict::Ack)
            .rejected
            .is_empty());
        assert_eq!(l.floor(), 0);
        assert!(l
            .settle(1, &[0, 1, 2, 3], now, &Verdict::Ack)
            .rejected
            .is_empty());
        assert_eq!(l.floor(), 8);
        assert_eq!(l.pending(), 0);
        assert!(l.leases.is_empty() && l.expiries.is_empty());
    }

    #[test]
    fn an_expired_lease_is_redelivered_with_a_higher_count() {
        let now = Instant::now();
        let mut l = Ledger::new(0);
        receive(&mut l, 1, "dead", 3, 3, now);
        let later = now + VIS;
        let (dead, released) = l.tick(later);
        assert!(dead.is_empty() && released);
        let g = receive(&mut l, 2, "alive", 10, 3, later);
        assert_eq!(g.redelivered, vec![(0, 2), (1, 2), (2, 2)]);
        assert_eq!(g.new_count, 0);
        // The dead receiver's late ack is refused: the record was redelivered.
        let late = l.settle(1, &[0], later, &Verdict::Ack);
        assert_eq!(late.rejected, vec![(0, Rejection::Expired)]);
        assert!(l
            .settle(2, &[0, 1, 2], later, &Verdict::Ack)
            .rejected
            .is_empty());
        let twice = l.settle(2, &[0], later, &Verdict::Ack);
        assert_eq!(twice.rejected, vec![(0, Rejection::AlreadySettled)]);
        assert_eq!(l.floor(), 3);
    }

    #[test]
    fn an_ack_after_the_deadline_is_refused_even_before_the_tick() {
        let now = Instant::now();
        let mut l = Ledger::new(0);
        receive(&mut l, 1, "a", 1, 1, now);
        let r = l.settle(1, &[0], now + VIS, &Verdict::Ack);
        assert_eq!(r.rejected, vec![(0, Rejection::Expired)]);
        let r = l.settle(1, &[0], now, &Verdict::Ack);
        assert!(r.rejected.is_empty());
    }

    #[test]
    fn always_nacked_records_are_dead_lettered_with_the_last_error() {
        let now = Instant::now();
        let mut l = Ledger::new(0);
        let error: Arc<str> = "boom".into();
        let nack = Verdict::Nack {
            delay: Duration::ZERO,
            error: Some(error.clone()),
        };
        for attempt in 1..=3u64 {
            let g = receive(&mut l, attempt, "a", 1, 1, now);
            assert!(!g.is_empty(), "attempt {attempt}");
            let s = l.settle(attempt, &[0], now, &nack);
            if attempt < 3 {
                assert!(s.dead_letters.is_empty() && s.released);
            } else {
                assert_eq!(
                    s.dead_letters,
                    vec![DeadLetter {
                        offset: 0,
                        deliveries: 3,
                        last_error: Some(error.clone()),
                        topic: "t.g.dlq".into(),
                    }]
                );
            }
        }
        // Not delivered again while it is being dead-lettered.
        assert!(receive(&mut l, 9, "a", 1, 1, now).is_empty());
        assert_eq!(l.floor(), 0);
        l.dead_lettered(0);
        assert_eq!(l.floor(), 1);
        assert_eq!(l.report(now).counters.dead_lettered, 1);
    }

    #[test]
    fn a_failed_dead_letter_copy_is_retried_not_redelivered() {
        let now = Instant::now();
        let mut l = Ledger::new(0);
        receive(&mut l, 1, "a", 1, 1, now);
        let (dead, _) = l.tick(now + VIS); // deliveries 1 < 3: released
        assert!(dead.is_empty());
        for id in 2..=3 {
            receive(&mut l, id, "a", 1, 1, now + VIS);
            l.settle(
                id,
                &[0],
                now + VIS,
                &Verdict::Nack {
                    delay: Duration::ZERO,
                    error: None,
                },
            );
        }
        l.dead_letter_failed(0, now + VIS * 2);
        assert!(l.tick(now + VIS).0.is_empty());
        assert_eq!(l.next_event(), Some(now + VIS * 2));
        let (dead, _) = l.tick(now + VIS * 2);
        assert_eq!(dead.len(), 1);
        assert!(receive(&mut l, 7, "a", 1, 1, now + VIS * 2).is_empty());
    }

    #[test]
    fn a_delayed_nack_waits_before_redelivery() {
        let now = Instant::now();
        let mut l = Ledger::new(0);
        receive(&mut l, 1, "a", 1, 1, now);
        let delay = Duration::from_secs(5);
        l.settle(1, &[0], now, &Verdict::Nack { delay, error: None });
        assert!(receive(&mut l, 2, "a", 1, 1, now).is_empty());
        assert_eq!(l.next_event(), Some(now + delay));
        assert!(l.tick(now + delay).1);
        assert_eq!(
            receive(&mut l, 3, "a", 1, 1, now + delay).redelivered,
            vec![(0, 2)]
        );
    }

    #[test]
    fn pending_records_are_capped() {
        let now = Instant::now();
        let mut l = Ledger::new(0);
        let hw = (MAX_PENDING * 2) as i64;
        let g = receive(&mut l, 1, "a", usize::MAX >> 1, hw, now);
        assert_eq!(g.new_count as u64, MAX_PENDING);
        assert!(receive(&mut l, 2, "b", 10, hw, now).is_empty());
        l.settle(1, &[0], now, &Verdict::Ack);
        assert_eq!(receive(&mut l, 3, "b", 10, hw, now).new_count, 1);
    }

    #[test]
    fn the_stored_form_brings_back_acks_and_counts_but_not_leases() {
        let now = Instant::now();
        let mut l = Ledger::new(0);
        receive(&mut l, 1, "a", 6, 10, now);
        l.settle(1, &[0, 2, 3], now, &Verdict::Ack);
        l.settle(
            1,
            &[1],
            now,
            &Verdict::Nack {
                delay: Duration::ZERO,
                error: None,
            },
        );
        receive(&mut l, 2, "a", 1, 10, now); // offset 1, second delivery
        let stored = l.snapshot();
        assert_eq!(stored.floor, 1);
        assert_eq!(stored.next, 6);
        assert_eq!(stored.counts, vec![(1, 2)]);
        let json = serde_json::to_vec(&stored).unwrap();
        let back: StoredLedger = serde_json::from_slice(&json).unwrap();
        let mut r = Ledger::restore(&back);
        assert_eq!((r.floor(), r.next()), (1, 6));
        let g = receive(&mut r, 3, "b", 10, 10, now);
        assert_eq!(g.redelivered, vec![(1, 3), (4, 2), (5, 2)]);
        assert_eq!((g.first_new, g.new_count), (6, 4));
    }

    #[test]
    fn absurd_stored_ledgers_are_bounded() {
        let stored = StoredLedger {
            floor: -5,
            next: i64::MAX,
            done: vec![(10, 5), (0, 2)],
            counts: vec![],
            counters: Counters::default(),
        };
        let l = Ledger::restore(&stored);
        assert_eq!(l.floor(), 2);
        assert_eq!(l.pending(), MAX_RESTORED);
    }

    #[test]
    fn retention_settles_what_it_removed_and_a_recreated_topic_starts_over() {
        let now = Instant::now();
        let mut l = Ledger::new(0);
        receive(&mut l, 1, "a", 5, 10, now);
        l.sync_log(3, 10);
        assert_eq!(l.floor(), 3);
        // Acks of removed records are accepted quietly.
        assert!(l
            .settle(1, &[0, 1, 2, 3, 4], now, &Verdict::Ack)
            .rejected
            .is_empty());
        assert_eq!(l.floor(), 5);
        l.sync_log(0, 2);
        assert_eq!((l.floor(), l.next()), (0, 0));
    }
}
