//! The controller's `PeerTransport` over gRPC: one lazily connected
//! channel per peer address, reused for every call.

use std::collections::HashMap;
use std::time::Duration;

use mq::proto::raft_client::RaftClient;
use mq::proto::RaftPayload;
use parking_lot::Mutex;
use tonic::transport::{Channel, Endpoint};

use crate::cluster::transport::{PeerCall, PeerReply, PeerTransport};

/// How long connecting to a peer may take before the call fails (Raft
/// retries; a dead peer must not hold a heartbeat up).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct GrpcPeers {
    channels: Mutex<HashMap<String, RaftClient<Channel>>>,
}

impl GrpcPeers {
    fn client(&self, address: &str) -> Result<RaftClient<Channel>, String> {
        let mut channels = self.channels.lock();
        if let Some(c) = channels.get(address) {
            return Ok(c.clone());
        }
        let endpoint = Endpoint::from_shared(format!("http://{address}"))
            .map_err(|e| format!("peer address {address:?}: {e}"))?
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true);
        let client = RaftClient::new(endpoint.connect_lazy())
            .max_decoding_message_size(super::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(super::MAX_MESSAGE_BYTES);
        channels.insert(address.to_string(), client.clone());
        Ok(client)
    }
}

impl PeerTransport for GrpcPeers {
    fn call(&self, address: &str, call: PeerCall, body: Vec<u8>, timeout: Duration) -> PeerReply {
        let client = self.client(address);
        let address = address.to_string();
        Box::pin(async move {
            let mut client = client?;
            let mut request = tonic::Request::new(RaftPayload { json: body.into() });
            request.set_timeout(timeout);
            let reply = match call {
                PeerCall::AppendEntries => client.append_entries(request).await,
                PeerCall::Vote => client.vote(request).await,
                PeerCall::InstallSnapshot => client.install_snapshot(request).await,
                PeerCall::Forward => client.forward(request).await,
                PeerCall::Heartbeat => client.heartbeat(request).await,
            };
            reply
                .map(|r| r.into_inner().json.to_vec())
                .map_err(|s| format!("{address}: {}", s.message()))
        })
    }
}
