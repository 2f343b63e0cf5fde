//! One partition's replication as its node sees it: whether it leads or
//! follows and at which leader epoch, and, on the leader, how far each
//! follower has fetched. The high watermark and the ISR the leader wants
//! follow from these; nothing here does I/O.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What this node does for a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Leader,
    Follower {
        leader: u32,
    },
    /// Not led by anyone (or this node is not told yet): no reads, no writes.
    Offline,
}

/// A follower as its leader has seen it fetch.
#[derive(Debug, Clone, Copy)]
struct Progress {
    /// Its log end: the offset it last asked for.
    log_end: i64,
    /// Last time it had everything the leader had at its previous fetch.
    caught_up: Instant,
    previous_fetch: Instant,
    /// The leader's log end when it answered that previous fetch.
    previous_leader_end: i64,
}

#[derive(Debug, Clone)]
pub struct ReplicaState {
    pub me: u32,
    pub role: Role,
    pub epoch: i32,
    pub replicas: Vec<u32>,
    /// The controller's ISR (leader included). The HW uses only this: a
    /// replica counts after the controller has taken it in, and keeps
    /// counting until the controller has let it go.
    pub isr: Vec<u32>,
    /// A single node: no controller-managed placement, min.insync.replicas
    /// does not apply (as before replication existed).
    pub standalone: bool,
    /// The leader's own end that counts for the HW: its log end, or its
    /// fsynced end under fsync policy `always`.
    pub local_end: i64,
    /// replica.lag.time.max: how long a follower may go without catching up.
    pub max_lag: Duration,
    since: Instant,
    followers: HashMap<u32, Progress>,
}

impl ReplicaState {
    pub fn standalone(me: u32, local_end: i64) -> Self {
        ReplicaState {
            me,
            role: Role::Leader,
            epoch: 0,
            replicas: vec![me],
            isr: vec![me],
            standalone: true,
            local_end,
            max_lag: Duration::from_secs(10),
            since: Instant::now(),
            followers: HashMap::new(),
        }
    }

    /// Takes on a new role from the controller. Follower progress is kept
    /// only while this node stays leader in the same epoch.
    pub fn assign(
        &mut self,
        role: Role,
        epoch: i32,
        replicas: Vec<u32>,
        isr: Vec<u32>,
        now: Instant,
    ) {
        let same_term = self.role == Role::Leader && role == Role::Leader && self.epoch == epoch;
        if !same_term {
            self.followers.clear();
            self.since = now;
        }
        self.role = role;
        self.epoch = epoch;
        self.replicas = replicas;
        self.isr = isr;
        self.standalone = false;
    }

    /// The highest HW the leader may publish: no in-sync replica lacks a
    /// record below it. None when not leading.
    pub fn high_watermark(&self) -> Option<i64> {
        if self.role != Role::Leader {
            return None;
        }
        let mut hw = self.local_end;
        for r in self.isr.iter().filter(|r| **r != self.me) {
            // A follower not heard from in this term holds the HW where it is.
            let end = self.followers.get(r).map_or(i64::MIN, |p| p.log_end);
            hw = hw.min(end);
        }
        Some(hw)
    }

    /// A follower fetched from `offset`, so it holds everything below it.
    pub fn follower_fetched(&mut self, replica: u32, offset: i64, leader_end: i64, now: Instant) {
        let since = self.since;
        let p = self.followers.entry(replica).or_insert(Progress {
            log_end: offset,
            caught_up: since,
            previous_fetch: now,
            previous_leader_end: i64::MAX,
        });
        p.log_end = offset;
        if offset >= leader_end {
            p.caught_up = now;
        } else if offset >= p.previous_leader_end {
            p.caught_up = p.caught_up.max(p.previous_fetch);
        }
        p.previous_fetch = now;
        p.previous_leader_end = leader_end;
    }

    /// ISR members that are in sync as of now: this leader, and followers
    /// that caught up within `max_lag`. Smaller than the ISR while the
    /// controller has not yet taken a laggard out (or cannot: without a
    /// quorum it commits nothing), and what min.insync.replicas counts, so
    /// writes are refused as soon as too few replicas keep up.
    pub fn in_sync_now(&self, now: Instant) -> Vec<u32> {
        if self.standalone {
            return self.isr.clone();
        }
        self.isr
            .iter()
            .copied()
            .filter(|r| {
                *r == self.me || {
                    let caught_up = self.followers.get(r).map_or(self.since, |p| p.caught_up);
                    now.saturating_duration_since(caught_up) <= self.max_lag
                }
            })
            .collect()
    }

