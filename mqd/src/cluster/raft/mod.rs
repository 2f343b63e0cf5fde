//! The controller's consensus: an openraft group over the voter nodes.
//!
//! The only module that sees openraft. It persists the log and snapshots
//! through `meta::raft_disk`, talks to peers through a `PeerTransport`, and
//! offers the rest of mqd three things: serve a peer's Raft message,
//! propose a `Command`, and read the Raft status.

// openraft's trait methods return its `StorageError` (over 200 bytes);
// the helpers that build one share that signature.
#[allow(clippy::result_large_err)]
mod log_store;
mod network;
#[allow(clippy::result_large_err)]
mod state_machine;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use openraft::error::{ClientWriteError, InitializeError, RaftError};
use openraft::{BasicNode, Config, ServerState, SnapshotPolicy};
use tokio::sync::watch;

use super::state::{Applied, ClusterState, Command};
use super::transport::{PeerCall, PeerTransport};
use super::{ClusterError, Compaction};
use crate::meta::raft_disk::RaftDisk;

pub type NodeId = u64;

openraft::declare_raft_types!(
    /// Commands are `cluster::state::Command`s; snapshots are JSON bytes.
    pub TypeConfig:
        D = Command,
        R = Applied,
        Node = BasicNode,
        SnapshotData = Cursor<Vec<u8>>,
);

/// Raft timing. Elections take a second or two on purpose: a loaded
/// two-core machine must not see leaders flap under it.
const RAFT_HEARTBEAT_MS: u64 = 200;
const ELECTION_TIMEOUT_MIN_MS: u64 = 1_000;
const ELECTION_TIMEOUT_MAX_MS: u64 = 2_000;

/// Where a proposal went.
pub enum Proposal {
    Applied(Applied),
    /// This node is not the leader; the leader is there, if known.
    NotLeader(Option<(u32, String)>),
}

/// A snapshot of the Raft group as this node sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftStatus {
    pub node_id: u32,
    pub leader: Option<u32>,
    pub role: &'static str,
    pub term: u64,
    /// Index of the last committed entry, if any.
    pub committed: Option<u64>,
    pub applied: Option<u64>,
    /// Index of the last entry in this node's latest snapshot.
    pub snapshot: Option<u64>,
    /// Entries up to this index are compacted away.
    pub purged: Option<u64>,
    pub voters: BTreeMap<u32, String>,
}

pub struct RaftNode {
    raft: openraft::Raft<TypeConfig>,
    node_id: u32,
    committed: Arc<AtomicU64>,
}

fn node_id(id: NodeId) -> u32 {
    u32::try_from(id).unwrap_or(u32::MAX)
}

impl RaftNode {
    /// Opens (or creates) the Raft state under `dir` and starts the node.
    /// A pristine node initialises the group with `voters`; every voter
    /// does so with the same list, which openraft allows.
    pub async fn start(
        node: u32,
        voters: &BTreeMap<u32, String>,
        dir: &Path,
        transport: Arc<dyn PeerTransport>,
        compaction: Compaction,
    ) -> Result<(Self, watch::Receiver<Arc<ClusterState>>), ClusterError> {
        let disk = RaftDisk::open(dir)?;
        let log = log_store::LogStore::new(disk.clone()).map_err(storage)?;
        let committed = log.committed();
        let (machine, state) = state_machine::StateMachine::open(disk).map_err(storage)?;
        let config = Config {
            cluster_name: "mq".into(),
            heartbeat_interval: RAFT_HEARTBEAT_MS,
            election_timeout_min: ELECTION_TIMEOUT_MIN_MS,
            election_timeout_max: ELECTION_TIMEOUT_MAX_MS,
            snapshot_policy: SnapshotPolicy::LogsSinceLast(compaction.snapshot_every),
            max_in_snapshot_log_to_keep: compaction.keep_after_snapshot,
            // Purge as soon as entries fall out of what is kept.
            purge_batch_size: 1,
            ..Default::default()
        }
        .validate()
        .map_err(|e| ClusterError::Raft(e.to_string()))?;
        let raft = openraft::Raft::new(
            NodeId::from(node),
            Arc::new(config),
            network::Network { transport },
            log,
            machine,
        )
        .await
        .map_err(|e| ClusterError::Raft(e.to_string()))?;
        let members: BTreeMap<NodeId, BasicNode> = voters
            .iter()
            .map(|(id, addr)| (NodeId::from(*id), BasicNode::new(addr)))
            .collect();
        let initialized = raft
            .is_initialized()
            .await
            .map_err(|e| ClusterError::Raft(e.to_string()))?;
        if initialized {
            let stored = raft.metrics().borrow().membership_config.clone();
            let stored: Vec<u32> = stored.nodes().map(|(id, _)| node_id(*id)).collect();
            if stored != voters.keys().copied().collect::<Vec<_>>() {
                tracing::warn!(
                    stored = ?stored,
                    configured = ?voters,
                    "the voters stored in the Raft log differ from --peers; the stored ones stay in force (changing voters is not supported yet)"
                );
            }
        } else {
            match raft.initialize(members).await {
                Ok(()) => {
                    tracing::info!(voters = ?voters, "initialised the controller's Raft group")
                }
                // Another voter's initialisation reached this one first.
                Err(RaftError::APIError(InitializeError::NotAllowed(_))) => {}
                Err(e) => return Err(ClusterError::Raft(e.to_string())),
            }
        }
        Ok((
            RaftNode {
                raft,
                node_id: node,
                committed,
            },
            state,
        ))
    }

