//! The broker's shared state: the topic registry, this node's identity, and
//! request-level limits. gRPC services hold it in an `Arc` and delegate here.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::error::{BrokerError, Result};
use crate::groups::{Groups, JoinRequest, MemberView};
use crate::log::AppendInfo;
use crate::meta::Meta;
use crate::partition::{FetchResult, Partition};
use crate::queues::ledger::Verdict;
use crate::queues::{Delivery, LeasedOffsets, Queues, Receive, Refused};
use crate::topics::{Topic, Topics};

/// Who this node is.
#[derive(Debug, Clone)]
pub struct Identity {
    pub node_id: u32,
    /// The address clients should use.
    pub advertised: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_fetch_bytes: u32,
    pub max_fetch_wait: Duration,
}

/// How long a produce waits before answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckLevel {
    /// Answer once appended, without waiting for the fsync.
    None,
    /// Answer once visible to consumers (fsynced under policy `always`).
    Leader,
    /// All in-sync replicas; on one node the same as `Leader`.
    All,
}

/// A partition's offsets for ListOffsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    Earliest,
    Latest,
    Timestamp(i64),
}

pub struct Broker {
    pub topics: Topics,
    pub groups: Groups,
    pub queues: Queues,
    /// The built-in canary's figures.
    pub canary: crate::canary::CanaryStats,
    /// Alert rules, alerts and their notifications.
    pub alerting: crate::alerts::Alerting,
    /// Samples behind the rates and lag trends of Stats.
    pub stats: crate::stats::sampler::History,
    /// Where the data lives (for disk figures).
    pub data_dir: std::path::PathBuf,
    /// Request, latency and connection measurements for `/metrics`.
    pub instruments: Arc<crate::metrics::Instruments>,
    pub meta: Meta,
    /// The controller: cluster metadata, broker liveness.
    pub cluster: Arc<crate::cluster::Controller>,
    pub identity: Identity,
    pub limits: Limits,
    /// Cancelled when shutdown starts: long polls and streams end early.
    pub shutdown: CancellationToken,
}

impl Broker {
    pub fn cluster_id(&self) -> String {
        self.cluster.cluster_id()
    }

    /// A partition's replicas and their health: the controller's view in
    /// a cluster, this node alone otherwise. Takes no log lock: Stats and
    /// Watch ask it for every partition, beside appends.
    pub fn placement(&self, partition: &Partition) -> crate::cluster::Placement {
        self.placement_of(partition.topic(), partition.id())
            .unwrap_or_else(|| {
                crate::cluster::Placement::local(self.identity.node_id, partition.leader_epoch())
            })
    }

    /// The controller's placement of a partition (None on a single node, or
    /// for a partition it does not know).
    pub fn placement_of(&self, topic: &str, partition: u32) -> Option<crate::cluster::Placement> {
        if !self.topics.clustered() {
            return None;
        }
        let state = self.cluster.state();
        let p = state
            .topics
            .get(topic)?
            .partitions
            .get(partition as usize)?;
        let leader_alive = p
            .leader
            .and_then(|l| state.brokers.get(&l))
            .is_some_and(|b| b.fenced.is_none());
        Some(crate::cluster::Placement {
            leader: p.leader.unwrap_or(0),
            replicas: p.replicas.clone(),
            isr: p.isr.clone(),
            leader_epoch: p.leader_epoch.max(0) as u32,
            offline: !leader_alive,
        })
    }

    /// Where a reassignment of the partition is moving it (empty if none).
    pub fn reassigning_to(&self, topic: &str, partition: u32) -> Vec<u32> {
        if !self.topics.clustered() {
            return Vec::new();
        }
        let state = self.cluster.state();
        state
            .topics
            .get(topic)
            .and_then(|t| t.partitions.get(partition as usize))
            .and_then(|p| p.target.clone())
            .unwrap_or_default()
    }

    /// Every partition of a topic with its placement, and its local replica
    /// when this node has one (in a cluster a node holds only the
    /// partitions placed on it).
    pub fn placements(
        &self,
        topic: &Topic,
    ) -> Vec<(u32, crate::cluster::Placement, Option<Arc<Partition>>)> {
        (0..topic.partition_count())
            .map(|id| {
                let local = topic.local_partition(id);
                let placed = match &local {
                    Some(p) => self.placement(p),
                    None => self
                        .placement_of(&topic.record().name, id)
                        .unwrap_or_else(|| crate::cluster::Placement {
                            leader: 0,
                            replicas: Vec::new(),
                            isr: Vec::new(),
                            leader_epoch: 0,
                            offline: true,
                        }),
                };
                (id, placed, local)
            })
            .collect()
    }

