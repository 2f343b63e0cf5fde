//! The broker's domain errors. The gRPC layer maps them to statuses in one
//! place (`grpc::status`); nothing below it sees a status code.

use thiserror::Error;

use crate::log::LogError;
use crate::meta::MetaError;
use crate::topic_config::ConfigError;

#[derive(Debug, Error)]
pub enum BrokerError {
    #[error("invalid topic name {name:?}: {why}")]
    InvalidTopicName { name: String, why: &'static str },
    #[error("invalid partition count {requested}: {why}")]
    InvalidPartitions { requested: u32, why: String },
    #[error("invalid replication factor {requested}: this cluster has {available} broker(s); use a factor from 1 to {available}")]
    InvalidReplicationFactor { requested: u32, available: u32 },
    #[error("topic {0:?} already exists")]
    TopicExists(String),
    #[error("topic {name:?} does not exist{}", suggestion.as_ref().map(|s| format!("; did you mean {s:?}?")).unwrap_or_default())]
    TopicNotFound {
        name: String,
        suggestion: Option<String>,
    },
    #[error("topic {topic:?} has no partition {partition}; its partitions are 0..{}", count.saturating_sub(1))]
    PartitionNotFound {
        topic: String,
        partition: u32,
        count: u32,
    },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Log(#[from] LogError),
    #[error(transparent)]
    Meta(#[from] MetaError),
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("this broker does not lead {topic}/{partition}{}; refresh metadata and send to the leader", match .leader { Some(l) => format!(" (node {l} does)"), None => " (it has no leader right now)".to_string() })]
    NotLeader {
        topic: String,
        partition: u32,
        leader: Option<u32>,
    },
    #[error("broker {node} does not coordinate consumer group {group:?}{}; send the group's calls there (the mq library follows this answer)", match (.coordinator, .address) { (Some(c), Some(a)) => format!(" (node {c} at {a} does)"), _ => " (no broker is alive to coordinate it right now)".to_string() })]
    NotCoordinator {
        group: String,
        node: u32,
        coordinator: Option<u32>,
        address: Option<String>,
    },
    #[error("broker {node} leads none of topic {topic:?}'s partitions right now; send Receive to each partition's leader (Metadata names them) with its partitions listed, as the mq library does")]
    LeadsNoPartition { topic: String, node: u32 },
    #[error("{topic}/{partition} has {} in-sync replica(s) {isr:?}, fewer than its min.insync.replicas = {min_insync}, so an acks=all write {}; bring replicas back (see `mqctl cluster partitions --under-replicated`) or lower min.insync.replicas", isr.len(), if *appended { "was written to the leader but is not acknowledged" } else { "is refused" })]
    NotEnoughReplicas {
        topic: String,
        partition: u32,
        isr: Vec<u32>,
        min_insync: u32,
        /// The records reached the leader's log before the ISR shrank.
        appended: bool,
    },
    #[error("{topic}/{partition}: leader epoch {got} is not the current epoch {current}; the replica must refresh its view of the partition")]
    FencedLeaderEpoch {
        topic: String,
        partition: u32,
        current: i32,
        got: i32,
    },
    #[error("{topic}/{partition}: the in-sync replicas {isr:?} did not all have the write within {waited:?}; it may still be committed, so retry with an idempotent producer")]
    ReplicationTimeout {
        topic: String,
        partition: u32,
        waited: std::time::Duration,
        isr: Vec<u32>,
    },
    #[error("the broker is shutting down; retry against another broker or after restart")]
    ShuttingDown,
    #[error("group {0:?} does not exist (no members and no committed offsets)")]
    GroupNotFound(String),
    #[error("{member:?} is not a member of group {group:?}: its session expired without a heartbeat, it left, or the broker restarted; join the group again")]
    UnknownMember { group: String, member: String },
    #[error("{topic}/{partition} is not assigned to member {member:?} of group {group:?}; only the owner of a partition may read or commit it for the group")]
    NotAssigned {
        group: String,
        member: String,
        topic: String,
        partition: u32,
    },
    #[error("group {group:?} has {members} live member(s); stop its consumers (or wait for their sessions to expire) first")]
    GroupNotEmpty { group: String, members: usize },
    #[error("no alert {0:?}; list them with `mqctl alert list`")]
    AlertNotFound(String),
    #[error("alert {id:?} is {state}; only a firing alert can be acknowledged")]
    AlertNotFiring { id: String, state: &'static str },
    #[error("group {group:?} is a {kind} group; a group name is either a consumer group or a queue group, so pick another name (or delete the group first)")]
    GroupTypeMismatch { group: String, kind: &'static str },
}

pub type Result<T, E = BrokerError> = std::result::Result<T, E>;
