//! A history of samples, one per second, of what rates and lag trends are
//! computed from: partition traffic counters and high watermarks, and each
//! consumer group's committed offsets and members.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::broker::Broker;

/// Samples kept: a minute at one per second.
const KEEP: usize = 61;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartitionCounters {
    pub records_in: u64,
    pub bytes_in: u64,
    pub records_out: u64,
    pub bytes_out: u64,
    pub high_watermark: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupPosition {
    pub committed: Option<i64>,
    pub high_watermark: i64,
    pub lag: i64,
}

#[derive(Debug, Default)]
pub struct GroupSample {
    pub members: usize,
    pub partitions: HashMap<(String, u32), GroupPosition>,
}

#[derive(Debug)]
pub struct Sample {
    pub at: Instant,
    pub partitions: HashMap<(String, u32), PartitionCounters>,
    pub groups: HashMap<String, GroupSample>,
}

#[derive(Default)]
pub struct History {
    samples: Mutex<VecDeque<Arc<Sample>>>,
}

impl History {
    /// Takes a sample of the broker now.
    pub fn take(&self, broker: &Broker) {
        let mut partitions = HashMap::new();
        for t in broker.topics.list() {
            for p in t.partitions() {
                let traffic = p.traffic();
                partitions.insert(
                    (p.topic().to_string(), p.id()),
                    PartitionCounters {
                        records_in: traffic.records_in.load(Ordering::Relaxed),
                        bytes_in: traffic.bytes_in.load(Ordering::Relaxed),
                        records_out: traffic.records_out.load(Ordering::Relaxed),
                        bytes_out: traffic.bytes_out.load(Ordering::Relaxed),
                        high_watermark: p.state().high_watermark,
                    },
                );
            }
        }
        let mut groups = HashMap::new();
        if let Ok(listed) = broker.groups.list() {
            for g in listed {
                let Ok(report) = broker.groups.describe(&broker.topics, &g.name) else {
                    continue;
                };
                let sample = GroupSample {
                    members: g.members,
                    partitions: report
                        .partitions
                        .into_iter()
                        .map(|p| {
                            (
                                (p.topic, p.partition),
                                GroupPosition {
                                    committed: p.committed.map(|c| c.offset),
                                    high_watermark: p.high_watermark,
                                    lag: p.lag,
                                },
                            )
                        })
                        .collect(),
                };
                groups.insert(g.name, sample);
            }
        }
        let mut samples = self.samples.lock();
        samples.push_back(Arc::new(Sample {
            at: Instant::now(),
            partitions,
            groups,
        }));
        while samples.len() > KEEP {
            samples.pop_front();
        }
    }

    /// The newest sample, and the newest one at least `span` older than it
    /// (or the oldest kept, when none is that old).
    pub fn window(&self, span: Duration) -> Option<(Arc<Sample>, Arc<Sample>)> {
        let samples = self.samples.lock();
        let latest = samples.back()?.clone();
        let start = samples
            .iter()
            .rev()
            .find(|s| latest.at.duration_since(s.at) >= span)
            .or_else(|| samples.front())?
            .clone();
        Some((start, latest))
    }

    /// The newest `n` samples, oldest first.
    pub fn recent(&self, n: usize) -> Vec<Arc<Sample>> {
        let samples = self.samples.lock();
        samples
            .iter()
            .skip(samples.len().saturating_sub(n))
            .cloned()
            .collect()
    }
}
