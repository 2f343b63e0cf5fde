//! Topic changes in a cluster: checked here, placed on live brokers, and
//! committed through the controller. Each node's registry then mirrors
//! the committed topics (see `replication::reconcile`); these calls wait
//! until this node's mirror shows the change, so a describe right after
//! sees it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::assignment;
use super::state::{Applied, Command};
use super::Controller;
use crate::error::{BrokerError, Result};
use crate::topic_config;
use crate::topics::{Topic, Topics};

/// Longest a change waits to show in this node's registry.
const MIRROR_WAIT: Duration = Duration::from_secs(10);

pub async fn create(
    controller: &Controller,
    topics: &Topics,
    name: &str,
    partitions: u32,
    replication_factor: u32,
    configs: BTreeMap<String, String>,
) -> Result<Arc<Topic>> {
    topics.check_new(name, partitions, &configs)?;
    let state = controller.state();
    if state.topics.contains_key(name) {
        return Err(BrokerError::TopicExists(name.to_string()));
    }
    let live: Vec<u32> = state.live_brokers().map(|b| b.node_id).collect();
    let available = live.len() as u32;
    // Unset: three copies where there are three brokers, as many as there
    // are otherwise.
    let replication_factor = match replication_factor {
        0 => available.clamp(1, 3),
        n => n,
    };
    if replication_factor > available || available == 0 {
        return Err(BrokerError::InvalidReplicationFactor {
            requested: replication_factor,
            available,
        });
    }
    let replicas = assignment::spread(&live, partitions, replication_factor, state.topics.len());
    let command = Command::CreateTopic {
        name: name.to_string(),
        configs,
        replicas,
        at_ms: mq::record::now_ms(),
    };
    match controller.write(command).await? {
        Applied::Refused(_) => Err(BrokerError::TopicExists(name.to_string())),
        _ => mirrored(topics, name, |t| t.is_some()).await,
    }
}

/// An internal one-partition topic led by this node (its canary), with up
/// to two more replicas on other live brokers.
pub async fn create_led_here(
    controller: &Controller,
    topics: &Topics,
    name: &str,
    configs: BTreeMap<String, String>,
) -> Result<Arc<Topic>> {
    topics.check_configs(&configs)?;
    let state = controller.state();
    if state.topics.contains_key(name) {
        return Err(BrokerError::TopicExists(name.to_string()));
    }
    let me = controller.node_id();
    if !state.live_brokers().any(|b| b.node_id == me) {
        return Err(BrokerError::InvalidRequest(format!(
            "node {me} is not registered with the controller yet"
        )));
    }
    let mut replicas = vec![me];
    replicas.extend(
        state
            .live_brokers()
            .map(|b| b.node_id)
            .filter(|id| *id != me)
            .take(2),
    );
    let command = Command::CreateTopic {
        name: name.to_string(),
        configs,
        replicas: vec![replicas],
        at_ms: mq::record::now_ms(),
    };
    match controller.write(command).await? {
        Applied::Refused(_) => Err(BrokerError::TopicExists(name.to_string())),
        _ => mirrored(topics, name, |t| t.is_some()).await,
    }
}

pub async fn alter_config(
    controller: &Controller,
    topics: &Topics,
    name: &str,
    set: BTreeMap<String, String>,
    delete: Vec<String>,
) -> Result<Arc<Topic>> {
    let Some(meta) = controller.state().topics.get(name).cloned() else {
        return Err(topics.get(name).err().unwrap_or_else(|| not_found(name)));
    };
    let delete_map: BTreeMap<String, String> =
        delete.iter().map(|k| (k.clone(), String::new())).collect();
    topic_config::check_keys(&delete_map)?;
    let mut configs = meta.configs.clone();
    for key in &delete {
        configs.remove(key);
    }
    configs.extend(set);
    topics.check_configs(&configs)?;
    let wanted = configs.clone();
    match controller
        .write(Command::AlterTopicConfig {
            name: name.to_string(),
            configs,
        })
        .await?
    {
        Applied::Refused(_) => Err(not_found(name)),
        _ => {
            mirrored(topics, name, |t| {
                t.is_some_and(|t| t.record().configs == wanted)
            })
            .await
        }
    }
}

pub async fn add_partitions(
    controller: &Controller,
    topics: &Topics,
    name: &str,
    total: u32,
) -> Result<Arc<Topic>> {
    let state = controller.state();
    let Some(meta) = state.topics.get(name) else {
        return Err(not_found(name));
    };
    let current = meta.partitions.len() as u32;
    if total <= current {
        return Err(BrokerError::InvalidPartitions {
            requested: total,
            why: format!("topic {name:?} already has {current} partitions; the new total must be larger (partitions cannot be removed)"),
        });
    }
    topics.check_partition_count(total)?;
    let live: Vec<u32> = state.live_brokers().map(|b| b.node_id).collect();
    let rf = meta.replication_factor();
    if rf as usize > live.len() {
        return Err(BrokerError::InvalidReplicationFactor {
            requested: rf,
            available: live.len() as u32,
        });
    }
    let replicas = assignment::spread(&live, total - current, rf, current as usize);
    match controller
        .write(Command::AddPartitions {
            name: name.to_string(),
            replicas,
        })
        .await?
    {
        Applied::Refused(_) => Err(not_found(name)),
        _ => {
            mirrored(topics, name, |t| {
                t.is_some_and(|t| t.partition_count() == total)
            })
            .await
        }
    }
}

