//! The controller's `PeerTransport` over gRPC, on the shared peer channels.

use std::time::Duration;

use mq::proto::raft_client::RaftClient;
use mq::proto::RaftPayload;
use tonic::transport::Channel;

use super::channels::PeerChannels;
use crate::cluster::transport::{PeerCall, PeerReply, PeerTransport};

#[derive(Default)]
pub struct GrpcPeers {
    channels: PeerChannels,
}

impl GrpcPeers {
    fn client(&self, address: &str) -> Result<RaftClient<Channel>, String> {
        Ok(RaftClient::new(self.channels.get(address)?)
            .max_decoding_message_size(super::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(super::MAX_MESSAGE_BYTES))
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
