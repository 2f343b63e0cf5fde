//! The built-in canary: every interval mqd produces one record to its
//! internal topic `__mq_canary` through its own gRPC listener, with the
//! real client library, and reads it back the same way. In a cluster each
//! broker has its own, `__mq_canary.<node id>`, led by that broker and
//! replicated like any topic, so each probes itself end to end, acks=all
//! replication included. The time from send
//! to receipt is the end-to-end latency a client sees on this broker; a
//! sequence number finds records lost or delivered twice. Figures go to
//! /metrics, Stats and the `canary_failures` alert metric.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mq::{Acks, Client, Consumer, ConsumerConfig, Producer, ProducerConfig, Record, StartOffset};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use tokio_util::sync::CancellationToken;

use crate::broker::Broker;
use crate::error::BrokerError;

pub const TOPIC: &str = "__mq_canary";
const SENT_HEADER: &str = "mq.canary.sent_ms";

#[derive(Debug)]
pub struct CanaryStats {
    pub sent: AtomicU64,
    pub received: AtomicU64,
    pub lost: AtomicU64,
    pub duplicated: AtomicU64,
    /// Produces or reads that failed.
    pub failures: AtomicU64,
    pub last_latency_us: AtomicU64,
    pub latency: Histogram,
}

impl Default for CanaryStats {
    fn default() -> Self {
        CanaryStats {
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            duplicated: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            last_latency_us: AtomicU64::new(0),
            latency: Histogram::new(exponential_buckets(0.000_1, 2.0, 18)),
        }
    }
}

/// Tracks the sequence numbers read back.
#[derive(Debug, Default)]
struct Sequence {
    expected: u64,
}

impl Sequence {
    /// (lost, duplicated) that seeing `seq` reveals.
    fn saw(&mut self, seq: u64) -> (u64, u64) {
        if seq < self.expected {
            (0, 1)
        } else {
            let lost = seq - self.expected;
            self.expected = seq + 1;
            (lost, 0)
        }
    }
}

pub async fn run(
    broker: Arc<Broker>,
    address: String,
    every: Duration,
    shutdown: CancellationToken,
) {
    let configs: BTreeMap<String, String> = [
        ("retention.ms".to_string(), "3600000".to_string()),
        ("segment.bytes".to_string(), "1048576".to_string()),
    ]
    .into();
    let stats = &broker.canary;
    let topic = if broker.topics.clustered() {
        format!("{TOPIC}.{}", broker.identity.node_id)
    } else {
        TOPIC.to_string()
    };
    // In a cluster the controller may not be there yet: keep trying.
    loop {
        let created = if broker.topics.clustered() {
            crate::cluster::topic_admin::create_led_here(
                &broker.cluster,
                &broker.topics,
                &topic,
                configs.clone(),
            )
            .await
        } else {
            broker.topics.create(&topic, 1, 1, configs.clone()).await
        };
        match created {
            Ok(_) | Err(BrokerError::TopicExists(_)) => break,
            Err(e) if broker.topics.clustered() => {
                tracing::debug!(error = %e, "canary waits for the cluster to create {topic}");
                tokio::select! {
                    _ = tokio::time::sleep(every.max(Duration::from_secs(1))) => {}
                    _ = shutdown.cancelled() => return,
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "canary off: cannot create {topic}");
                return;
            }
        }
    }
    let client = loop {
        match Client::connect(&address).await {
            Ok(c) => break c,
            Err(e) => {
                stats.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "canary cannot connect; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = shutdown.cancelled() => return,
                }
            }
        }
    };
    let producer = Producer::new(
        client.clone(),
        ProducerConfig {
            acks: Acks::All,
            linger: Duration::ZERO,
            ..ProducerConfig::default()
        },
    );
    let mut consumer = Consumer::new(client.clone(), ConsumerConfig::default());
    loop {
        match consumer.assign(&topic, 0, StartOffset::Latest).await {
            Ok(_) => break,
            Err(e) if e.is_retriable() => {
                tokio::select! {
                    _ = tokio::time::sleep(every.max(Duration::from_secs(1))) => {}
                    _ = shutdown.cancelled() => return,
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "canary off: cannot read {topic}");
                return;
            }
        }
    }
    // Records of earlier runs carry another key and are skipped.
    let run_id = format!("{:016x}", {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        nanos ^ ((std::process::id() as u64) << 40)
    });
    let mut sequence = Sequence::default();
    let mut next_seq = 0u64;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {
                let record = Record::new(next_seq.to_string())
                    .with_key(run_id.clone())
                    .with_header(SENT_HEADER, mq::record::now_ms().to_string());
                next_seq += 1;
                let sent = async { producer.send(&topic, record).await?.await };
                match tokio::time::timeout(every.max(Duration::from_secs(5)), sent).await {
                    Ok(Ok(_)) => {
                        stats.sent.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Err(e)) => {
                        stats.failures.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(error = %e, "canary produce failed");
                    }
                    Err(_) => {
                        stats.failures.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!("canary produce timed out");
                    }
                }
            }
            polled = consumer.poll(every) => match polled {
                Ok(records) => {
                    let now = mq::record::now_ms();
                    for r in records {
                        if r.key.as_deref() != Some(run_id.as_bytes()) {
                            continue;
                        }
                        let Some(seq) = r.value.as_deref().and_then(|v| std::str::from_utf8(v).ok()?.parse::<u64>().ok()) else {
                            continue;
                        };
                        let sent_ms = r
                            .headers
                            .iter()
                            .find(|h| h.key == SENT_HEADER)
                            .and_then(|h| std::str::from_utf8(h.value.as_deref()?).ok()?.parse::<i64>().ok())
                            .unwrap_or(now);
                        let latency = Duration::from_millis((now - sent_ms).max(0) as u64);
                        stats.latency.observe(latency.as_secs_f64());
                        stats.last_latency_us.store(latency.as_micros() as u64, Ordering::Relaxed);
                        stats.received.fetch_add(1, Ordering::Relaxed);
                        let (lost, duplicated) = sequence.saw(seq);
                        if lost > 0 {
                            tracing::error!(lost, "canary records lost");
                            stats.lost.fetch_add(lost, Ordering::Relaxed);
                        }
                        if duplicated > 0 {
                            tracing::warn!(seq, "canary record delivered twice");
                            stats.duplicated.fetch_add(duplicated, Ordering::Relaxed);
                        }
                    }
                }
                Err(e) => {
                    stats.failures.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, "canary read failed");
                    tokio::select! {
                        _ = tokio::time::sleep(every) => {}
                        _ = shutdown.cancelled() => return,
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_lost_and_repeats_are_duplicates() {
        let mut s = Sequence::default();
        assert_eq!(s.saw(0), (0, 0));
        assert_eq!(s.saw(1), (0, 0));
        assert_eq!(s.saw(4), (2, 0));
        assert_eq!(s.saw(4), (0, 1));
        assert_eq!(s.saw(2), (0, 1));
        assert_eq!(s.saw(5), (0, 0));
    }
}
