//! Consumer groups: membership, server-side assignment and commit fencing.
//!
//! Membership lives in memory: members heartbeat, and after a restart they
//! find themselves unknown and join again. Committed offsets live in the
//! metadata store (see `meta`), so they outlast both members and restarts.
//!
//! The broker computes a target assignment whenever the members or their
//! topics change (bumping the generation). A member is told the part of its
//! target that no other member still owns: a partition moving from A to B
//! reaches B only after A's heartbeat shows it let go, so two members never
//! read one partition at once. Members that miss their session timeout are
//! removed the next time anyone touches the group, which members do with
//! every heartbeat, so no timer task is needed.

pub mod admin;
pub mod assignor;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::Notify;

use self::assignor::{Assignment, Assignor, Tp};
use crate::error::{BrokerError, Result};
use crate::meta::{CommittedOffset, Meta};
use crate::topics::Topics;

pub const DEFAULT_SESSION_MS: u32 = 10_000;
pub const MIN_SESSION_MS: u32 = 1_000;
pub const MAX_SESSION_MS: u32 = 300_000;

/// What a member needs to know after joining or heartbeating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberView {
    pub member_id: String,
    pub generation: u32,
    pub assignment: BTreeSet<Tp>,
    pub heartbeat_interval_ms: u32,
    /// Numbers the answers to this member.
    pub assignment_seq: u64,
}

pub(crate) struct Member {
    pub(crate) client_id: String,
    pub(crate) topics: BTreeSet<String>,
    pub(crate) session: Duration,
    pub(crate) heartbeat_interval_ms: u32,
    pub(crate) last_seen: Instant,
    /// What the member said it reads, at its last heartbeat.
    pub(crate) owned: BTreeSet<Tp>,
    /// Sequence number of the heartbeat `owned` came from.
    pub(crate) last_seq: u64,
    /// Answers sent to the member so far.
    pub(crate) answers: u64,
    /// Partitions given in answers, with the number of the first answer of
    /// the current run that gave them.
    pub(crate) answered: BTreeMap<Tp, u64>,
}

pub(crate) struct Group {
    pub(crate) assignor: Assignor,
    pub(crate) generation: u32,
    pub(crate) members: BTreeMap<String, Member>,
    pub(crate) target: Assignment,
    /// Partition counts the target was computed for.
    pub(crate) sizes: BTreeMap<String, u32>,
    /// Bumped, and waiters woken, whenever what a member may own could have
    /// changed: the target, or what some member reports it owns.
    pub(crate) version: u64,
    pub(crate) changes: Arc<Notify>,
}

impl Group {
    fn changed(&mut self) {
        self.version += 1;
        self.changes.notify_waiters();
    }

    /// The part of `member`'s target that no other member still owns.
    pub(crate) fn given(&self, member: &str) -> BTreeSet<Tp> {
        let Some(target) = self.target.get(member) else {
            return BTreeSet::new();
        };
        target
            .iter()
            .filter(|tp| {
                !self
                    .members
                    .iter()
                    .any(|(id, m)| id != member && m.owned.contains(*tp))
            })
            .cloned()
            .collect()
    }

    /// Every member owns exactly what it is given.
    pub(crate) fn is_stable(&self) -> bool {
        self.members.iter().all(|(id, m)| {
            let given = self.given(id);
            m.owned == given && self.target.get(id) == Some(&given)
        })
    }

    /// The answer to `member`: what it may own now. From here on the
    /// broker counts those partitions as owned by it (the member may start
    /// reading them before its next heartbeat says so), until a heartbeat
    /// reports otherwise.
    fn view(&mut self, member: &str) -> MemberView {
        let given = self.given(member);
        let mut heartbeat_interval_ms = 0;
        let mut assignment_seq = 0;
        if let Some(m) = self.members.get_mut(member) {
            m.owned.extend(given.iter().cloned());
            m.answers += 1;
            assignment_seq = m.answers;
            m.answered.retain(|tp, _| given.contains(tp));
            for tp in &given {
                m.answered.entry(tp.clone()).or_insert(assignment_seq);
            }
            heartbeat_interval_ms = m.heartbeat_interval_ms;
        }
        MemberView {
            member_id: member.to_string(),
            generation: self.generation,
            assignment: given,
            heartbeat_interval_ms,
            assignment_seq,
        }
    }
}

