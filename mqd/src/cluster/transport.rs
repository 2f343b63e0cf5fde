//! How the controller reaches its peers, as bytes in and bytes out.
//!
//! The cluster code decides what is sent (JSON-encoded Raft messages,
//! forwarded writes, heartbeats); `grpc` carries it over the internal
//! `mq.v1.Raft` service. Keeping tonic out of `cluster` keeps one module
//! per foreign engine, and lets tests wire nodes together in memory.

use std::time::Duration;

use futures::future::BoxFuture;

/// The internal calls between nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerCall {
    AppendEntries,
    Vote,
    InstallSnapshot,
    /// A metadata write sent on to the Raft leader.
    Forward,
    /// A broker's liveness heartbeat to the controller.
    Heartbeat,
}

pub type PeerReply = BoxFuture<'static, Result<Vec<u8>, String>>;

pub trait PeerTransport: Send + Sync + 'static {
    /// Sends `body` to the node at `address`; the error says why it did
    /// not arrive or was not answered within `timeout`.
    fn call(&self, address: &str, call: PeerCall, body: Vec<u8>, timeout: Duration) -> PeerReply;
}
