//! The cluster's metadata as the controller's replicated state machine
//! holds it, and the commands that change it.
//!
//! `apply` is a pure function of the state and a command, run in log
//! order on every node, so every node that has applied the same log holds
//! the same state. Nothing here knows about Raft.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::assignment::{self, PartitionMeta, TopicMeta};
use crate::meta::CommittedOffset;
use crate::queues::ledger::StoredLedger;

/// A broker as the controller knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerRecord {
    pub node_id: u32,
    /// The address clients and peers use (`--advertise`).
    pub address: String,
    /// The mqd version it registered with.
    pub version: String,
    /// Bumped on every registration, so a restarted broker is told apart
    /// from its previous life.
    pub incarnation: u64,
    /// The process start it registered from (see `Heartbeat::boot_id`).
    pub boot_id: u64,
    /// When it last registered (controller clock, Unix ms).
    pub registered_ms: i64,
    /// Missed its session timeout, or never registered in this life: it
    /// must not lead or follow partitions until it registers again.
    pub fenced: Option<Fence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fence {
    pub at_ms: i64,
    pub reason: String,
}

/// Everything the controller replicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterState {
    /// Set once, by the first controller leader, from its node's id; every
    /// node then reports the same one.
    pub cluster_id: Option<String>,
    pub brokers: BTreeMap<u32, BrokerRecord>,
    #[serde(default)]
    pub topics: BTreeMap<String, TopicMeta>,
    /// Consumer groups' committed offsets, by group and "topic/partition",
    /// so a group resumes where it was on any node.
    #[serde(default)]
    pub offsets: BTreeMap<String, BTreeMap<String, CommittedOffset>>,
    /// Queue groups' ledgers, by group and "topic/partition", as each
    /// partition's leader last stored them: a new leader carries on from
    /// there instead of delivering acknowledged records again.
    #[serde(default)]
    pub queues: BTreeMap<String, BTreeMap<String, StoredQueueLedger>>,
    /// How often each queue group was deleted: ledgers written for an
    /// earlier generation are refused, so a node still holding the deleted
    /// group's ledgers cannot bring it back.
    #[serde(default)]
    pub queue_generations: BTreeMap<String, u64>,
}

/// A queue group's ledger of one partition, with the leader epoch of the
/// leader that wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredQueueLedger {
    pub leader_epoch: i32,
    /// Shared, so publishing the state after each applied entry does not
    /// copy every ledger.
    pub ledger: Arc<StoredLedger>,
}

/// One ledger in a `StoreQueueLedgers` command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueLedgerWrite {
    pub group: String,
    pub topic: String,
    pub partition: u32,
    /// The epoch the writer leads the partition at.
    pub leader_epoch: i32,
    /// The group's generation the writer loaded the ledger at.
    pub generation: u64,
    pub ledger: Arc<StoredLedger>,
}

/// A change to the cluster's metadata; the only way it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Names the cluster; ignored once it has a name.
    InitCluster {
        cluster_id: String,
    },
    /// A broker announces itself (first start, restart, or back after a
    /// fence).
    Register {
        node_id: u32,
        address: String,
        version: String,
        boot_id: u64,
        at_ms: i64,
    },
    /// The controller stops trusting a broker that missed its session
    /// timeout.
    Fence {
        node_id: u32,
        incarnation: u64,
        at_ms: i64,
        reason: String,
    },
    /// A topic with its replicas placed (by the node that proposed it,
    /// from the brokers alive then).
    CreateTopic {
        name: String,
        configs: BTreeMap<String, String>,
        replicas: Vec<Vec<u32>>,
        at_ms: i64,
    },
    DeleteTopic {
        name: String,
    },
    /// Replaces the topic's own config keys.
    AlterTopicConfig {
        name: String,
        configs: BTreeMap<String, String>,
    },
    /// Appends partitions with these replicas.
    AddPartitions {
        name: String,
        replicas: Vec<Vec<u32>>,
    },
    /// A partition's leader shrinks or grows its ISR; refused unless it is
    /// still the leader at that epoch.
    ChangeIsr {
        topic: String,
        partition: u32,
        leader: u32,
        leader_epoch: i32,
        isr: Vec<u32>,
    },
    /// A consumer group's commit (or offset reset), as its coordinator
    /// stored it.
    CommitOffsets {
        group: String,
        offsets: Vec<(String, u32, CommittedOffset)>,
    },
    /// A deleted group's offsets go.
    DeleteGroupOffsets {
        group: String,
    },
    /// Partition leaders store queue ledgers; each is refused unless
    /// `leader` still leads its partition at that epoch, so a deposed
    /// leader cannot overwrite what its successor has done.
    StoreQueueLedgers {
        leader: u32,
        ledgers: Vec<QueueLedgerWrite>,
    },
    /// A deleted queue group's ledgers go.
    DeleteQueueGroup {
        group: String,
    },
    /// Gives leadership to the partition's preferred replica.
    ElectPreferred {
        topic: String,
        partition: u32,
    },
    /// Moves a partition's replicas to `target`.
    Reassign {
        topic: String,
        partition: u32,
        target: Vec<u32>,
    },
}