/// Every group of this broker.
pub struct Groups {
    pub(crate) groups: Mutex<HashMap<String, Group>>,
    pub(crate) meta: Meta,
    next_member: AtomicU64,
}

/// One heartbeat, as the member sent it.
pub struct Beat<'a> {
    pub group: &'a str,
    pub member: &'a str,
    /// What the member reads now.
    pub owned: BTreeSet<Tp>,
    /// Increases with each heartbeat; 0 = unordered.
    pub seq: u64,
    /// The last answer `owned` reflects.
    pub applied_assignment_seq: u64,
    /// How long to hold an answer that would tell the member nothing new.
    pub max_wait: Duration,
}

/// Parameters of a join.
pub struct JoinRequest<'a> {
    pub group: &'a str,
    pub topics: &'a [String],
    pub session_timeout_ms: u32,
    pub heartbeat_interval_ms: u32,
    pub assignor: &'a str,
    pub client_id: &'a str,
}

impl Groups {
    pub fn new(meta: Meta) -> Groups {
        Groups {
            groups: Mutex::new(HashMap::new()),
            meta,
            next_member: AtomicU64::new(1),
        }
    }

    pub fn join(&self, topics: &Topics, r: JoinRequest<'_>) -> Result<MemberView> {
        validate_group_name(r.group)?;
        if r.topics.is_empty() {
            return Err(BrokerError::InvalidRequest(
                "a member must subscribe to at least one topic".to_string(),
            ));
        }
        let subscribed: BTreeSet<String> = r.topics.iter().cloned().collect();
        for topic in &subscribed {
            topics.get(topic)?;
        }
        let session_ms = if r.session_timeout_ms == 0 {
            DEFAULT_SESSION_MS
        } else {
            r.session_timeout_ms
        };
        if !(MIN_SESSION_MS..=MAX_SESSION_MS).contains(&session_ms) {
            return Err(BrokerError::InvalidRequest(format!(
                "session timeout {session_ms} ms is outside {MIN_SESSION_MS}..={MAX_SESSION_MS} ms"
            )));
        }
        let heartbeat_ms = if r.heartbeat_interval_ms == 0 {
            session_ms / 3
        } else {
            r.heartbeat_interval_ms
        };
        if heartbeat_ms >= session_ms {
            return Err(BrokerError::InvalidRequest(format!(
                "heartbeat interval {heartbeat_ms} ms must be below the session timeout {session_ms} ms (a third of it is usual)"
            )));
        }
        let assignor = Assignor::parse(r.assignor).ok_or_else(|| {
            BrokerError::InvalidRequest(format!(
                "assignor {:?} is not one of sticky, range, roundrobin",
                r.assignor
            ))
        })?;
        let n = self.next_member.fetch_add(1, Ordering::Relaxed);
        let prefix = if r.client_id.is_empty() {
            "member"
        } else {
            r.client_id
        };
        let member_id = format!("{prefix}-{n}-{:08x}", rand_suffix());

        let mut groups = self.groups.lock();
        let group = groups.entry(r.group.to_string()).or_insert_with(|| Group {
            assignor,
            generation: 0,
            members: BTreeMap::new(),
            target: Assignment::new(),
            sizes: BTreeMap::new(),
            version: 0,
            changes: Arc::new(Notify::new()),
        });
        expire(r.group, group);
        if group.members.is_empty() {
            group.assignor = assignor;
        }
        group.members.insert(
            member_id.clone(),
            Member {
                client_id: r.client_id.to_string(),
                topics: subscribed,
                session: Duration::from_millis(session_ms as u64),
                heartbeat_interval_ms: heartbeat_ms,
                last_seen: Instant::now(),
                owned: BTreeSet::new(),
                last_seq: 0,
                answers: 0,
                answered: BTreeMap::new(),
            },
        );
        tracing::info!(group = r.group, member = %member_id, "member joined");
        rebalance(group, topics, true);
        Ok(group.view(&member_id))
    }

