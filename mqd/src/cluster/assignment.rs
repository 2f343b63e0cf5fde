//! Topics as the controller holds them: where each partition's replicas
//! are, which lead, which are in sync; and the rules that change that when
//! brokers come and go (leader election from the ISR, epoch bumps).
//!
//! Pure functions of the state, run inside `ClusterState::apply`, so every
//! node elects the same leaders from the same log.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Topic config key that allows electing a leader outside the ISR (and
/// losing what only the ISR had) rather than leaving a partition offline.
pub const UNCLEAN_ELECTION_KEY: &str = "unclean.leader.election.enable";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicMeta {
    pub name: String,
    /// Only the keys set for this topic; defaults are each node's own.
    pub configs: BTreeMap<String, String>,
    pub created_ms: i64,
    pub partitions: Vec<PartitionMeta>,
}

impl TopicMeta {
    pub fn replication_factor(&self) -> u32 {
        self.partitions
            .first()
            .map_or(0, |p| p.replicas.len() as u32)
    }

    fn unclean_election(&self) -> bool {
        self.configs
            .get(UNCLEAN_ELECTION_KEY)
            .is_some_and(|v| v == "true")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionMeta {
    /// Preferred leader first.
    pub replicas: Vec<u32>,
    /// None: no eligible replica is alive (the partition is offline).
    pub leader: Option<u32>,
    /// Bumped at every leader change; replicas refuse older epochs.
    pub leader_epoch: i32,
    /// In-sync replicas, leader included. Kept (with the last leader) when
    /// the partition goes offline, so that broker can lead again cleanly.
    pub isr: Vec<u32>,
    /// A reassignment under way: the replicas it moves to. Until they are
    /// all in sync, `replicas` holds the old ones and these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Vec<u32>>,
}

impl PartitionMeta {
    pub fn new(replicas: Vec<u32>) -> Self {
        PartitionMeta {
            leader: replicas.first().copied(),
            isr: replicas.clone(),
            replicas,
            leader_epoch: 0,
            target: None,
        }
    }

    /// Starts moving to `target`: its new members join the replica list
    /// (and so start copying); see [`finish_reassignment`](Self::finish_reassignment).
    pub fn reassign(&mut self, target: Vec<u32>, live: &BTreeSet<u32>) {
        // A reassignment replacing one under way keeps what is copying.
        let mut replicas = self.replicas.clone();
        for r in &target {
            if !replicas.contains(r) {
                replicas.push(*r);
            }
        }
        self.replicas = replicas;
        self.target = Some(target);
        self.finish_reassignment(live);
    }

    /// Completes a reassignment once every target replica is in sync: the
    /// old replicas are dropped, and a leader that is not among the targets
    /// hands over to one that is (a new epoch).
    pub fn finish_reassignment(&mut self, live: &BTreeSet<u32>) {
        let Some(target) = &self.target else {
            return;
        };
        if !target.iter().all(|r| self.isr.contains(r)) {
            return;
        }
        let target = target.clone();
        self.isr.retain(|r| target.contains(r));
        if self.leader.is_none_or(|l| !target.contains(&l)) {
            self.leader = target
                .iter()
                .copied()
                .find(|r| self.isr.contains(r) && live.contains(r));
            self.leader_epoch += 1;
        }
        self.replicas = target;
        self.target = None;
    }

    /// Hands leadership to the preferred replica if it is alive, in sync
    /// and not leading already; otherwise says why not.
    pub fn elect_preferred(&mut self, live: &BTreeSet<u32>) -> Result<(), String> {
        let Some(preferred) = self.replicas.first().copied() else {
            return Err("the partition has no replicas".into());
        };
        if self.leader == Some(preferred) {
            return Err(format!("node {preferred} leads already"));
        }
        if !live.contains(&preferred) {
            return Err(format!("preferred replica {preferred} is down"));
        }
        if !self.isr.contains(&preferred) {
            return Err(format!("preferred replica {preferred} is not in sync yet"));
        }
        self.leader = Some(preferred);
        self.leader_epoch += 1;
        Ok(())
    }
}

/// Spreads `partitions` × `replication_factor` replicas over `brokers`
/// round-robin, starting each partition one broker further, so replicas
/// and preferred leaders are even. `start` rotates the whole layout (topics
/// created one after another do not all start on the lowest id).
pub fn spread(
    brokers: &[u32],
    partitions: u32,
    replication_factor: u32,
    start: usize,
) -> Vec<Vec<u32>> {
    let n = brokers.len().max(1);
    (0..partitions as usize)
        .map(|p| {
            (0..replication_factor as usize)
                .filter_map(|r| brokers.get((start + p + r) % n).copied())
                .collect()
        })
        .collect()
}

/// A broker is gone (fenced, or restarted and so not trusted to hold what
/// it had): it leaves every ISR it was in, and partitions it led get a new
/// leader from the rest of the ISR (or, where the topic allows it, any live
/// replica). With nobody eligible the partition goes offline, keeping this
/// broker as the last in-sync replica. Returns how many leaders moved.
pub fn remove_broker(
    topics: &mut BTreeMap<String, TopicMeta>,
    gone: u32,
    live: &BTreeSet<u32>,
) -> usize {
    let mut moved = 0;
    for topic in topics.values_mut() {
        let unclean = topic.unclean_election();
        for p in &mut topic.partitions {
            if !p.replicas.contains(&gone) {
                continue;
            }
            if p.leader == Some(gone) {
                let from_isr = p
                    .replicas
                    .iter()
                    .copied()
                    .find(|r| *r != gone && p.isr.contains(r) && live.contains(r));
                let unclean_pick = || {
                    p.replicas
                        .iter()
                        .copied()
                        .find(|r| *r != gone && live.contains(r))
                };
                let leader = from_isr.or_else(|| if unclean { unclean_pick() } else { None });
                p.leader_epoch += 1;
                match leader {
                    Some(l) => {
                        if from_isr.is_none() {
                            p.isr = vec![l];
                        } else {
                            p.isr.retain(|r| *r != gone);
                        }
                        p.leader = Some(l);
                        moved += 1;
                    }
                    None => p.leader = None,
                }
            } else if p.isr.len() > 1 && p.isr.contains(&gone) {
                p.isr.retain(|r| *r != gone);
            }
        }
    }
    moved
}

/// A broker is back: offline partitions it can lead get it as leader (it
/// was their last in-sync replica, or the topic allows unclean election).
pub fn revive_broker(topics: &mut BTreeMap<String, TopicMeta>, back: u32) {
    for topic in topics.values_mut() {
        let unclean = topic.unclean_election();
        for p in &mut topic.partitions {
            if p.leader.is_some() || !p.replicas.contains(&back) {
                continue;
            }
            // Its last in-sync replica, or (where allowed) any replica.
            if !p.isr.contains(&back) && !unclean {
                continue;
            }
            p.isr = vec![back];
            p.leader = Some(back);
            p.leader_epoch += 1;
        }
    }
}

/// Why a partition's leader may not set the ISR it asked for.
pub fn check_isr(
    p: &PartitionMeta,
    leader: u32,
    leader_epoch: i32,
    isr: &[u32],
    live: &BTreeSet<u32>,
) -> Result<(), String> {
    if p.leader != Some(leader) || p.leader_epoch != leader_epoch {
        return Err(format!(
            "node {leader} at epoch {leader_epoch} is not the leader (the leader is {:?} at epoch {})",
            p.leader, p.leader_epoch
        ));
    }
    if !isr.contains(&leader) {
        return Err("an ISR must hold its leader".into());
    }
    if let Some(r) = isr.iter().find(|r| !p.replicas.contains(r)) {
        return Err(format!("node {r} is not a replica"));
    }
    if let Some(r) = isr.iter().find(|r| !p.isr.contains(r) && !live.contains(r)) {
        return Err(format!("node {r} is fenced and cannot join the ISR"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(replicas: Vec<Vec<u32>>, unclean: bool) -> BTreeMap<String, TopicMeta> {
        let mut configs = BTreeMap::new();
        if unclean {
            configs.insert(UNCLEAN_ELECTION_KEY.to_string(), "true".to_string());
        }
        let t = TopicMeta {
            name: "t".into(),
            configs,
            created_ms: 0,
            partitions: replicas.into_iter().map(PartitionMeta::new).collect(),
        };
        [("t".to_string(), t)].into()
    }

    #[test]
    fn replicas_and_leaders_spread_evenly() {
        let layout = spread(&[1, 2, 3], 6, 2, 0);
        assert_eq!(layout[0], vec![1, 2]);
        assert_eq!(layout[1], vec![2, 3]);
        assert_eq!(layout[2], vec![3, 1]);
        for b in [1, 2, 3] {
            let leads = layout.iter().filter(|r| r[0] == b).count();
            let holds = layout.iter().filter(|r| r.contains(&b)).count();
            assert_eq!((leads, holds), (2, 4), "broker {b}");
        }
        assert_eq!(spread(&[1, 2, 3], 1, 3, 1)[0], vec![2, 3, 1]);
    }

    #[test]
    fn a_fenced_leader_is_replaced_from_the_isr_with_a_new_epoch() {
        let mut t = topic(vec![vec![1, 2, 3]], false);
        let live: BTreeSet<u32> = [2, 3].into();
        assert_eq!(remove_broker(&mut t, 1, &live), 1);
        let p = &t["t"].partitions[0];
        assert_eq!(
            (p.leader, p.leader_epoch, p.isr.clone()),
            (Some(2), 1, vec![2, 3])
        );
        // Its follower 3 goes too: 2 stays leader, alone in sync.
        remove_broker(&mut t, 3, &[2].into());
        let p = &t["t"].partitions[0];
        assert_eq!(
            (p.leader, p.leader_epoch, p.isr.clone()),
            (Some(2), 1, vec![2])
        );
        // Then the leader: nobody in sync is left, so the partition is
        // offline and 2 stays the last in-sync replica.
        remove_broker(&mut t, 2, &[1, 3].into());
        let p = &t["t"].partitions[0];
        assert_eq!(
            (p.leader, p.leader_epoch, p.isr.clone()),
            (None, 2, vec![2])
        );
        // 1 and 3 coming back do not lead (they may lack records)...
        revive_broker(&mut t, 1);
        assert_eq!(t["t"].partitions[0].leader, None);
        // ...2 does.
        revive_broker(&mut t, 2);
        let p = &t["t"].partitions[0];
        assert_eq!((p.leader, p.leader_epoch), (Some(2), 3));
    }

    #[test]
    fn unclean_election_picks_a_live_replica_outside_the_isr() {
        let mut t = topic(vec![vec![1, 2]], true);
        t.get_mut("t").unwrap().partitions[0].isr = vec![1];
        remove_broker(&mut t, 1, &[2].into());
        let p = &t["t"].partitions[0];
        assert_eq!((p.leader, p.isr.clone()), (Some(2), vec![2]));
    }

    #[test]
    fn a_reassignment_adds_the_new_replicas_first_and_drops_the_old_once_they_are_in_sync() {
        let live: BTreeSet<u32> = [1, 2, 3].into();
        let mut p = PartitionMeta::new(vec![1, 2]);
        p.reassign(vec![2, 3], &live);
        assert_eq!(
            (p.replicas.clone(), p.leader, p.leader_epoch),
            (vec![1, 2, 3], Some(1), 0)
        );
        // 3 caught up: the move completes, and 1 hands over to 2.
        p.isr = vec![1, 2, 3];
        p.finish_reassignment(&live);
        assert_eq!(p.replicas, vec![2, 3]);
        assert_eq!(p.isr, vec![2, 3]);
        assert_eq!(
            (p.leader, p.leader_epoch, p.target.clone()),
            (Some(2), 1, None)
        );
        // The preferred leader is 2 already; 3 is not preferred.
        assert!(p.elect_preferred(&live).is_err());
        p.leader = Some(3);
        assert!(p.elect_preferred(&live).is_ok());
        assert_eq!((p.leader, p.leader_epoch), (Some(2), 2));
    }

    #[test]
    fn only_the_current_leader_may_change_the_isr() {
        let p = PartitionMeta::new(vec![1, 2, 3]);
        let live: BTreeSet<u32> = [1, 2, 3].into();
        assert!(check_isr(&p, 1, 0, &[1, 2], &live).is_ok());
        assert!(check_isr(&p, 2, 0, &[2], &live).is_err());
        assert!(check_isr(&p, 1, 1, &[1], &live).is_err());
        assert!(check_isr(&p, 1, 0, &[2], &live).is_err());
        assert!(check_isr(&p, 1, 0, &[1, 4], &live).is_err());
        let mut shrunk = p.clone();
        shrunk.isr = vec![1];
        assert!(check_isr(&shrunk, 1, 0, &[1, 3], &[1, 2].into()).is_err());
    }
}