    /// Answers a peer's Raft message; the reply is the JSON of the result.
    pub async fn serve(&self, call: PeerCall, body: &[u8]) -> Result<Vec<u8>, ClusterError> {
        fn reply<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ClusterError> {
            serde_json::to_vec(value).map_err(|e| ClusterError::Codec(e.to_string()))
        }
        fn request<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ClusterError> {
            serde_json::from_slice(body).map_err(|e| ClusterError::Codec(e.to_string()))
        }
        match call {
            PeerCall::AppendEntries => reply(&self.raft.append_entries(request(body)?).await),
            PeerCall::Vote => reply(&self.raft.vote(request(body)?).await),
            PeerCall::InstallSnapshot => reply(&self.raft.install_snapshot(request(body)?).await),
            PeerCall::Forward | PeerCall::Heartbeat => Err(ClusterError::Codec(format!(
                "{call:?} is not a Raft message"
            ))),
        }
    }

    /// Proposes a command if this node leads; otherwise says who does.
    pub async fn propose(&self, command: Command) -> Result<Proposal, ClusterError> {
        match self.raft.client_write(command).await {
            Ok(response) => Ok(Proposal::Applied(response.data)),
            Err(RaftError::APIError(ClientWriteError::ForwardToLeader(to))) => {
                Ok(Proposal::NotLeader(match (to.leader_id, to.leader_node) {
                    (Some(id), Some(node)) => Some((node_id(id), node.addr)),
                    _ => None,
                }))
            }
            Err(e) => Err(ClusterError::Raft(e.to_string())),
        }
    }

    pub fn status(&self) -> RaftStatus {
        let m = self.raft.metrics().borrow().clone();
        let committed = self.committed.load(Ordering::Relaxed);
        RaftStatus {
            node_id: self.node_id,
            leader: m.current_leader.map(node_id),
            role: match m.state {
                ServerState::Leader => "leader",
                ServerState::Follower => "follower",
                ServerState::Candidate => "candidate",
                ServerState::Learner => "learner",
                ServerState::Shutdown => "shut down",
            },
            term: m.current_term,
            committed: committed.checked_sub(1),
            applied: m.last_applied.map(|l| l.index),
            snapshot: m.snapshot.map(|l| l.index),
            purged: m.purged.map(|l| l.index),
            voters: m
                .membership_config
                .nodes()
                .map(|(id, n)| (node_id(*id), n.addr.clone()))
                .collect(),
        }
    }

    /// True while this node leads the group.
    pub fn is_leader(&self) -> bool {
        self.raft.metrics().borrow().state == ServerState::Leader
    }

    pub async fn shutdown(&self) {
        if let Err(e) = self.raft.shutdown().await {
            tracing::warn!(error = %e, "stopping the controller's Raft node");
        }
    }
}

fn storage(e: openraft::StorageError<NodeId>) -> ClusterError {
    ClusterError::Raft(e.to_string())
}
