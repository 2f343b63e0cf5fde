//! The cluster: the controller's replicated metadata (`state`), its Raft
//! group (`raft`), broker liveness and fencing (`liveness`,
//! `controller`), and how nodes reach each other (`transport`).
//!
//! A node started without peers is a cluster of one: it runs the same
//! controller with itself as the only voter.

pub mod controller;
pub mod liveness;
pub mod raft;
pub mod state;
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

/// Timing of broker liveness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterSettings {
    /// How often each broker tells the controller it is alive.
    pub heartbeat_interval: Duration,
    /// Silence after which the controller fences a broker.
    pub session_timeout: Duration,
}