    /// Records a member's heartbeat and answers with what it may own. With
    /// `max_wait`, an answer that would tell the member nothing new waits
    /// (up to `max_wait`) for the group to change, so members learn of a
    /// rebalance at once instead of at their next heartbeat.
    pub async fn heartbeat(&self, topics: &Topics, beat: Beat<'_>) -> Result<MemberView> {
        let Beat {
            group: group_name,
            member,
            owned,
            seq,
            applied_assignment_seq,
            max_wait,
        } = beat;
        let (view, changes, version, wait) = {
            let mut groups = self.groups.lock();
            let group = live_group(&mut groups, group_name, member)?;
            let mut owned_changed = false;
            let mut session = Duration::ZERO;
            if let Some(m) = group.members.get_mut(member) {
                m.last_seen = Instant::now();
                session = m.session;
                let stale = seq != 0 && seq <= m.last_seq;
                if stale {
                    // Overtaken by a later heartbeat: its report stands.
                    return Ok(group.view(member));
                }
                m.last_seq = seq;
                // Partitions from answers the member had not applied when
                // it sent this stay owned: it may be taking them up now.
                let mut now_owned = owned.clone();
                now_owned.extend(
                    m.answered
                        .iter()
                        .filter(|(_, at)| **at > applied_assignment_seq)
                        .map(|(tp, _)| tp.clone()),
                );
                if m.owned != now_owned {
                    m.owned = now_owned;
                    owned_changed = true;
                }
            }
            if owned_changed {
                group.changed();
            }
            // Topics may have grown, or been deleted, since the last change.
            rebalance(group, topics, false);
            let view = group.view(member);
            // Never wait so long that the session would lapse meanwhile.
            let wait = max_wait.min(session / 2);
            (view, group.changes.clone(), group.version, wait)
        };
        if wait.is_zero() || view.assignment != owned {
            return Ok(view);
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = changes.notified();
            let current = self.groups.lock().get(group_name).map(|g| g.version);
            if current != Some(version) {
                break;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                break;
            }
        }
        let mut groups = self.groups.lock();
        let group = live_group(&mut groups, group_name, member)?;
        if let Some(m) = group.members.get_mut(member) {
            m.last_seen = Instant::now();
        }
        Ok(group.view(member))
    }

    /// Whether `name` is in use as a consumer group: it has members or
    /// committed offsets.
    pub fn is_consumer_group(&self, name: &str) -> Result<bool> {
        let live = self
            .groups
            .lock()
            .get(name)
            .is_some_and(|g| !g.members.is_empty());
        Ok(live || !self.meta.offsets(name)?.is_empty())
    }

    pub fn leave(&self, topics: &Topics, group_name: &str, member: &str) -> Result<()> {
        let mut groups = self.groups.lock();
        let group = live_group(&mut groups, group_name, member)?;
        group.members.remove(member);
        tracing::info!(group = group_name, member, "member left");
        rebalance(group, topics, true);
        Ok(())
    }

    /// Checks that `member` may read or commit `topic`/`partition`: it is
    /// live and the partition is given to it (or it still owns it while
    /// handing it over, so it can commit before letting go).
    pub fn check_owner(
        &self,
        group_name: &str,
        member: &str,
        topic: &str,
        partition: u32,
    ) -> Result<()> {
        let mut groups = self.groups.lock();
        let group = live_group(&mut groups, group_name, member)?;
        let tp = (topic.to_string(), partition);
        let owns = group
            .members
            .get(member)
            .is_some_and(|m| m.owned.contains(&tp));
        if owns || group.given(member).contains(&tp) {
            return Ok(());
        }
        Err(BrokerError::NotAssigned {
            group: group_name.to_string(),
            member: member.to_string(),
            topic: topic.to_string(),
            partition,
        })
    }

