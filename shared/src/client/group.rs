//! The group consumer: members of one group share a topic's partitions.
//!
//! The broker decides who reads what (see the `JoinGroup` call); this
//! consumer heartbeats in the background and applies the broker's answer
//! inside [`GroupConsumer::poll`]: it commits and stops partitions taken
//! away (calling [`RebalanceListener::on_revoked`] first, so an application
//! can commit its own state), and starts partitions given to it from the
//! group's committed offset (or `auto_offset_reset` when there is none).
//!
//! Delivery is at-least-once by default: with `auto_commit`, each poll
//! first commits the positions of the records the previous poll returned,
//! so a crash replays at most what was being processed. For at-most-once,
//! call [`GroupConsumer::commit`] right after `poll` and before processing;
//! for at-least-once with manual control, turn `auto_commit` off and commit
//! after processing.
//!
//! ```no_run
//! # async fn demo() -> mq::Result<()> {
//! use std::time::Duration;
//! use mq::{Client, GroupConfig, GroupConsumer};
//! let client = Client::connect("http://127.0.0.1:7420").await?;
//! let mut consumer = GroupConsumer::join(client, GroupConfig::new("billing", ["orders"])).await?;
//! loop {
//!     for record in consumer.poll(Duration::from_secs(1)).await? {
//!         println!("{}@{}: {:?}", record.partition, record.offset, record.value);
//!     }
//! }
//! # }
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::client::consumer::{Consumer, ConsumerConfig, StartOffset};
use crate::client::coordinator::Coordinator;
use crate::error::{Error, Result};
use crate::proto::{
    group_by_topic, pairs, CommitOffsetsRequest, FetchOffsetsRequest, GroupAssignment,
    HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest, OffsetCommit,
};
use crate::reason;
use crate::record::ConsumedRecord;
use crate::Client;

type Tp = (String, u32);

/// Where to start a partition the group has no committed offset for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetReset {
    Earliest,
    /// Only records produced from now on (Kafka's default).
    Latest,
    /// Fail the poll: the application must decide.
    None,
}

#[derive(Debug, Clone)]
pub struct GroupConfig {
    pub group: String,
    pub topics: Vec<String>,
    /// The broker removes the member after this long without a heartbeat.
    pub session_timeout: Duration,
    pub heartbeat_interval: Duration,
    /// "sticky" (default), "range" or "roundrobin".
    pub assignor: String,
    /// Shown in DescribeGroup.
    pub client_id: String,
    pub auto_commit: bool,
    pub auto_commit_interval: Duration,
    pub auto_offset_reset: OffsetReset,
    pub consumer: ConsumerConfig,
}

impl GroupConfig {
    pub fn new<I, S>(group: &str, topics: I) -> GroupConfig
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        GroupConfig {
            group: group.to_string(),
            topics: topics.into_iter().map(Into::into).collect(),
            session_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(3),
            assignor: "sticky".to_string(),
            client_id: String::new(),
            auto_commit: true,
            auto_commit_interval: Duration::from_secs(5),
            auto_offset_reset: OffsetReset::Latest,
            consumer: ConsumerConfig::default(),
        }
    }
}

/// Told about partitions moving, from inside [`GroupConsumer::poll`].
pub trait RebalanceListener: Send {
    /// Partitions now read by this member, after their start offsets are set.
    fn on_assigned(&mut self, _partitions: &[(String, u32)]) {}
    /// Partitions about to be taken away: the last chance to commit them.
    /// With auto-commit their positions are committed right after this.
    fn on_revoked(&mut self, _partitions: &[(String, u32)]) {}
}

/// What the heartbeat task and `poll` share.
#[derive(Default)]
struct Membership {
    member_id: String,
    generation: u32,
    /// What the broker says this member may read.
    target: BTreeSet<Tp>,
    /// The broker's number for the answer `target` came from.
    target_seq: u64,
    /// The number of the answer `owned` reflects (applied by `poll`).
    applied_seq: u64,
    /// What `poll` has started reading; reported in heartbeats.
    owned: BTreeSet<Tp>,
    /// Set when the member was fenced and joined again: everything owned
    /// was lost without a chance to commit.
    rejoined: bool,
    /// A heartbeat failure that is not transient, for `poll` to return.
    failure: Option<Error>,
}

