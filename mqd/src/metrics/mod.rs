//! Prometheus metrics: what the broker measures as it works
//! ([`Instruments`]: requests, latencies, connections), what it reads off
//! its state at scrape time (`collector`: partitions, groups, queues,
//! disk), and the HTTP endpoint that serves them (`http`).
//!
//! Names follow Prometheus conventions: the `mq_` prefix, base units in the
//! name (`_bytes`, `_seconds`), `_total` on counters. Every metric is listed
//! in docs/metrics.md.

mod collector;
pub mod http;
mod instruments;

use std::sync::Arc;

use prometheus_client::registry::Registry;

pub use self::instruments::{Instruments, RequestLabels};
use crate::broker::Broker;

/// The registry behind `/metrics`: the broker's instruments plus a
/// collector that reads partitions, groups and queues on each scrape.
pub fn registry(broker: &Arc<Broker>) -> Registry {
    let i = &broker.instruments;
    let mut r = Registry::default();
    r.register(
        "mq_requests",
        "gRPC requests answered, by method and status code",
        i.requests.clone(),
    );
    // Histograms carry the unit in the name only: some OpenMetrics
    // parsers refuse a UNIT line on a histogram.
    r.register(
        "mq_request_duration_seconds",
        "Time from a gRPC request's arrival to its response (to the first message for streams; long polls included)",
        i.request_seconds.clone(),
    );
    r.register(
        "mq_produce_latency_seconds",
        "Time from a produce request's arrival to its acknowledgement (unary and streamed)",
        i.produce_seconds.clone(),
    );
    r.register(
        "mq_connections",
        "Client connections open now",
        i.connections.clone(),
    );
    r.register(
        "mq_connections_accepted",
        "Client connections accepted since start",
        i.connections_accepted.clone(),
    );
    r.register(
        "mq_isr_shrinks",
        "Times a partition this broker leads dropped a lagging or lost follower from its ISR",
        i.isr_shrinks.clone(),
    );
    r.register(
        "mq_isr_expands",
        "Times a partition this broker leads took a caught-up follower back into its ISR",
        i.isr_expands.clone(),
    );
    r.register(
        "mq_canary_latency_seconds",
        "The built-in canary's send-to-receipt time, through this broker's own gRPC listener",
        broker.canary.latency.clone(),
    );
    r.register_collector(Box::new(collector::BrokerCollector::new(broker)));
    r
}
