//! Operator views and actions on groups: list, describe with lag, reset
//! offsets, delete.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use super::assignor::Tp;
use super::{expire, validate_group_name, Group, Groups};
use crate::error::{BrokerError, Result};
use crate::log::LogError;
use crate::meta::CommittedOffset;
use crate::topics::Topics;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    Stable,
    Rebalancing,
    Empty,
    Dead,
}

/// One line of ListGroups.
pub struct GroupListing {
    pub name: String,
    pub state: GroupState,
    pub members: usize,
    pub topics: Vec<String>,
}

pub struct MemberSummary {
    pub member_id: String,
    pub client_id: String,
    pub topics: Vec<String>,
    pub assignment: BTreeSet<Tp>,
    pub last_heartbeat_age_ms: u64,
    pub session_timeout_ms: u32,
}

pub struct PartitionLag {
    pub topic: String,
    pub partition: u32,
    pub committed: Option<CommittedOffset>,
    pub log_start: i64,
    pub high_watermark: i64,
    pub lag: i64,
    pub owner: Option<String>,
}

pub struct GroupReport {
    pub name: String,
    pub state: GroupState,
    pub generation: u32,
    pub assignor: &'static str,
    pub members: Vec<MemberSummary>,
    pub partitions: Vec<PartitionLag>,
}

impl GroupReport {
    pub fn total_lag(&self) -> i64 {
        self.partitions.iter().map(|p| p.lag).sum()
    }
}

/// Where a reset moves offsets.
#[derive(Debug, Clone, Copy)]
pub enum ResetTo {
    Earliest,
    Latest,
    Offset(i64),
    Timestamp(i64),
    ShiftBy(i64),
}

pub struct OffsetChange {
    pub topic: String,
    pub partition: u32,
    pub before: Option<i64>,
    pub after: i64,
}

impl Groups {
    /// Names, states, member counts and topics of every known group.
    pub fn list(&self) -> Result<Vec<GroupListing>> {
        let mut names: BTreeSet<String> = self.meta.groups_with_offsets()?.into_iter().collect();
        let mut live = BTreeMap::new();
        {
            let mut groups = self.groups.lock();
            for (name, group) in groups.iter_mut() {
                expire(name, group);
                let topics: BTreeSet<String> = group
                    .members
                    .values()
                    .flat_map(|m| m.topics.iter().cloned())
                    .collect();
                let state = live_state(group);
                live.insert(name.clone(), (state, group.members.len(), topics));
                names.insert(name.clone());
            }
        }
        let mut out = Vec::new();
        for name in names {
            let (state, members, mut topics) =
                live.remove(&name).unwrap_or((None, 0, BTreeSet::new()));
            let offsets = self.meta.offsets(&name)?;
            topics.extend(offsets.iter().map(|(t, _, _)| t.clone()));
            let state = state.unwrap_or(if offsets.is_empty() {
                GroupState::Dead
            } else {
                GroupState::Empty
            });
            if state == GroupState::Dead {
                continue; // a group nobody is in and nothing is stored for
            }
            out.push(GroupListing {
                name,
                state,
                members,
                topics: topics.into_iter().collect(),
            });
        }
        Ok(out)
    }

    pub fn describe(&self, topics: &Topics, name: &str) -> Result<GroupReport> {
        validate_group_name(name)?;
        let offsets = self.meta.offsets(name)?;
        let now = Instant::now();
        let (state, generation, assignor, members, owners, subscribed) = {
            let mut groups = self.groups.lock();
            match groups.get_mut(name) {
                Some(group) => {
                    expire(name, group);
                    let mut owners = BTreeMap::new();
                    let members: Vec<MemberSummary> = group
                        .members
                        .iter()
                        .map(|(id, m)| {
                            let given = group.given(id);
                            for tp in &given {
                                owners.insert(tp.clone(), id.clone());
                            }
                            MemberSummary {
                                member_id: id.clone(),
                                client_id: m.client_id.clone(),
                                topics: m.topics.iter().cloned().collect(),
                                assignment: given,
                                last_heartbeat_age_ms: now.duration_since(m.last_seen).as_millis()
                                    as u64,
                                session_timeout_ms: m.session.as_millis() as u32,
                            }
                        })
                        .collect();
                    let state = live_state(group);
                    let subscribed: BTreeSet<String> = group
                        .members
                        .values()
                        .flat_map(|m| m.topics.iter().cloned())
                        .collect();
                    (
                        state,
                        group.generation,
                        group.assignor.name(),
                        members,
                        owners,
                        subscribed,
                    )
                }
                None => (
                    None,
                    0,
                    "sticky",
                    Vec::new(),
                    BTreeMap::new(),
                    BTreeSet::new(),
                ),
            }
        };
        if state.is_none() && offsets.is_empty() {
            return Err(BrokerError::GroupNotFound(name.to_string()));
        }
        let state = state.unwrap_or(GroupState::Empty);

        // Every partition of a subscribed topic, and every committed one.
        let mut committed: BTreeMap<Tp, CommittedOffset> =
            offsets.into_iter().map(|(t, p, c)| ((t, p), c)).collect();
        let mut tps: BTreeSet<Tp> = committed.keys().cloned().collect();
        for topic in &subscribed {
            if let Ok(t) = topics.get(topic) {
                tps.extend((0..t.partition_count()).map(|p| (topic.clone(), p)));
            }
        }
        let mut partitions = Vec::new();
        for tp in tps {
            let (log_start, hw) = match topics.partition(&tp.0, tp.1) {
                Ok((_, p)) => {
                    let s = p.state();
                    (s.log_start, s.high_watermark)
                }
                // The topic was deleted after the group committed to it.
                Err(_) => (-1, -1),
            };
            let c = committed.remove(&tp);
            let from = c.as_ref().map_or(log_start, |c| c.offset);
            let lag = if hw < 0 {
                0
            } else {
                (hw - from.max(log_start)).max(0)
            };
            partitions.push(PartitionLag {
                owner: owners.get(&tp).cloned(),
                topic: tp.0,
                partition: tp.1,
                committed: c,
                log_start,
                high_watermark: hw,
                lag,
            });
        }
        Ok(GroupReport {
            name: name.to_string(),
            state,
            generation,
            assignor,
            members,
            partitions,
        })
    }