/// The key of a partition in `ClusterState::offsets` (topic names cannot
/// hold '/').
pub fn offset_key(topic: &str, partition: u32) -> String {
    format!("{topic}/{partition}")
}

/// The topic and partition of an `offset_key`.
pub fn parse_offset_key(key: &str) -> Option<(&str, u32)> {
    let (topic, partition) = key.rsplit_once('/')?;
    Some((topic, partition.parse().ok()?))
}

/// What applying a command did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Applied {
    /// No command (Raft's own entries).
    Nothing,
    Registered {
        incarnation: u64,
    },
    Fenced,
    /// The command no longer applies (a fence for an older incarnation).
    Stale,
    /// Applied.
    Done,
    /// Refused, with why (the topic exists, is gone, the ISR change came
    /// from a deposed leader...).
    Refused(String),
    /// A command of several independent parts: for each, None when it was
    /// applied, or why it was refused.
    Each(Vec<Option<String>>),
}

impl ClusterState {
    pub fn apply(&mut self, command: Command) -> Applied {
        match command {
            Command::InitCluster { cluster_id } => {
                if self.cluster_id.is_some() {
                    return Applied::Stale;
                }
                self.cluster_id = Some(cluster_id);
                Applied::Nothing
            }
            Command::Register {
                node_id,
                address,
                version,
                boot_id,
                at_ms,
            } => {
                let incarnation = self.brokers.get(&node_id).map_or(1, |b| b.incarnation + 1);
                // A broker back from a restart may have lost its unflushed
                // tail: it leads nothing it led before without catching up.
                let others: BTreeSet<u32> = self
                    .live_brokers()
                    .map(|b| b.node_id)
                    .filter(|id| *id != node_id)
                    .collect();
                assignment::remove_broker(&mut self.topics, node_id, &others);
                self.brokers.insert(
                    node_id,
                    BrokerRecord {
                        node_id,
                        address,
                        version,
                        incarnation,
                        boot_id,
                        registered_ms: at_ms,
                        fenced: None,
                    },
                );
                assignment::revive_broker(&mut self.topics, node_id);
                Applied::Registered { incarnation }
            }
            Command::Fence {
                node_id,
                incarnation,
                at_ms,
                reason,
            } => match self.brokers.get_mut(&node_id) {
                // A fence decided against an earlier life must not fence
                // the broker that has registered since.
                Some(b) if b.incarnation == incarnation && b.fenced.is_none() => {
                    b.fenced = Some(Fence { at_ms, reason });
                    let live = self.live_ids();
                    assignment::remove_broker(&mut self.topics, node_id, &live);
                    Applied::Fenced
                }
                _ => Applied::Stale,
            },
            Command::CreateTopic {
                name,
                configs,
                replicas,
                at_ms,
            } => {
                if self.topics.contains_key(&name) {
                    return Applied::Refused(format!("topic {name:?} already exists"));
                }
                let topic = TopicMeta {
                    name: name.clone(),
                    configs,
                    created_ms: at_ms,
                    partitions: replicas.into_iter().map(PartitionMeta::new).collect(),
                };
                self.topics.insert(name, topic);
                Applied::Done
            }
            Command::DeleteTopic { name } => match self.topics.remove(&name) {
                Some(_) => {
                    let prefix = format!("{name}/");
                    for stored in self.offsets.values_mut() {
                        stored.retain(|key, _| !key.starts_with(&prefix));
                    }
                    for stored in self.queues.values_mut() {
                        stored.retain(|key, _| !key.starts_with(&prefix));
                    }
                    self.queues.retain(|_, stored| !stored.is_empty());
                    Applied::Done
                }
                None => Applied::Refused(format!("topic {name:?} does not exist")),
            },
            Command::AlterTopicConfig { name, configs } => match self.topics.get_mut(&name) {
                Some(t) => {
                    t.configs = configs;
                    Applied::Done
                }
                None => Applied::Refused(format!("topic {name:?} does not exist")),
            },
            Command::AddPartitions { name, replicas } => match self.topics.get_mut(&name) {
                Some(t) => {
                    t.partitions
                        .extend(replicas.into_iter().map(PartitionMeta::new));
                    Applied::Done
                }
                None => Applied::Refused(format!("topic {name:?} does not exist")),
            },
            Command::ChangeIsr {
                topic,
                partition,
                leader,
                leader_epoch,
                isr,
            } => {
                let live = self.live_ids();
                let Some(p) = self
                    .topics
                    .get_mut(&topic)
                    .and_then(|t| t.partitions.get_mut(partition as usize))
                else {
                    return Applied::Refused(format!("{topic}/{partition} does not exist"));
                };
                match assignment::check_isr(p, leader, leader_epoch, &isr, &live) {
                    Ok(()) => {
                        p.isr = isr;
                        p.finish_reassignment(&live);
                        Applied::Done
                    }
                    Err(why) => Applied::Refused(why),
                }
            }
            Command::CommitOffsets { group, offsets } => {
                let stored = self.offsets.entry(group).or_default();
                for (topic, partition, committed) in offsets {
                    stored.insert(offset_key(&topic, partition), committed);
                }
                Applied::Done
            }
            Command::DeleteGroupOffsets { group } => {
                self.offsets.remove(&group);
                Applied::Done
            }
            Command::StoreQueueLedgers { leader, ledgers } => {
                let results = ledgers
                    .into_iter()
                    .map(|w| self.store_queue_ledger(leader, w).err())
                    .collect();
                Applied::Each(results)
            }
            Command::DeleteQueueGroup { group } => {
                self.queues.remove(&group);
                *self.queue_generations.entry(group).or_default() += 1;
                Applied::Done
            }
            Command::ElectPreferred { topic, partition } => {
                let live = self.live_ids();
                match self.partition_mut(&topic, partition) {
                    Some(p) => match p.elect_preferred(&live) {
                        Ok(()) => Applied::Done,
                        Err(why) => Applied::Refused(why),
                    },
                    None => Applied::Refused(format!("{topic}/{partition} does not exist")),
                }
            }
            Command::Reassign {
                topic,
                partition,
                target,
            } => {
                let live = self.live_ids();
                if let Some(r) = target.iter().find(|r| !live.contains(r)) {
                    return Applied::Refused(format!("broker {r} is not alive"));
                }
                match self.partition_mut(&topic, partition) {
                    Some(p) => {
                        p.reassign(target, &live);
                        Applied::Done
                    }
                    None => Applied::Refused(format!("{topic}/{partition} does not exist")),
                }
            }
        }
    }