    pub async fn commit(
        &self,
        topics: &Topics,
        group: &str,
        member: &str,
        offsets: Vec<(String, u32, i64, String)>,
    ) -> Result<Vec<(String, u32, CommittedOffset)>> {
        if offsets.is_empty() {
            return Ok(Vec::new());
        }
        let now = mq::record::now_ms();
        let mut records = Vec::with_capacity(offsets.len());
        for (topic, partition, offset, metadata) in offsets {
            self.check_owner(group, member, &topic, partition)?;
            // The log end bounds a commit where this node leads the
            // partition; a follower's (or absent) replica may lag the
            // leader the member read from.
            let t = topics.get(&topic)?;
            if partition >= t.partition_count() {
                return Err(BrokerError::PartitionNotFound {
                    topic,
                    partition,
                    count: t.partition_count(),
                });
            }
            let log_end = t
                .local_partition(partition)
                .filter(|p| p.role() == crate::replication::state::Role::Leader)
                .map(|p| p.state().log_end);
            if offset < 0 || log_end.is_some_and(|end| offset > end) {
                return Err(BrokerError::InvalidRequest(format!(
                    "commit of offset {offset} for {topic}/{partition} is outside [0, {}] (the log end)",
                    log_end.unwrap_or(0)
                )));
            }
            records.push((
                topic,
                partition,
                CommittedOffset {
                    offset,
                    metadata,
                    commit_ms: now,
                },
            ));
        }
        self.meta.put_offsets(group, &records).await?;
        Ok(records)
    }

    /// Whether a member of `group` is live on this node (its coordinator).
    pub fn has_live_members(&self, group: &str) -> bool {
        self.groups
            .lock()
            .get(group)
            .is_some_and(|g| !g.members.is_empty())
    }

    /// Committed offsets of `group`, all of them or those of `wanted`.
    pub fn fetch_offsets(
        &self,
        group: &str,
        wanted: &[Tp],
    ) -> Result<Vec<(String, u32, Option<CommittedOffset>)>> {
        validate_group_name(group)?;
        let stored = self.meta.offsets(group)?;
        if wanted.is_empty() {
            return Ok(stored
                .into_iter()
                .map(|(t, p, c)| (t, p, Some(c)))
                .collect());
        }
        let by_tp: HashMap<(String, u32), CommittedOffset> =
            stored.into_iter().map(|(t, p, c)| ((t, p), c)).collect();
        Ok(wanted
            .iter()
            .map(|tp| (tp.0.clone(), tp.1, by_tp.get(tp).cloned()))
            .collect())
    }
}

/// The group of a live member, after removing expired members.
fn live_group<'a>(
    groups: &'a mut HashMap<String, Group>,
    group_name: &str,
    member: &str,
) -> Result<&'a mut Group> {
    let unknown = || BrokerError::UnknownMember {
        group: group_name.to_string(),
        member: member.to_string(),
    };
    let group = groups.get_mut(group_name).ok_or_else(unknown)?;
    expire(group_name, group);
    if !group.members.contains_key(member) {
        return Err(unknown());
    }
    Ok(group)
}

/// Removes members whose session ran out and gives their partitions to the
/// others (from the partition counts already known); true when any was
/// removed. Every path that looks at a group calls this first.
pub(crate) fn expire(group_name: &str, group: &mut Group) -> bool {
    let now = Instant::now();
    let before = group.members.len();
    group.members.retain(|id, m| {
        let alive = now.duration_since(m.last_seen) <= m.session;
        if !alive {
            tracing::info!(group = group_name, member = %id, session_ms = m.session.as_millis() as u64, "member removed: no heartbeat within its session timeout");
        }
        alive
    });
    let removed = group.members.len() != before;
    if removed {
        reassign(group);
    }
    removed
}