    /// Plans (and unless `dry_run`, applies) new committed offsets for
    /// `targets` (topic, and optionally partitions; empty: every partition).
    pub async fn reset_offsets(
        &self,
        topics: &Topics,
        name: &str,
        targets: &[(String, Vec<u32>)],
        to: ResetTo,
        dry_run: bool,
    ) -> Result<Vec<OffsetChange>> {
        validate_group_name(name)?;
        self.refuse_if_live(name)?;
        if targets.is_empty() {
            return Err(BrokerError::InvalidRequest(
                "name at least one topic to reset".to_string(),
            ));
        }
        let current: BTreeMap<Tp, i64> = self
            .meta
            .offsets(name)?
            .into_iter()
            .map(|(t, p, c)| ((t, p), c.offset))
            .collect();
        let mut changes = Vec::new();
        for (topic, wanted) in targets {
            let t = topics.get(topic)?;
            let count = t.partition_count();
            let list: Vec<u32> = if wanted.is_empty() {
                (0..count).collect()
            } else {
                wanted.clone()
            };
            for partition in list {
                let (_, p) = topics.partition(topic, partition)?;
                let state = p.state();
                let before = current.get(&(topic.clone(), partition)).copied();
                let after = match to {
                    ResetTo::Earliest => state.log_start,
                    ResetTo::Latest => state.high_watermark,
                    ResetTo::Offset(o) => {
                        if o < state.log_start || o > state.high_watermark {
                            return Err(LogError::OffsetOutOfRange {
                                offset: o,
                                log_start: state.log_start,
                                high_watermark: state.high_watermark,
                            }
                            .into());
                        }
                        o
                    }
                    ResetTo::Timestamp(ts) => p.offset_for_timestamp(ts)?,
                    ResetTo::ShiftBy(n) => before
                        .unwrap_or(state.log_start)
                        .saturating_add(n)
                        .clamp(state.log_start, state.high_watermark),
                };
                changes.push(OffsetChange {
                    topic: topic.clone(),
                    partition,
                    before,
                    after,
                });
            }
        }
        if !dry_run {
            let now = mq::record::now_ms();
            let records: Vec<(String, u32, CommittedOffset)> = changes
                .iter()
                .map(|c| {
                    (
                        c.topic.clone(),
                        c.partition,
                        CommittedOffset {
                            offset: c.after,
                            metadata: String::new(),
                            commit_ms: now,
                        },
                    )
                })
                .collect();
            self.meta.put_offsets(name, &records).await?;
            tracing::info!(group = name, partitions = changes.len(), "offsets reset");
        }
        Ok(changes)
    }

    pub async fn delete(&self, name: &str) -> Result<()> {
        validate_group_name(name)?;
        self.refuse_if_live(name)?;
        let known = self.groups.lock().remove(name).is_some();
        if !known && self.meta.offsets(name)?.is_empty() {
            return Err(BrokerError::GroupNotFound(name.to_string()));
        }
        self.meta.delete_offsets(name).await?;
        tracing::info!(group = name, "group deleted");
        Ok(())
    }

    fn refuse_if_live(&self, name: &str) -> Result<()> {
        let mut groups = self.groups.lock();
        if let Some(group) = groups.get_mut(name) {
            expire(name, group);
            if !group.members.is_empty() {
                return Err(BrokerError::GroupNotEmpty {
                    group: name.to_string(),
                    members: group.members.len(),
                });
            }
        }
        Ok(())
    }
}

/// The state of a group with members; `None` when it has none.
fn live_state(group: &Group) -> Option<GroupState> {
    if group.members.is_empty() {
        None
    } else if group.is_stable() {
        Some(GroupState::Stable)
    } else {
        Some(GroupState::Rebalancing)
    }
}