pub struct GroupConsumer {
    /// Where joins, heartbeats, commits and leaves go (in a cluster, the
    /// group's coordinator; reads go to each partition's leader).
    coordinator: Arc<Coordinator>,
    config: GroupConfig,
    consumer: Consumer,
    membership: Arc<Mutex<Membership>>,
    /// Wakes the heartbeat task early when what this member owns changed,
    /// so partitions it let go reach their new owner sooner.
    owned_changed: Arc<Notify>,
    heartbeats: JoinHandle<()>,
    listener: Option<Box<dyn RebalanceListener>>,
    member_for_consumer: String,
    committed: BTreeMap<Tp, i64>,
    last_commit: Instant,
}

impl GroupConsumer {
    /// Joins the group; partitions arrive with the first polls.
    pub async fn join(client: Client, config: GroupConfig) -> Result<GroupConsumer> {
        let coordinator = Arc::new(Coordinator::new(client.clone()));
        let assignment = join_group(&coordinator, &config).await?;
        let membership = Arc::new(Mutex::new(Membership::default()));
        apply(&membership, assignment);
        let owned_changed = Arc::new(Notify::new());
        let heartbeats = tokio::spawn(heartbeat_loop(
            coordinator.clone(),
            config.clone(),
            membership.clone(),
            owned_changed.clone(),
        ));
        let consumer = Consumer::new(client, config.consumer.clone());
        Ok(GroupConsumer {
            coordinator,
            config,
            consumer,
            membership,
            owned_changed,
            heartbeats,
            listener: None,
            member_for_consumer: String::new(),
            committed: BTreeMap::new(),
            last_commit: Instant::now(),
        })
    }

    pub fn set_listener(&mut self, listener: impl RebalanceListener + 'static) {
        self.listener = Some(Box::new(listener));
    }

    /// This member's id, as DescribeGroup shows it.
    pub fn member_id(&self) -> String {
        self.membership.lock().member_id.clone()
    }

    /// The partitions this member reads now.
    pub fn assignment(&self) -> Vec<(String, u32)> {
        self.membership.lock().owned.iter().cloned().collect()
    }

    /// Applies any rebalance, auto-commits, then waits up to `timeout` for
    /// records of the partitions this member owns.
    pub async fn poll(&mut self, timeout: Duration) -> Result<Vec<ConsumedRecord>> {
        if let Some(err) = self.membership.lock().failure.take() {
            return Err(err);
        }
        if self.config.auto_commit && self.last_commit.elapsed() >= self.config.auto_commit_interval
        {
            match self.commit_owned().await {
                // Fenced (or the coordinator moved, which fences): the
                // rejoin that follows restarts from the last commit that
                // did land (at-least-once).
                Err(err) if is_fenced(&err) || err.is_retriable() => {
                    tracing::warn!(group = %self.config.group, error = %err, "auto-commit refused");
                }
                other => other?,
            }
        }
        self.reconcile().await?;
        match self.consumer.poll(timeout).await {
            Ok(records) => Ok(records),
            Err(err) if is_fenced(&err) => {
                // The broker moved on without this member (or this
                // partition); the next heartbeat tells us what we hold.
                for tp in self.consumer.take_failed() {
                    self.membership.lock().owned.remove(&tp);
                }
                Ok(Vec::new())
            }
            Err(err) if err.reason() == Some(reason::OFFSET_OUT_OF_RANGE) => {
                // The committed offset is gone (retention) or past the end:
                // start over where auto_offset_reset says, as Kafka does.
                let start = match self.config.auto_offset_reset {
                    OffsetReset::Earliest => StartOffset::Earliest,
                    OffsetReset::Latest => StartOffset::Latest,
                    OffsetReset::None => return Err(err),
                };
                for (topic, partition) in self.consumer.take_failed() {
                    tracing::warn!(group = %self.config.group, topic, partition, error = %err, "offset out of range; resetting");
                    self.committed.remove(&(topic.clone(), partition));
                    self.consumer.assign(&topic, partition, start).await?;
                }
                Ok(Vec::new())
            }
            Err(err) => Err(err),
        }
    }