    fn store_queue_ledger(&mut self, leader: u32, w: QueueLedgerWrite) -> Result<(), String> {
        let Some(p) = self
            .topics
            .get(&w.topic)
            .and_then(|t| t.partitions.get(w.partition as usize))
        else {
            return Err(format!("{}/{} does not exist", w.topic, w.partition));
        };
        if p.leader != Some(leader) || p.leader_epoch != w.leader_epoch {
            return Err(format!(
                "broker {leader} no longer leads {}/{} at epoch {} (leader {:?}, epoch {})",
                w.topic, w.partition, w.leader_epoch, p.leader, p.leader_epoch
            ));
        }
        let generation = self.queue_generation(&w.group);
        if w.generation != generation {
            return Err(format!(
                "queue group {:?} was deleted since this ledger was loaded",
                w.group
            ));
        }
        self.queues.entry(w.group).or_default().insert(
            offset_key(&w.topic, w.partition),
            StoredQueueLedger {
                leader_epoch: w.leader_epoch,
                ledger: w.ledger,
            },
        );
        Ok(())
    }

    /// How often a queue group was deleted (0 for one never deleted).
    pub fn queue_generation(&self, group: &str) -> u64 {
        self.queue_generations.get(group).copied().unwrap_or(0)
    }

    fn partition_mut(&mut self, topic: &str, partition: u32) -> Option<&mut PartitionMeta> {
        self.topics
            .get_mut(topic)
            .and_then(|t| t.partitions.get_mut(partition as usize))
    }