    /// Partitions this node leads.
    pub fn partitions_led(&self) -> u32 {
        self.topics
            .list()
            .iter()
            .flat_map(|t| t.partitions())
            .filter(|p| p.role() == crate::replication::state::Role::Leader)
            .count() as u32
    }

    /// The controller's brokers, with this node's own partition count
    /// first-hand rather than as of its last heartbeat.
    pub fn brokers(&self) -> Vec<crate::cluster::BrokerView> {
        let mut brokers = self.cluster.brokers();
        for b in brokers
            .iter_mut()
            .filter(|b| b.node_id == self.identity.node_id)
        {
            b.partitions_led = self.partitions_led();
        }
        brokers
    }

    pub async fn produce(
        &self,
        topic: &str,
        partition: u32,
        records: &[u8],
        acks: AckLevel,
    ) -> Result<AppendInfo> {
        self.write(topic, partition, records, acks)?
            .acknowledge(acks)
            .await
    }

    /// Registers an idempotent producer: a fresh id at epoch 0.
    pub fn init_producer(&self) -> Result<(i64, i16)> {
        if self.shutdown.is_cancelled() {
            return Err(BrokerError::ShuttingDown);
        }
        let id = self.meta.next_producer_id()?;
        // Ids are handed out per node; in a cluster the node id in the high
        // bits keeps two nodes from giving out the same one.
        if self.topics.clustered() {
            return Ok((
                ((self.identity.node_id as i64) << 32) | (id & 0xffff_ffff),
                0,
            ));
        }
        Ok((id, 0))
    }

    /// Writes a produce request's batches now; the returned [`Written`]
    /// waits for the acknowledgement. Requests written one after another
    /// land in that order whatever order their acknowledgements finish in.
    /// With acks=all, fewer in-sync replicas than min.insync.replicas
    /// refuse the write before anything is stored.
    pub fn write(
        &self,
        topic: &str,
        partition: u32,
        records: &[u8],
        acks: AckLevel,
    ) -> Result<Written> {
        if self.shutdown.is_cancelled() {
            return Err(BrokerError::ShuttingDown);
        }
        let started = std::time::Instant::now();
        let (t, p) = self.topics.partition(topic, partition)?;
        let config = t.config();
        if acks == AckLevel::All {
            p.check_in_sync(config.min_insync_replicas)?;
        }
        let now = mq::record::now_ms();
        let info = p.write(records, &config, now)?;
        Ok(Written {
            partition: p,
            info,
            min_insync: config.min_insync_replicas,
            started,
            instruments: self.instruments.clone(),
        })
    }

    /// Reads from a partition; `max_bytes` 0 means 1 MiB; waits end early at
    /// shutdown.
    pub async fn fetch(
        &self,
        topic: &str,
        partition: u32,
        offset: i64,
        max_bytes: u32,
        max_wait: Duration,
    ) -> Result<FetchResult> {
        let (_, p) = self.topics.partition(topic, partition)?;
        p.check_leader()?;
        let max_bytes = match max_bytes {
            0 => 1 << 20,
            n => n.min(self.limits.max_fetch_bytes),
        } as usize;
        let max_wait = max_wait.min(self.limits.max_fetch_wait);
        tokio::select! {
            result = p.fetch(offset, max_bytes, max_wait) => result,
            _ = self.shutdown.cancelled() => p.fetch(offset, max_bytes, Duration::ZERO).await,
        }
    }

    /// Reads for a follower copying the partition: records up to the log
    /// end; its fetch offset is its log end, which may move the HW.
    pub async fn replica_fetch(
        &self,
        topic: &str,
        partition: u32,
        replica: u32,
        leader_epoch: i32,
        offset: i64,
        max_wait: Duration,
    ) -> Result<FetchResult> {
        let (_, p) = self.topics.partition(topic, partition)?;
        p.follower_fetched(replica, leader_epoch, offset)?;
        let max_wait = max_wait.min(self.limits.max_fetch_wait);
        let max_bytes = self.limits.max_fetch_bytes as usize;
        tokio::select! {
            result = p.replica_read(offset, max_bytes, max_wait) => result,
            _ = self.shutdown.cancelled() => p.replica_read(offset, max_bytes, Duration::ZERO).await,
        }
    }