    /// Commits the position of every owned partition (the offset after the
    /// last record `poll` returned), waiting until it is durable.
    pub async fn commit(&mut self) -> Result<()> {
        self.commit_owned().await
    }

    /// Commits these offsets (the next offset to read, per partition)
    /// instead of the positions `poll` reached, for a caller that processed
    /// only part of a poll.
    pub async fn commit_offsets(&mut self, offsets: &[(String, u32, i64)]) -> Result<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        let request = CommitOffsetsRequest {
            group: self.config.group.clone(),
            member_id: self.member_id(),
            offsets: offsets
                .iter()
                .map(|(topic, partition, offset)| OffsetCommit {
                    topic: topic.clone(),
                    partition: *partition,
                    offset: *offset,
                    metadata: String::new(),
                })
                .collect(),
        };
        send_commit(&self.coordinator, request).await?;
        for (topic, partition, offset) in offsets {
            self.committed.insert((topic.clone(), *partition), *offset);
        }
        Ok(())
    }

    /// Commits (with auto-commit), leaves the group so its partitions move
    /// at once, and stops.
    pub async fn close(mut self) -> Result<()> {
        if self.config.auto_commit {
            self.commit_owned().await?;
        }
        self.heartbeats.abort();
        let member_id = self.member_id();
        self.coordinator
            .client()
            .broker()
            .leave_group(LeaveGroupRequest {
                group: self.config.group.clone(),
                member_id,
            })
            .await?;
        Ok(())
    }

    async fn commit_owned(&mut self) -> Result<()> {
        let owned: Vec<Tp> = self.membership.lock().owned.iter().cloned().collect();
        self.commit_partitions(&owned).await
    }

    async fn commit_partitions(&mut self, partitions: &[Tp]) -> Result<()> {
        self.last_commit = Instant::now();
        let offsets: Vec<OffsetCommit> = partitions
            .iter()
            .filter_map(|(topic, partition)| {
                let position = self.consumer.position(topic, *partition)?;
                let key = (topic.clone(), *partition);
                (self.committed.get(&key) != Some(&position)).then(|| OffsetCommit {
                    topic: topic.clone(),
                    partition: *partition,
                    offset: position,
                    metadata: String::new(),
                })
            })
            .collect();
        if offsets.is_empty() {
            return Ok(());
        }
        let request = CommitOffsetsRequest {
            group: self.config.group.clone(),
            member_id: self.member_id(),
            offsets: offsets.clone(),
        };
        send_commit(&self.coordinator, request).await?;
        for o in offsets {
            self.committed.insert((o.topic, o.partition), o.offset);
        }
        Ok(())
    }

    /// Brings what this member reads in line with what the broker gave it.
    async fn reconcile(&mut self) -> Result<()> {
        let (member_id, target, target_seq, mut owned, rejoined) = {
            let mut m = self.membership.lock();
            let rejoined = std::mem::take(&mut m.rejoined);
            (
                m.member_id.clone(),
                m.target.clone(),
                m.target_seq,
                m.owned.clone(),
                rejoined,
            )
        };
        if rejoined {
            // Fenced: the partitions may already be someone else's, so they
            // are dropped without committing.
            let lost: Vec<Tp> = owned.iter().cloned().collect();
            for (topic, partition) in &lost {
                self.consumer.unassign(topic, *partition);
            }
            if !lost.is_empty() {
                if let Some(l) = self.listener.as_mut() {
                    l.on_revoked(&lost);
                }
            }
            self.membership.lock().owned.clear();
            self.committed.clear();
            // Then start afresh from the new membership's target.
            owned.clear();
        }
        if member_id != self.member_for_consumer {
            self.consumer.set_member(&self.config.group, &member_id);
            self.member_for_consumer = member_id.clone();
        }
        let revoked: Vec<Tp> = owned.difference(&target).cloned().collect();
        if !revoked.is_empty() {
            if let Some(l) = self.listener.as_mut() {
                l.on_revoked(&revoked);
            }
            if self.config.auto_commit {
                if let Err(e) = self.commit_partitions(&revoked).await {
                    tracing::warn!(error = %e, "commit of revoked partitions failed");
                }
            }
            for (topic, partition) in &revoked {
                self.consumer.unassign(topic, *partition);
                self.committed.remove(&(topic.clone(), *partition));
            }
            {
                let mut m = self.membership.lock();
                for tp in &revoked {
                    m.owned.remove(tp);
                }
            }
            self.owned_changed.notify_one();
        }
        let added: Vec<Tp> = target.difference(&owned).cloned().collect();
        if added.is_empty() {
            self.mark_applied(&member_id, target_seq);
            return Ok(());
        }
        let starts = self.start_offsets(&added).await?;
        for ((topic, partition), start) in added.iter().zip(starts) {
            self.consumer.assign(topic, *partition, start).await?;
        }
        self.membership.lock().owned.extend(added.iter().cloned());
        self.mark_applied(&member_id, target_seq);
        self.owned_changed.notify_one();
        if let Some(l) = self.listener.as_mut() {
            l.on_assigned(&added);
        }
        Ok(())
    }

    /// Records that `owned` now reflects answer `seq` (unless the member
    /// joined again meanwhile, which starts the numbering over).
    fn mark_applied(&self, member_id: &str, seq: u64) {
        let mut m = self.membership.lock();
        if m.member_id == member_id && seq > m.applied_seq {
            m.applied_seq = seq;
            drop(m);
            self.owned_changed.notify_one();
        }
    }

    /// Committed offsets of `partitions`, or the reset policy's start.
    async fn start_offsets(&mut self, partitions: &[Tp]) -> Result<Vec<StartOffset>> {
        let request = FetchOffsetsRequest {
            group: self.config.group.clone(),
            partitions: group_by_topic(partitions.iter().cloned()),
        };
        let response = self
            .coordinator
            .call(|c| {
                let request = request.clone();
                async move { Ok(c.broker().fetch_offsets(request).await?) }
            })
            .await?
            .into_inner();
        let committed: BTreeMap<Tp, i64> = response
            .offsets
            .into_iter()
            .map(|o| ((o.topic, o.partition), o.offset))
            .collect();
        partitions
            .iter()
            .map(|tp| match committed.get(tp).copied().filter(|o| *o >= 0) {
                Some(offset) => {
                    self.committed.insert(tp.clone(), offset);
                    Ok(StartOffset::Offset(offset))
                }
                None => match self.config.auto_offset_reset {
                    OffsetReset::Earliest => Ok(StartOffset::Earliest),
                    OffsetReset::Latest => Ok(StartOffset::Latest),
                    OffsetReset::None => Err(Error::InvalidArgument(format!(
                        "group {:?} has no committed offset for {}/{} and auto_offset_reset is none",
                        self.config.group, tp.0, tp.1
                    ))),
                },
            })
            .collect()
    }
}