/// Recomputes the target from the topics' current sizes; `force` also when
/// they did not change (the members did).
fn rebalance(group: &mut Group, topics: &Topics, force: bool) {
    let wanted: BTreeSet<&String> = group
        .members
        .values()
        .flat_map(|m| m.topics.iter())
        .collect();
    let sizes: BTreeMap<String, u32> = wanted
        .into_iter()
        .filter_map(|t| {
            topics
                .get(t)
                .ok()
                .map(|topic| (t.clone(), topic.partition_count()))
        })
        .collect();
    if sizes != group.sizes {
        group.sizes = sizes;
    } else if !force {
        return;
    }
    reassign(group);
}

fn reassign(group: &mut Group) {
    let members: BTreeMap<String, BTreeSet<String>> = group
        .members
        .iter()
        .map(|(id, m)| (id.clone(), m.topics.clone()))
        .collect();
    let target = group.assignor.assign(&members, &group.sizes, &group.target);
    if target != group.target {
        group.target = target;
        group.generation += 1;
        group.changed();
    }
}

/// Group names follow topic names: [a-zA-Z0-9._-], 1 to 249 characters.
pub fn validate_group_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 249
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(BrokerError::InvalidRequest(format!(
            "invalid group name {name:?}: use 1 to 249 characters from a-z, A-Z, 0-9, '.', '_' and '-'"
        )))
    }
}

/// A few random bits so member ids are not guessable across restarts.
fn rand_suffix() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    nanos ^ std::process::id().rotate_left(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(topics: &[&str]) -> Member {
        Member {
            client_id: String::new(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            session: Duration::from_secs(10),
            heartbeat_interval_ms: 1000,
            last_seen: Instant::now(),
            owned: BTreeSet::new(),
            last_seq: 0,
            answers: 0,
            answered: BTreeMap::new(),
        }
    }

    fn group() -> Group {
        let mut g = Group {
            assignor: Assignor::Sticky,
            generation: 0,
            members: BTreeMap::new(),
            target: Assignment::new(),
            sizes: BTreeMap::from([("t".to_string(), 4)]),
            version: 0,
            changes: Arc::new(Notify::new()),
        };
        g.members.insert("a".into(), member(&["t"]));
        reassign(&mut g);
        g
    }

    #[test]
    fn a_partition_moves_only_after_its_owner_lets_go() {
        let mut g = group();
        let a = g.view("a");
        assert_eq!(a.assignment.len(), 4);
        assert_eq!(g.generation, 1);
        g.members.insert("b".into(), member(&["t"]));
        reassign(&mut g);
        assert_eq!(g.generation, 2);
        // "a" still owns everything, so "b" gets nothing yet.
        assert!(g.view("b").assignment.is_empty());
        assert!(!g.is_stable());
        // "a" lets go of what it no longer has as target.
        let keep = g.view("a").assignment;
        assert_eq!(keep.len(), 2);
        g.members.get_mut("a").unwrap().owned = keep;
        let b = g.view("b").assignment;
        assert_eq!(b.len(), 2);
        g.members.get_mut("b").unwrap().owned = b;
        assert!(g.is_stable());
    }

    #[test]
    fn an_expired_member_is_removed_and_its_partitions_reassigned() {
        let mut g = group();
        g.members.insert("b".into(), member(&["t"]));
        reassign(&mut g);
        let gen = g.generation;
        g.members.get_mut("b").unwrap().session = Duration::ZERO;
        g.members.get_mut("b").unwrap().last_seen = Instant::now() - Duration::from_millis(5);
        assert!(expire("g", &mut g));
        assert!(!g.members.contains_key("b"));
        assert_eq!(g.target["a"].len(), 4);
        assert!(g.generation > gen);
    }

    #[test]
    fn group_names_follow_topic_rules() {
        assert!(validate_group_name("billing.v2_eu-1").is_ok());
        for bad in ["", "a/b", "white space", &"x".repeat(250)] {
            assert!(validate_group_name(bad).is_err(), "{bad:?}");
        }
    }
}
