//! The gRPC surface: `mq.v1.Broker`, `mq.v1.Admin`, the internal
//! `mq.v1.Raft`, health and reflection.
//!
//! The only module that sees tonic and protobuf types. Services convert
//! requests into domain calls and domain results (or errors, through
//! `status`) into responses; no broker logic lives here.

mod admin;
mod alerts;
pub mod channels;
mod cluster_admin;
mod data;
mod group_forward;
pub mod metrics_layer;
pub mod peers;
mod produce_stream;
mod queue;
mod raft;
mod stats;
mod status;

use std::sync::Arc;

use mq::proto::admin_server::AdminServer;
use mq::proto::broker_server::BrokerServer;
use mq::proto::raft_server::RaftServer;
use tonic::transport::server::Router;
use tonic::transport::Server;
use tonic_health::server::HealthReporter;

use crate::broker::Broker;

/// Largest gRPC message accepted or sent; produce requests and fetch
/// responses are bounded well below this by max.message.bytes and
/// max_fetch_bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Largest HTTP/2 frame mqd accepts.
const MAX_FRAME_BYTES: u32 = 1 << 20;

/// The router with every service behind the request-metrics layer.
pub type MeteredRouter =
    Router<tower_layer::Stack<metrics_layer::RequestMetricsLayer, tower_layer::Identity>>;

/// Builds the router with every service, and the health reporter that
/// boot flips to serving once ready and back at shutdown.
pub async fn router(
    broker: Arc<Broker>,
) -> Result<(MeteredRouter, HealthReporter), tonic_reflection::server::Error> {
    let (mut reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_not_serving::<BrokerServer<data::DataService>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(mq::proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(mq::proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let data = BrokerServer::new(data::DataService::new(broker.clone()))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let instruments = broker.instruments.clone();
    let raft = RaftServer::new(raft::RaftService::new(broker.cluster.clone()))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let admin = AdminServer::new(admin::AdminService::new(broker));
    let router = Server::builder()
        .layer(metrics_layer::RequestMetricsLayer::new(instruments))
        .tcp_nodelay(true)
        // Producers may send 1 MiB HTTP/2 frames instead of 16 KiB ones: a
        // 64 KiB batch arrives in one frame, not four (+25-40% produce
        // throughput in docs/benchmarks.md).
        .max_frame_size(Some(MAX_FRAME_BYTES))
        .initial_stream_window_size(Some(4 * 1024 * 1024))
        .initial_connection_window_size(Some(16 * 1024 * 1024))
        .add_service(health)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(data)
        .add_service(admin)
        .add_service(raft);
    Ok((router, reporter))
}

/// Marks every service serving (or not) in grpc.health.v1.
pub async fn set_serving(reporter: &mut HealthReporter, serving: bool) {
    if serving {
        reporter
            .set_serving::<BrokerServer<data::DataService>>()
            .await;
        reporter
            .set_serving::<AdminServer<admin::AdminService>>()
            .await;
        reporter
            .set_service_status("", tonic_health::ServingStatus::Serving)
            .await;
    } else {
        reporter
            .set_not_serving::<BrokerServer<data::DataService>>()
            .await;
        reporter
            .set_not_serving::<AdminServer<admin::AdminService>>()
            .await;
        reporter
            .set_service_status("", tonic_health::ServingStatus::NotServing)
            .await;
    }
}