impl Drop for GroupConsumer {
    fn drop(&mut self) {
        // Without close() the member stays until its session times out, as
        // after a crash.
        self.heartbeats.abort();
    }
}

fn is_fenced(err: &Error) -> bool {
    matches!(
        err.reason(),
        Some(reason::UNKNOWN_MEMBER) | Some(reason::PARTITION_NOT_ASSIGNED)
    )
}

/// Commits through the coordinator (a free function: the future must not
/// hold the consumer, whose listener need not be `Sync`).
async fn send_commit(coordinator: &Coordinator, request: CommitOffsetsRequest) -> Result<()> {
    coordinator
        .call(|c| {
            let request = request.clone();
            async move { Ok(c.broker().commit_offsets(request).await?) }
        })
        .await?;
    Ok(())
}

async fn join_group(coordinator: &Coordinator, config: &GroupConfig) -> Result<GroupAssignment> {
    let request = JoinGroupRequest {
        group: config.group.clone(),
        topics: config.topics.clone(),
        session_timeout_ms: config.session_timeout.as_millis() as u32,
        heartbeat_interval_ms: config.heartbeat_interval.as_millis() as u32,
        assignor: config.assignor.clone(),
        client_id: config.client_id.clone(),
    };
    let response = coordinator
        .call(|c| {
            let request = request.clone();
            async move { Ok(c.broker().join_group(request).await?) }
        })
        .await?;
    Ok(response.into_inner())
}