    /// The ISR this leader should ask the controller for: followers that
    /// have not caught up for `max_lag` leave; replicas that have reached
    /// the HW join. None when the current one is right.
    pub fn wanted_isr(&self, hw: i64, max_lag: Duration, now: Instant) -> Option<Vec<u32>> {
        if self.role != Role::Leader || self.standalone {
            return None;
        }
        let mut wanted: Vec<u32> = Vec::with_capacity(self.replicas.len());
        for r in &self.replicas {
            let keep = if *r == self.me {
                true
            } else {
                let progress = self.followers.get(r);
                let caught_up = progress.map_or(self.since, |p| p.caught_up);
                if self.isr.contains(r) {
                    now.saturating_duration_since(caught_up) <= max_lag
                } else {
                    progress.is_some_and(|p| p.log_end >= hw && p.log_end >= self.local_end.min(hw))
                        && now.saturating_duration_since(caught_up) <= max_lag
                }
            };
            if keep {
                wanted.push(*r);
            }
        }
        let mut current = self.isr.clone();
        current.sort_unstable();
        let mut sorted = wanted.clone();
        sorted.sort_unstable();
        (sorted != current).then_some(wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leader(isr: Vec<u32>, now: Instant) -> ReplicaState {
        let mut s = ReplicaState::standalone(1, 0);
        s.assign(Role::Leader, 3, vec![1, 2, 3], isr, now);
        s
    }

    #[test]
    fn the_high_watermark_is_the_lowest_end_in_the_isr() {
        let now = Instant::now();
        let mut s = leader(vec![1, 2, 3], now);
        s.local_end = 10;
        // Nobody has fetched yet: nothing is committed in this term.
        assert!(s.high_watermark().unwrap() < 0);
        s.follower_fetched(2, 10, 10, now);
        s.follower_fetched(3, 4, 10, now);
        assert_eq!(s.high_watermark(), Some(4));
        // 3 leaves the ISR: only 1 and 2 count.
        s.isr = vec![1, 2];
        assert_eq!(s.high_watermark(), Some(10));
        s.assign(
            Role::Follower { leader: 2 },
            4,
            vec![1, 2, 3],
            vec![1, 2],
            now,
        );
        assert_eq!(s.high_watermark(), None);
    }

    #[test]
    fn a_lagging_follower_leaves_and_rejoins_once_caught_up() {
        let t0 = Instant::now();
        let lag = Duration::from_secs(10);
        let mut s = leader(vec![1, 2, 3], t0);
        s.local_end = 100;
        s.follower_fetched(2, 100, 100, t0);
        // 3 never fetches: after the lag it goes, and stops counting as
        // in sync at once (before the controller has taken it out).
        assert_eq!(s.wanted_isr(100, lag, t0 + Duration::from_secs(5)), None);
        let t1 = t0 + Duration::from_secs(11);
        s.follower_fetched(2, 100, 100, t1);
        assert_eq!(s.wanted_isr(100, lag, t1), Some(vec![1, 2]));
        assert_eq!(s.in_sync_now(t1), vec![1, 2]);
        s.isr = vec![1, 2];
        // 3 fetches but is behind: it stays out.
        s.follower_fetched(3, 50, 100, t1);
        assert_eq!(s.wanted_isr(100, lag, t1), None);
        // Caught up to the HW: it is back.
        s.follower_fetched(3, 100, 100, t1);
        assert_eq!(s.wanted_isr(100, lag, t1), Some(vec![1, 2, 3]));
    }

    #[test]
    fn a_follower_behind_a_moving_end_counts_as_caught_up_when_it_reaches_the_last_end() {
        let t0 = Instant::now();
        let mut s = leader(vec![1, 2], t0);
        s.follower_fetched(2, 0, 10, t0);
        let t1 = t0 + Duration::from_secs(20);
        // It asks for 10 (what the leader had at t0) while the leader has 20.
        s.follower_fetched(2, 10, 20, t1);
        s.local_end = 20;
        assert_eq!(s.wanted_isr(10, Duration::from_secs(30), t1), None);
        // Caught up as of t1's previous fetch (t0), so 30 s after t0 it lags.
        let t2 = t0 + Duration::from_secs(31);
        assert_eq!(s.wanted_isr(10, Duration::from_secs(30), t2), Some(vec![1]));
    }
}
