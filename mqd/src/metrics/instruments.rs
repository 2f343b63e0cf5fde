//! Measurements taken while the broker works. Updating one is an atomic
//! add (and, for families, a read-locked map lookup): nothing per record.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// `Service/Method`, e.g. `Broker/Produce`.
    pub api: &'static str,
    /// The gRPC status code name, e.g. `OK`, `NOT_FOUND`.
    pub code: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiLabels {
    pub api: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// 100 µs to ~13 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_1, 2.0, 18))
}

#[derive(Debug)]
pub struct Instruments {
    pub requests: Family<RequestLabels, Counter>,
    pub request_seconds: HistogramFamily<ApiLabels>,
    pub produce_seconds: Histogram,
    pub connections: Gauge,
    pub connections_accepted: Counter,
}

impl Default for Instruments {
    fn default() -> Self {
        Instruments {
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(latency_histogram),
            produce_seconds: latency_histogram(),
            connections: Gauge::default(),
            connections_accepted: Counter::default(),
        }
    }
}

impl Instruments {
    /// Label values are static: recording allocates nothing.
    pub fn request(&self, api: &'static str, code: &'static str, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels { api, code })
            .inc();
        self.request_seconds
            .get_or_create(&ApiLabels { api })
            .observe(seconds);
    }
}