pub async fn delete(controller: &Controller, topics: &Topics, name: &str) -> Result<()> {
    if !controller.state().topics.contains_key(name) {
        return Err(topics.get(name).err().unwrap_or_else(|| not_found(name)));
    }
    match controller
        .write(Command::DeleteTopic {
            name: name.to_string(),
        })
        .await?
    {
        Applied::Refused(_) => Err(not_found(name)),
        _ => {
            let deadline = Instant::now() + MIRROR_WAIT;
            while topics.get(name).is_ok() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok(())
        }
    }
}

fn not_found(name: &str) -> BrokerError {
    BrokerError::TopicNotFound {
        name: name.to_string(),
        suggestion: None,
    }
}

/// Waits until this node's registry shows what the controller committed.
async fn mirrored(
    topics: &Topics,
    name: &str,
    done: impl Fn(Option<&Arc<Topic>>) -> bool,
) -> Result<Arc<Topic>> {
    let deadline = Instant::now() + MIRROR_WAIT;
    loop {
        let topic = topics.get(name).ok();
        if done(topic.as_ref()) {
            if let Some(topic) = topic {
                return Ok(topic);
            }
        }
        if Instant::now() >= deadline {
            return Err(BrokerError::InvalidRequest(format!(
                "the controller committed the change to topic {name:?}, but this node has not applied it within {MIRROR_WAIT:?}; check `mqctl cluster status` on this node"
            )));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What a preferred-leader election did to one partition.
#[derive(Debug, Clone)]
pub struct Elected {
    pub topic: String,
    pub partition: u32,
    pub leader: Option<u32>,
    pub leader_epoch: i32,
    /// Why leadership did not move; None when it moved.
    pub refused: Option<String>,
}

/// Gives leadership back to preferred replicas: of every partition, of one
/// topic's, or of one partition.
pub async fn elect_preferred(
    controller: &Controller,
    topic: Option<&str>,
    partition: Option<u32>,
) -> Result<Vec<Elected>> {
    let state = controller.state();
    let mut targets = Vec::new();
    for (name, meta) in &state.topics {
        if topic.is_some_and(|t| t != name) {
            continue;
        }
        for id in 0..meta.partitions.len() as u32 {
            if partition.is_none_or(|p| p == id) {
                targets.push((name.clone(), id));
            }
        }
    }
    if let Some(t) = topic {
        if !state.topics.contains_key(t) {
            return Err(not_found(t));
        }
        if let Some(p) = partition.filter(|_| targets.is_empty()) {
            return Err(BrokerError::PartitionNotFound {
                topic: t.to_string(),
                partition: p,
                count: state.topics[t].partitions.len() as u32,
            });
        }
    }
    let mut out = Vec::with_capacity(targets.len());
    for (topic, partition) in targets {
        let epoch_before = state
            .topics
            .get(&topic)
            .and_then(|t| t.partitions.get(partition as usize))
            .map_or(0, |p| p.leader_epoch);
        let applied = controller
            .write(Command::ElectPreferred {
                topic: topic.clone(),
                partition,
            })
            .await?;
        if applied == Applied::Done {
            applied_here(controller, |s| {
                s.topics
                    .get(&topic)
                    .and_then(|t| t.partitions.get(partition as usize))
                    .is_some_and(|p| p.leader_epoch > epoch_before)
            })
            .await;
        }
        let now = controller.state();
        let p = &now
            .topics
            .get(&topic)
            .and_then(|t| t.partitions.get(partition as usize));
        out.push(Elected {
            leader: p.and_then(|p| p.leader),
            leader_epoch: p.map_or(0, |p| p.leader_epoch),
            refused: match applied {
                Applied::Refused(why) => Some(why),
                _ => None,
            },
            topic,
            partition,
        });
    }
    Ok(out)
}

/// Starts moving a partition's replicas to `replicas`; the controller
/// completes the move once the new ones are in sync.
pub async fn reassign(
    controller: &Controller,
    topic: &str,
    partition: u32,
    replicas: Vec<u32>,
) -> Result<()> {
    let state = controller.state();
    let Some(meta) = state.topics.get(topic) else {
        return Err(not_found(topic));
    };
    if partition as usize >= meta.partitions.len() {
        return Err(BrokerError::PartitionNotFound {
            topic: topic.to_string(),
            partition,
            count: meta.partitions.len() as u32,
        });
    }
    let mut distinct = replicas.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if replicas.is_empty() || distinct.len() != replicas.len() {
        return Err(BrokerError::InvalidRequest(format!(
            "replicas {replicas:?}: give one or more distinct broker ids, preferred leader first"
        )));
    }
    if let Some(r) = replicas
        .iter()
        .find(|r| !state.live_brokers().any(|b| b.node_id == **r))
    {
        return Err(BrokerError::InvalidRequest(format!(
            "broker {r} is not alive; see `mqctl cluster brokers`"
        )));
    }
    let command = Command::Reassign {
        topic: topic.to_string(),
        partition,
        target: replicas.clone(),
    };
    match controller.write(command).await? {
        Applied::Refused(why) => Err(BrokerError::InvalidRequest(why)),
        _ => {
            applied_here(controller, |s| {
                s.topics
                    .get(topic)
                    .and_then(|t| t.partitions.get(partition as usize))
                    .is_some_and(|p| {
                        p.target.as_ref() == Some(&replicas)
                            || (p.target.is_none() && p.replicas == replicas)
                    })
            })
            .await;
            Ok(())
        }
    }
}

/// Waits (briefly) until this node has applied a change the controller
/// committed, so the answer describes it. A forwarded write returns once
/// the leader applied it; this node may be a moment behind.
async fn applied_here(controller: &Controller, done: impl Fn(&super::state::ClusterState) -> bool) {
    let deadline = Instant::now() + MIRROR_WAIT;
    while !done(&controller.state()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