    fn live_ids(&self) -> BTreeSet<u32> {
        self.live_brokers().map(|b| b.node_id).collect()
    }

    /// Brokers that are registered and not fenced.
    pub fn live_brokers(&self) -> impl Iterator<Item = &BrokerRecord> {
        self.brokers.values().filter(|b| b.fenced.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(state: &mut ClusterState, id: u32, at_ms: i64) -> Applied {
        state.apply(Command::Register {
            node_id: id,
            address: format!("127.0.0.1:{id}"),
            version: "1".into(),
            boot_id: 1,
            at_ms,
        })
    }

    #[test]
    fn a_fence_applies_only_to_the_life_it_was_decided_for() {
        let mut state = ClusterState::default();
        assert_eq!(
            register(&mut state, 2, 10),
            Applied::Registered { incarnation: 1 }
        );
        let fence = |incarnation| Command::Fence {
            node_id: 2,
            incarnation,
            at_ms: 20,
            reason: "missed heartbeats".into(),
        };
        assert_eq!(state.apply(fence(1)), Applied::Fenced);
        assert_eq!(state.live_brokers().count(), 0);
        // Fencing twice changes nothing.
        assert_eq!(state.apply(fence(1)), Applied::Stale);
        // Back again: a new life, unfenced.
        assert_eq!(
            register(&mut state, 2, 30),
            Applied::Registered { incarnation: 2 }
        );
        assert_eq!(state.live_brokers().count(), 1);
        // A late fence for the old life leaves the new one alone.
        assert_eq!(state.apply(fence(1)), Applied::Stale);
        assert!(state.brokers[&2].fenced.is_none());
        // Unknown brokers cannot be fenced.
        assert_eq!(
            state.apply(Command::Fence {
                node_id: 9,
                incarnation: 1,
                at_ms: 1,
                reason: String::new()
            }),
            Applied::Stale
        );
    }

    #[test]
    fn group_offsets_follow_commits_topic_deletes_and_group_deletes() {
        let mut state = ClusterState::default();
        let committed = |offset| CommittedOffset {
            offset,
            metadata: String::new(),
            commit_ms: offset,
        };
        for (topic, offset) in [("a", 5), ("b", 7), ("a", 9)] {
            state.apply(Command::CommitOffsets {
                group: "g".into(),
                offsets: vec![(topic.into(), 0, committed(offset))],
            });
        }
        let g = &state.offsets["g"];
        assert_eq!((g["a/0"].offset, g["b/0"].offset), (9, 7));
        assert_eq!(parse_offset_key("a.b-c/12"), Some(("a.b-c", 12)));
        state.apply(Command::CreateTopic {
            name: "a".into(),
            configs: BTreeMap::new(),
            replicas: vec![vec![1]],
            at_ms: 0,
        });
        state.apply(Command::DeleteTopic { name: "a".into() });
        assert_eq!(state.offsets["g"].keys().collect::<Vec<_>>(), vec!["b/0"]);
        state.apply(Command::DeleteGroupOffsets { group: "g".into() });
        assert!(state.offsets.is_empty());
    }

    #[test]
    fn queue_ledgers_are_stored_only_by_the_current_leader() {
        let mut state = ClusterState::default();
        register(&mut state, 1, 1);
        register(&mut state, 2, 1);
        state.apply(Command::CreateTopic {
            name: "q".into(),
            configs: BTreeMap::new(),
            replicas: vec![vec![1, 2]],
            at_ms: 0,
        });
        let write = |epoch, next| QueueLedgerWrite {
            group: "g".into(),
            topic: "q".into(),
            partition: 0,
            leader_epoch: epoch,
            generation: 0,
            ledger: Arc::new(StoredLedger {
                next,
                ..StoredLedger::default()
            }),
        };
        let store = |state: &mut ClusterState, leader, ledgers| {
            state.apply(Command::StoreQueueLedgers { leader, ledgers })
        };
        assert_eq!(
            store(&mut state, 1, vec![write(0, 5)]),
            Applied::Each(vec![None])
        );
        // Node 1 is fenced: node 2 leads at epoch 1 and carries on from 5.
        let incarnation = state.brokers[&1].incarnation;
        state.apply(Command::Fence {
            node_id: 1,
            incarnation,
            at_ms: 2,
            reason: "test".into(),
        });
        assert_eq!(state.queues["g"]["q/0"].ledger.next, 5);
        // The deposed leader's late write is refused; the new one's lands.
        let Applied::Each(results) = store(&mut state, 1, vec![write(0, 9)]) else {
            panic!("expected per-ledger results");
        };
        assert!(results[0]
            .as_deref()
            .is_some_and(|why| why.contains("no longer leads")));
        assert_eq!(
            store(&mut state, 2, vec![write(1, 7), write(1, 8)]),
            Applied::Each(vec![None, None])
        );
        assert_eq!(state.queues["g"]["q/0"].ledger.next, 8);
        // Unknown partitions are refused, deleting the topic or the group
        // removes what was stored.
        let mut other = write(1, 1);
        other.partition = 3;
        assert!(matches!(&store(&mut state, 2, vec![other]), Applied::Each(r) if r[0].is_some()));
        state.apply(Command::DeleteTopic { name: "q".into() });
        assert!(state.queues.is_empty());
        state.apply(Command::CreateTopic {
            name: "q".into(),
            configs: BTreeMap::new(),
            replicas: vec![vec![2]],
            at_ms: 0,
        });
        store(&mut state, 2, vec![write(0, 3)]);
        state.apply(Command::DeleteQueueGroup { group: "g".into() });
        assert!(state.queues.is_empty());
        // A node still holding the deleted group's ledger cannot bring it
        // back; one that loaded it afresh can.
        assert!(
            matches!(&store(&mut state, 2, vec![write(0, 4)]), Applied::Each(r) if r[0].is_some())
        );
        let mut fresh = write(0, 1);
        fresh.generation = 1;
        assert_eq!(store(&mut state, 2, vec![fresh]), Applied::Each(vec![None]));
    }

    #[test]
    fn the_cluster_is_named_once() {
        let mut state = ClusterState::default();
        let name = |id: &str| Command::InitCluster {
            cluster_id: id.into(),
        };
        assert_eq!(state.apply(name("a")), Applied::Nothing);
        assert_eq!(state.apply(name("b")), Applied::Stale);
        assert_eq!(state.cluster_id.as_deref(), Some("a"));
    }

    #[test]
    fn the_same_log_gives_the_same_state() {
        let log = [
            Command::Register {
                node_id: 1,
                address: "a:1".into(),
                version: "1".into(),
                boot_id: 1,
                at_ms: 1,
            },
            Command::Register {
                node_id: 2,
                address: "b:1".into(),
                version: "1".into(),
                boot_id: 1,
                at_ms: 2,
            },
            Command::Fence {
                node_id: 1,
                incarnation: 1,
                at_ms: 3,
                reason: "x".into(),
            },
        ];
        let mut a = ClusterState::default();
        let mut b = ClusterState::default();
        for c in log.clone() {
            a.apply(c);
        }
        // Through a snapshot in the middle, as a restarted node would.
        for c in log[..2].iter().cloned() {
            b.apply(c);
        }
        let mut b: ClusterState = serde_json::from_slice(&serde_json::to_vec(&b).unwrap()).unwrap();
        b.apply(log[2].clone());
        assert_eq!(a, b);
    }
}