    /// Where `epoch` ends in this leader's log (see `Log::end_offset_for_epoch`).
    pub fn offset_for_leader_epoch(
        &self,
        topic: &str,
        partition: u32,
        epoch: i32,
        leader_epoch: i32,
    ) -> Result<Option<(i32, i64)>> {
        let (_, p) = self.topics.partition(topic, partition)?;
        p.check_leader()?;
        let current = p.leader_epoch();
        if current != leader_epoch {
            return Err(BrokerError::FencedLeaderEpoch {
                topic: topic.to_string(),
                partition,
                current,
                got: leader_epoch,
            });
        }
        Ok(p.end_offset_for_epoch(epoch))
    }

    /// Creates a topic: in a cluster through the controller, which places
    /// its replicas; on a single node here.
    pub async fn create_topic(
        &self,
        name: &str,
        partitions: u32,
        replication_factor: u32,
        configs: std::collections::BTreeMap<String, String>,
    ) -> Result<Arc<Topic>> {
        if self.topics.clustered() {
            return crate::cluster::topic_admin::create(
                &self.cluster,
                &self.topics,
                name,
                partitions,
                replication_factor,
                configs,
            )
            .await;
        }
        self.topics
            .create(name, partitions, replication_factor, configs)
            .await
    }

    pub async fn alter_topic_config(
        &self,
        name: &str,
        set: std::collections::BTreeMap<String, String>,
        delete: Vec<String>,
    ) -> Result<Arc<Topic>> {
        if self.topics.clustered() {
            return crate::cluster::topic_admin::alter_config(
                &self.cluster,
                &self.topics,
                name,
                set,
                delete,
            )
            .await;
        }
        self.topics.alter_config(name, set, delete).await
    }

    pub async fn add_partitions(&self, name: &str, total: u32) -> Result<Arc<Topic>> {
        if self.topics.clustered() {
            return crate::cluster::topic_admin::add_partitions(
                &self.cluster,
                &self.topics,
                name,
                total,
            )
            .await;
        }
        self.topics.add_partitions(name, total).await
    }

    /// Deletes a topic everywhere (in a cluster, through the controller).
    pub async fn delete_topic(&self, name: &str) -> Result<()> {
        if self.topics.clustered() {
            return crate::cluster::topic_admin::delete(&self.cluster, &self.topics, name).await;
        }
        self.drop_local_topic(name).await
    }

    /// Deletes this node's copy of a topic with its queue groups' ledgers.
    pub async fn drop_local_topic(&self, name: &str) -> Result<()> {
        self.topics.delete(name).await?;
        self.queues.forget_topic(name).await
    }

    /// Commits a group member's offsets; in a cluster they are also
    /// committed through the controller, so every node has them and the
    /// group resumes from them wherever its members reconnect.
    pub async fn commit_offsets(
        &self,
        group: &str,
        member: &str,
        offsets: Vec<(String, u32, i64, String)>,
    ) -> Result<()> {
        let records = self
            .groups
            .commit(&self.topics, group, member, offsets)
            .await?;
        self.replicate_offsets(group, records).await
    }

    /// Sends offsets this node stored for `group` to the controller (in a
    /// cluster; nothing on a single node).
    pub async fn replicate_offsets(
        &self,
        group: &str,
        offsets: Vec<(String, u32, crate::meta::CommittedOffset)>,
    ) -> Result<()> {
        if !self.topics.clustered() || offsets.is_empty() {
            return Ok(());
        }
        self.cluster
            .write(crate::cluster::state::Command::CommitOffsets {
                group: group.to_string(),
                offsets,
            })
            .await?;
        Ok(())
    }

    /// Deletes a consumer group (in a cluster, its offsets everywhere).
    pub async fn delete_group(&self, group: &str) -> Result<()> {
        self.groups.delete(group).await?;
        if self.topics.clustered() {
            self.cluster
                .write(crate::cluster::state::Command::DeleteGroupOffsets {
                    group: group.to_string(),
                })
                .await?;
        }
        Ok(())
    }

