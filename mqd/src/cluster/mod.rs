//! The cluster: the controller's replicated metadata (`state`), its Raft
//! group (`raft`), broker liveness and fencing (`liveness`,
//! `controller`), and how nodes reach each other (`transport`).
//!
//! A node started without peers is a cluster of one: it runs the same
//! controller with itself as the only voter.

pub mod assignment;
pub mod controller;
pub mod coordinator;
pub mod liveness;
pub mod raft;
pub mod state;
pub mod topic_admin;
pub mod transport;

use std::time::Duration;

use thiserror::Error;

pub use controller::{BrokerView, Controller};

#[derive(Debug, Error)]
pub enum ClusterError {
    #[error("controller storage: {0}")]
    Meta(#[from] crate::meta::MetaError),
    #[error("controller Raft: {0}")]
    Raft(String),
    #[error("cluster message could not be read: {0}")]
    Codec(String),
    #[error("the cluster has no controller right now (an election is under way, or fewer than a majority of the {voters} voters are reachable); retry in a few seconds")]
    NoController { voters: usize },
    #[error("node {node_id} is not the controller{}", .leader.map(|l| format!("; node {l} is")).unwrap_or_default())]
    NotController { node_id: u32, leader: Option<u32> },
    #[error("the controller at {address} did not answer: {reason}")]
    Unreachable { address: String, reason: String },
    #[error("the controller did not commit the change within {0:?}; a majority of voters may be unreachable")]
    Timeout(Duration),
}

/// Where a partition's replicas are and which are in sync. The one place
/// that answers it, for Metadata, DescribeTopic, DescribePartitions and
/// Stats alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub leader: u32,
    pub replicas: Vec<u32>,
    pub isr: Vec<u32>,
    pub leader_epoch: u32,
    /// No live leader.
    pub offline: bool,
}

impl Placement {
    /// Until partitions are replicated, a partition lives on the node that
    /// holds it, which leads it and is its only (in-sync) replica.
    pub fn local(node_id: u32, leader_epoch: i32) -> Placement {
        Placement {
            leader: node_id,
            replicas: vec![node_id],
            isr: vec![node_id],
            leader_epoch: leader_epoch.max(0) as u32,
            offline: false,
        }
    }

    pub fn under_replicated(&self) -> bool {
        !self.offline && self.isr.len() < self.replicas.len()
    }
}

/// Timing of broker liveness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterSettings {
    /// How often each broker tells the controller it is alive.
    pub heartbeat_interval: Duration,
    /// Silence after which the controller fences a broker.
    pub session_timeout: Duration,
    /// A follower behind its leader this long leaves the ISR.
    pub replica_lag_time_max: Duration,
    /// How often the Raft log is compacted into a snapshot.
    pub compaction: Compaction,
}

/// Snapshot cadence of the controller's log. Not a config key: the
/// defaults suit any metadata volume mq has; tests shrink them to see
/// snapshots, purges and snapshot installs happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compaction {
    /// Entries applied since the last snapshot that trigger the next.
    pub snapshot_every: u64,
    /// Entries kept below a snapshot, so a briefly absent follower catches
    /// up from the log rather than by a snapshot.
    pub keep_after_snapshot: u64,
}

impl Default for Compaction {
    fn default() -> Self {
        Compaction {
            snapshot_every: 2_000,
            keep_after_snapshot: 1_000,
        }
    }
}