fn apply(membership: &Mutex<Membership>, answer: GroupAssignment) {
    let mut m = membership.lock();
    if m.member_id != answer.member_id {
        // A new membership: its answers are numbered afresh.
        m.applied_seq = 0;
    }
    m.target_seq = answer.assignment_seq;
    m.member_id = answer.member_id;
    m.generation = answer.generation;
    m.target = pairs(answer.assignment).collect();
}

/// Heartbeats for the member. Each heartbeat is a long poll: the broker
/// answers at once when the member has something to do, and otherwise holds
/// the answer until the group changes or `heartbeat_interval` passes, so a
/// rebalance reaches this member without waiting for its next beat. When
/// `poll` changes what the member owns, the pending beat is dropped and the
/// news sent at once.
async fn heartbeat_loop(
    coordinator: Arc<Coordinator>,
    config: GroupConfig,
    membership: Arc<Mutex<Membership>>,
    owned_changed: Arc<Notify>,
) {
    let mut idle = false;
    let mut seq = 0u64;
    loop {
        if idle {
            // The member has partitions to take up or give back: wait for
            // `poll` to do so (or an interval) before beating again.
            tokio::select! {
                _ = tokio::time::sleep(config.heartbeat_interval) => {}
                _ = owned_changed.notified() => {}
            }
        }
        let (member_id, owned, applied_seq) = {
            let m = membership.lock();
            (m.member_id.clone(), m.owned.clone(), m.applied_seq)
        };
        let request = HeartbeatRequest {
            group: config.group.clone(),
            member_id,
            owned: group_by_topic(owned.clone()),
            max_wait_ms: config.heartbeat_interval.as_millis() as u32,
            seq: {
                seq += 1;
                seq
            },
            applied_assignment_seq: applied_seq,
        };
        let mut broker = coordinator.client().broker();
        let answer = tokio::select! {
            answer = broker.heartbeat(request) => answer,
            _ = owned_changed.notified() => {
                idle = false;
                continue;
            }
        };
        match answer {
            Ok(answer) => {
                let answer = answer.into_inner();
                let given: BTreeSet<Tp> = pairs(answer.assignment.clone()).collect();
                idle = given != owned;
                apply(&membership, answer);
            }
            Err(status) => {
                idle = true;
                let err = Error::from(status);
                if err.reason() == Some(reason::UNKNOWN_MEMBER) {
                    tracing::warn!(group = %config.group, "fenced by the group; joining again");
                    match join_group(&coordinator, &config).await {
                        Ok(answer) => {
                            apply(&membership, answer);
                            membership.lock().rejoined = true;
                        }
                        Err(e) => tracing::warn!(error = %e, "rejoin failed; will retry"),
                    }
                } else if let Some(pause) = coordinator.follow(&err) {
                    // The coordinator moved: beat there (at once when we
                    // know where), and rejoin when it does not know us.
                    idle = pause;
                } else if !err.is_retriable() {
                    membership.lock().failure = Some(err);
                }
            }
        }
    }
}
