//! Queue groups in a cluster. The live ledger of a (group, partition) is
//! kept by the partition's leader, the one node that can read the records
//! up to the high watermark. It stores the ledger through the controller,
//! tagged with its leader epoch; the state machine refuses a ledger from a
//! deposed leader, so when leadership moves the new leader carries on from
//! exactly the acks its predecessor confirmed. Leases are not stored: what
//! was leased on the old leader is delivered again (at least once), as
//! after a restart on a single node.
//!
//! Dead letters are produced to the dead-letter topic's leader, wherever
//! it is, with acks=all.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use mq::proto::broker_client::BrokerClient;
use mq::proto::{Acks, ProduceRequest};

use super::ledger::StoredLedger;
use super::QueuePartition;
use crate::cluster::state::{offset_key, Applied, Command, QueueLedgerWrite};
use crate::cluster::Controller;
use crate::error::{BrokerError, Result};
use crate::grpc::channels::PeerChannels;
use crate::topics::Topics;

/// How long a dead-letter copy may wait for the topic's replicas.
const COPY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an ack waits for a controller to make it durable, when the
/// controller died or moved: a Raft election takes a second or two.
const ELECTION_PATIENCE: Duration = Duration::from_secs(10);

/// Whether a controller write failed for want of a controller (one is
/// being elected), rather than for the command itself.
fn no_controller(e: &crate::cluster::ClusterError) -> bool {
    use crate::cluster::ClusterError as E;
    matches!(
        e,
        E::NoController { .. } | E::NotController { .. } | E::Unreachable { .. }
    )
}

/// A stored ledger's topic, partition and contents.
pub(crate) type StoredPartition = (String, u32, Arc<StoredLedger>);

pub(crate) struct Replicated {
    controller: Arc<Controller>,
    node_id: u32,
    peers: PeerChannels,
}

impl Replicated {
    pub(crate) fn new(controller: Arc<Controller>, node_id: u32) -> Self {
        Replicated {
            controller,
            node_id,
            peers: PeerChannels::default(),
        }
    }

    pub(crate) fn node_id(&self) -> u32 {
        self.node_id
    }

    /// The group's generation (how often it was deleted).
    pub(crate) fn generation(&self, group: &str) -> u64 {
        self.controller.state().queue_generation(group)
    }

    /// The ledger the partition's last leader stored, if any.
    pub(crate) fn load(
        &self,
        group: &str,
        topic: &str,
        partition: u32,
    ) -> Option<Arc<StoredLedger>> {
        let state = self.controller.state();
        let stored = state
            .queues
            .get(group)?
            .get(&offset_key(topic, partition))?;
        Some(stored.ledger.clone())
    }

    /// Whether the group has stored ledgers.
    pub(crate) fn has_group(&self, group: &str) -> bool {
        self.controller.state().queues.contains_key(group)
    }

    /// Every queue group that has stored ledgers, with their
    /// ("topic/partition", ledger) pairs.
    pub(crate) fn stored_groups(&self) -> Vec<(String, Vec<StoredPartition>)> {
        let state = self.controller.state();
        state
            .queues
            .iter()
            .map(|(group, ledgers)| {
                let ledgers = ledgers
                    .iter()
                    .filter_map(|(key, stored)| {
                        let (topic, partition) = crate::cluster::state::parse_offset_key(key)?;
                        Some((topic.to_string(), partition, stored.ledger.clone()))
                    })
                    .collect();
                (group.clone(), ledgers)
            })
            .collect()
    }

