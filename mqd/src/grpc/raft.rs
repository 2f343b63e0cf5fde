//! The internal `mq.v1.Raft` service: node-to-node controller traffic,
//! handed to the controller as bytes.

use std::sync::Arc;

use mq::proto::raft_server::Raft;
use mq::proto::RaftPayload;
use tonic::{Request, Response, Status};

use super::status::cluster_status;
use crate::cluster::transport::PeerCall;
use crate::cluster::Controller;

pub struct RaftService {
    controller: Arc<Controller>,
}

impl RaftService {
    pub fn new(controller: Arc<Controller>) -> Self {
        RaftService { controller }
    }

    async fn serve(
        &self,
        call: PeerCall,
        request: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        let body = request.into_inner().json;
        match self.controller.serve_peer(call, &body).await {
            Ok(reply) => Ok(Response::new(RaftPayload { json: reply.into() })),
            Err(e) => Err(cluster_status(e)),
        }
    }
}

#[tonic::async_trait]
impl Raft for RaftService {
    async fn append_entries(
        &self,
        request: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        self.serve(PeerCall::AppendEntries, request).await
    }

    async fn vote(&self, request: Request<RaftPayload>) -> Result<Response<RaftPayload>, Status> {
        self.serve(PeerCall::Vote, request).await
    }

    async fn install_snapshot(
        &self,
        request: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        self.serve(PeerCall::InstallSnapshot, request).await
    }

    async fn forward(
        &self,
        request: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        self.serve(PeerCall::Forward, request).await
    }

    async fn heartbeat(
        &self,
        request: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        self.serve(PeerCall::Heartbeat, request).await
    }
}
