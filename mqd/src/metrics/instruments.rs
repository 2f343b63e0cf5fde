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

const LATENCY_BUCKETS: usize = 18;

/// Upper bound of latency bucket `i` in seconds: 100 µs doubling.
fn bucket_bound(i: usize) -> f64 {
    0.000_1 * 2f64.powi(i as i32)
}

/// 100 µs to ~13 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_1, 2.0, LATENCY_BUCKETS as u16))
}

#[derive(Debug)]
pub struct Instruments {
    pub requests: Family<RequestLabels, Counter>,
    pub request_seconds: HistogramFamily<ApiLabels>,
    pub produce_seconds: Histogram,
    /// The same produce latencies in plain counters (the last one counts
    /// everything above the top bound), so alert rules can take a p99
    /// over their own interval.
    produce_buckets: [std::sync::atomic::AtomicU64; LATENCY_BUCKETS + 1],
    pub connections: Gauge,
    pub connections_accepted: Counter,
    /// ISR changes this node (as a partition leader) got committed.
    pub isr_shrinks: Counter,
    pub isr_expands: Counter,
}

impl Default for Instruments {
    fn default() -> Self {
        Instruments {
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(latency_histogram),
            produce_seconds: latency_histogram(),
            produce_buckets: Default::default(),
            connections: Gauge::default(),
            connections_accepted: Counter::default(),
            isr_shrinks: Counter::default(),
            isr_expands: Counter::default(),
        }
    }
}

impl Instruments {
    pub fn observe_produce(&self, seconds: f64) {
        self.produce_seconds.observe(seconds);
        let i = (0..LATENCY_BUCKETS)
            .find(|&i| seconds <= bucket_bound(i))
            .unwrap_or(LATENCY_BUCKETS);
        self.produce_buckets[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The produce p99 in ms (a bucket's upper bound) since `previous` was
    /// taken, which this replaces with the counts now; None without
    /// produces in between.
    pub fn produce_p99_ms_since(&self, previous: &mut Vec<u64>) -> Option<f64> {
        let now: Vec<u64> = self
            .produce_buckets
            .iter()
            .map(|b| b.load(std::sync::atomic::Ordering::Relaxed))
            .collect();
        let delta: Vec<u64> = now
            .iter()
            .enumerate()
            .map(|(i, n)| n.saturating_sub(previous.get(i).copied().unwrap_or(0)))
            .collect();
        *previous = now;
        let total: u64 = delta.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = (total as f64 * 0.99).ceil() as u64;
        let mut seen = 0;
        for (i, n) in delta.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let bound = if i < LATENCY_BUCKETS {
                    bucket_bound(i)
                } else {
                    bucket_bound(LATENCY_BUCKETS)
                };
                return Some(bound * 1000.0);
            }
        }
        None
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_produce_p99_covers_only_the_interval() {
        let i = Instruments::default();
        let mut previous = Vec::new();
        assert_eq!(i.produce_p99_ms_since(&mut previous), None);
        for _ in 0..99 {
            i.observe_produce(0.000_05); // first bucket: 0.1 ms
        }
        i.observe_produce(0.5); // one slow one: the 1 % tail
        assert_eq!(i.produce_p99_ms_since(&mut previous), Some(0.1));
        for _ in 0..10 {
            i.observe_produce(0.3);
        }
        let p99 = i.produce_p99_ms_since(&mut previous).unwrap();
        assert!((300.0..=410.0).contains(&p99), "{p99}");
    }
}