    /// Stores ledgers through the controller; for each, None when stored,
    /// or why it was refused (this node no longer leads the partition at
    /// that epoch, the group was deleted). With `patient`, it rides through
    /// a controller election (the controller died, or moved) for up to
    /// `ELECTION_PATIENCE`: the write is idempotent, so sending it again
    /// after a lost answer is harmless.
    pub(crate) async fn store(
        &self,
        ledgers: Vec<QueueLedgerWrite>,
        patient: bool,
    ) -> Result<Vec<Option<String>>> {
        let count = ledgers.len();
        let command = Command::StoreQueueLedgers {
            leader: self.node_id,
            ledgers,
        };
        let give_up = tokio::time::Instant::now() + ELECTION_PATIENCE;
        let mut pause = Duration::from_millis(50);
        let applied = loop {
            match self.controller.write(command.clone()).await {
                Err(e) if patient && no_controller(&e) && tokio::time::Instant::now() < give_up => {
                    tracing::debug!(error = %e, "queue ledger write waits for a controller");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(500));
                }
                result => break result?,
            }
        };
        match applied {
            Applied::Each(results) if results.len() == count => Ok(results),
            other => Err(BrokerError::Cluster(crate::cluster::ClusterError::Codec(
                format!("the controller answered a queue ledger write with {other:?}"),
            ))),
        }
    }

    /// Forgets a queue group everywhere.
    pub(crate) async fn delete_group(&self, group: &str) -> Result<()> {
        self.controller
            .write(Command::DeleteQueueGroup {
                group: group.to_string(),
            })
            .await?;
        Ok(())
    }

    /// Appends a dead-letter copy (one encoded batch) to `topic` (the
    /// partition matching the source's, modulo the count), creating the
    /// topic (one partition, the default replication factor) on first use,
    /// and waits for its in-sync replicas.
    pub(crate) async fn produce(
        &self,
        topics: &Topics,
        topic: &str,
        source_partition: u32,
        batch: Bytes,
    ) -> Result<(), String> {
        if topics.get(topic).is_err() {
            match crate::cluster::topic_admin::create(
                &self.controller,
                topics,
                topic,
                1,
                0,
                Default::default(),
            )
            .await
            {
                Ok(_) => tracing::info!(topic, "created dead-letter topic"),
                Err(BrokerError::TopicExists(_)) => {}
                Err(e) => return Err(format!("creating dead-letter topic {topic:?}: {e}")),
            }
        }
        let state = self.controller.state();
        let partitions = state
            .topics
            .get(topic)
            .map_or(&[][..], |t| &t.partitions[..]);
        if partitions.is_empty() {
            return Err(format!("dead-letter topic {topic:?} has no partitions"));
        }
        let partition = source_partition % partitions.len() as u32;
        let leader = partitions[partition as usize]
            .leader
            .ok_or_else(|| format!("{topic}/{partition} has no leader right now"))?;
        if leader == self.node_id {
            return append_here(topics, topic, partition, &batch).await;
        }
        let address = state
            .brokers
            .get(&leader)
            .map(|b| b.address.clone())
            .ok_or_else(|| format!("broker {leader} (leading {topic:?}) is unknown"))?;
        let channel = self.peers.get(&address)?;
        let request = ProduceRequest {
            topic: topic.to_string(),
            partition,
            acks: Acks::All as i32,
            records: batch,
            timeout_ms: COPY_TIMEOUT.as_millis() as u32,
        };
        let mut client = BrokerClient::new(channel);
        let call = client.produce(request);
        match tokio::time::timeout(COPY_TIMEOUT + Duration::from_secs(1), call).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(status)) => Err(format!(
                "broker {leader} refused the copy: {}",
                status.message()
            )),
            Err(_) => Err(format!(
                "broker {leader} did not answer within {COPY_TIMEOUT:?}"
            )),
        }
    }
}

/// Stores the ledgers that changed since their last write, in one
/// controller write, and returns those the controller refused (they are
/// marked defunct). With `wait`, a ledger whose write is under way is
/// waited for, and then written again if that write did not cover the
/// caller's change; without, it is skipped (the sweeper's next round has
/// it). Ledgers are locked in (group, topic, partition) order.
pub(super) async fn replicate(
    cluster: &Replicated,
    items: &[(&str, Arc<QueuePartition>)],
    wait: bool,
) -> Result<Vec<Arc<QueuePartition>>> {
    let mut items: Vec<&(&str, Arc<QueuePartition>)> = items.iter().collect();
    items.sort_by(|a, b| (a.0, &a.1.topic, a.1.partition).cmp(&(b.0, &b.1.topic, b.1.partition)));
    let mut guards = Vec::new();
    let mut writes = Vec::new();
    let mut pending = Vec::new();
    for (group, qp) in items {
        let Some((leader_epoch, generation)) = qp.owner else {
            continue;
        };
        let wanted = qp.ledger.lock().version();
        if qp.replicated.load(Ordering::Acquire) >= wanted || qp.defunct.load(Ordering::Acquire) {
            continue;
        }
        let guard = if wait {
            qp.flush.lock().await
        } else {
            match qp.flush.try_lock() {
                Ok(guard) => guard,
                Err(_) => continue,
            }
        };
        let (version, snapshot) = {
            let ledger = qp.ledger.lock();
            (ledger.version(), ledger.snapshot())
        };
        // Whoever held the lock may have written our change already.
        if qp.replicated.load(Ordering::Acquire) >= version {
            continue;
        }
        writes.push(QueueLedgerWrite {
            group: group.to_string(),
            topic: qp.topic.clone(),
            partition: qp.partition,
            leader_epoch,
            generation,
            ledger: Arc::new(snapshot),
        });
        pending.push((qp.clone(), version));
        guards.push(guard);
    }
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let results = cluster.store(writes, wait).await?;
    let mut lost = Vec::new();
    for ((qp, version), refused) in pending.into_iter().zip(results) {
        match refused {
            None => {
                qp.replicated.fetch_max(version, Ordering::AcqRel);
            }
            Some(why) => {
                tracing::info!(topic = %qp.topic, partition = qp.partition, reason = %why,
                    "queue ledger dropped: the controller refused it");
                qp.defunct.store(true, Ordering::Release);
                lost.push(qp);
            }
        }
    }
    drop(guards);
    Ok(lost)
}

/// The local leader's side of a dead-letter copy: append, then wait until
/// the in-sync replicas have it.
async fn append_here(
    topics: &Topics,
    topic: &str,
    partition: u32,
    batch: &[u8],
) -> Result<(), String> {
    let (t, p) = topics
        .partition(topic, partition)
        .map_err(|e| e.to_string())?;
    p.check_leader().map_err(|e| e.to_string())?;
    let config = t.config();
    p.check_in_sync(config.min_insync_replicas)
        .map_err(|e| e.to_string())?;
    let info = p
        .write(batch, &config, mq::record::now_ms())
        .map_err(|e| e.to_string())?;
    p.publish(info, true).await.map_err(|e| e.to_string())?;
    p.wait_replicated(
        info.last_offset + 1,
        config.min_insync_replicas,
        COPY_TIMEOUT,
    )
    .await
    .map_err(|e| e.to_string())
}