    /// In a cluster, the broker coordinating consumer group `group` when it
    /// is another one (its id and address); None when this broker does, or
    /// on a single node.
    pub fn coordinator_elsewhere(&self, group: &str) -> Result<Option<(u32, String)>> {
        if !self.topics.clustered() {
            return Ok(None);
        }
        let state = self.cluster.state();
        let me = self.identity.node_id;
        match crate::cluster::coordinator::coordinator_for(&state, group) {
            Some(id) if id == me => Ok(None),
            Some(id) => {
                let address = state.brokers.get(&id).map(|b| b.address.clone());
                match address {
                    Some(a) => Ok(Some((id, a))),
                    None => Err(self.not_coordinator(group, None)),
                }
            }
            None => Err(self.not_coordinator(group, None)),
        }
    }

    /// Refuses a consumer group call this broker does not coordinate.
    pub fn check_coordinator(&self, group: &str) -> Result<()> {
        match self.coordinator_elsewhere(group)? {
            None => Ok(()),
            Some(elsewhere) => Err(self.not_coordinator(group, Some(elsewhere))),
        }
    }

    fn not_coordinator(&self, group: &str, elsewhere: Option<(u32, String)>) -> BrokerError {
        let (coordinator, address) = elsewhere.unzip();
        BrokerError::NotCoordinator {
            group: group.to_string(),
            node: self.identity.node_id,
            coordinator,
            address,
        }
    }

    /// Joins a consumer group (a name used by a queue group is refused).
    pub fn join_group(&self, r: JoinRequest<'_>) -> Result<MemberView> {
        if self.queues.is_queue_group(r.group) {
            return Err(BrokerError::GroupTypeMismatch {
                group: r.group.to_string(),
                kind: "queue",
            });
        }
        self.groups.join(&self.topics, r)
    }

    /// Leases records of a queue group to a receiver.
    pub async fn receive(&self, r: Receive<'_>) -> Result<Vec<Delivery>> {
        if self.shutdown.is_cancelled() {
            return Err(BrokerError::ShuttingDown);
        }
        if !self.queues.is_queue_group(r.group) && self.groups.is_consumer_group(r.group)? {
            return Err(BrokerError::GroupTypeMismatch {
                group: r.group.to_string(),
                kind: "consumer",
            });
        }
        let max_bytes = match r.max_bytes {
            0 => 1 << 20,
            n => n.min(self.limits.max_fetch_bytes as usize),
        };
        let r = Receive {
            max_bytes,
            max_wait: r.max_wait.min(self.limits.max_fetch_wait),
            ..r
        };
        self.queues.receive(&self.topics, r, &self.shutdown).await
    }

    /// Acks or nacks leased records of a queue group.
    pub async fn settle(
        &self,
        group: &str,
        topic: &str,
        leases: &[LeasedOffsets],
        verdict: Verdict,
    ) -> Result<Vec<Refused>> {
        self.queues
            .settle(&self.topics, group, topic, leases, verdict)
            .await
    }

    pub fn list_offset(&self, topic: &str, partition: u32, spec: OffsetSpec) -> Result<(i64, i64)> {
        let (_, p) = self.topics.partition(topic, partition)?;
        p.check_leader()?;
        let state = p.state();
        Ok(match spec {
            OffsetSpec::Earliest => (state.log_start, -1),
            OffsetSpec::Latest => (state.high_watermark, -1),
            OffsetSpec::Timestamp(ts) => (p.offset_for_timestamp(ts)?, ts),
        })
    }
}

/// Longest an acks=all produce waits for the in-sync replicas.
const ACKS_ALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A produce request whose batches are in the log but not yet acknowledged.
pub struct Written {
    partition: Arc<Partition>,
    info: AppendInfo,
    min_insync: u32,
    started: std::time::Instant,
    instruments: Arc<crate::metrics::Instruments>,
}

impl Written {
    /// Waits until the append satisfies `acks`, then says where it landed.
    pub async fn acknowledge(self, acks: AckLevel) -> Result<AppendInfo> {
        self.partition
            .publish(self.info, acks != AckLevel::None)
            .await?;
        if acks == AckLevel::All {
            self.partition
                .wait_replicated(self.info.last_offset + 1, self.min_insync, ACKS_ALL_TIMEOUT)
                .await?;
        }
        self.instruments
            .observe_produce(self.started.elapsed().as_secs_f64());
        Ok(self.info)
    }
}
