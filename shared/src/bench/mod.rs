//! The load generator behind `mqctl bench` and the end-to-end benchmarks:
//! produce or consume at full speed (or at a set rate) through the real
//! client library, and report throughput and latency percentiles.
//!
//! Produce latency is measured from `send` to the broker's acknowledgement
//! for one record in every [`LATENCY_SAMPLE_EVERY`], so measuring does not
//! itself become the bottleneck.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use tokio::sync::mpsc;

use crate::batch::Compression;
use crate::error::{Error, Result};
use crate::{
    Acks, Client, Consumer, ConsumerConfig, Producer, ProducerConfig, Record, StartOffset,
};

/// One record in this many has its produce latency recorded.
pub const LATENCY_SAMPLE_EVERY: u64 = 16;

#[derive(Debug, Clone)]
pub struct ProduceLoad {
    pub topic: String,
    /// Concurrent producers, each with its own client connection.
    pub producers: usize,
    /// Total records across producers.
    pub records: u64,
    pub record_size: usize,
    pub acks: Acks,
    pub compression: Compression,
    pub batch_bytes: usize,
    pub linger: Duration,
    /// Target records per second across producers; None = as fast as possible.
    pub rate: Option<u64>,
    /// Idempotent producers (the client's default).
    pub idempotence: bool,
}

impl Default for ProduceLoad {
    fn default() -> Self {
        ProduceLoad {
            topic: "bench".into(),
            producers: 1,
            records: 1_000_000,
            record_size: 1024,
            acks: Acks::Leader,
            compression: Compression::None,
            batch_bytes: 64 * 1024,
            linger: Duration::from_millis(5),
            rate: None,
            idempotence: true,
        }
    }
}

/// Percentiles in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    pub p50_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub records: u64,
    pub bytes: u64,
    pub elapsed: Duration,
    pub latency: Option<Latency>,
}

impl Report {
    pub fn records_per_sec(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    pub fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Counts records as they complete, for progress displays.
#[derive(Debug, Default)]
pub struct Progress {
    pub records: AtomicU64,
}

/// Produces `load.records` records of `load.record_size` bytes (the value;
/// keyless, so the sticky partitioner fills batches) and waits for every
/// acknowledgement.
pub async fn produce(servers: &str, load: &ProduceLoad, progress: Arc<Progress>) -> Result<Report> {
    if load.producers == 0 || load.record_size == 0 {
        return Err(Error::InvalidArgument(
            "producers and record size must be at least 1".into(),
        ));
    }
    let value = Bytes::from(vec![b'x'; load.record_size]);
    let per_producer = load.records / load.producers as u64;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..load.producers {
        let client = Client::connect(servers).await?;
        let count = per_producer + u64::from((i as u64) < load.records % load.producers as u64);
        let rate = load.rate.map(|r| (r / load.producers as u64).max(1));
        let config = ProducerConfig {
            linger: load.linger,
            batch_bytes: load.batch_bytes,
            compression: load.compression,
            acks: load.acks,
            idempotence: load.idempotence,
            ..ProducerConfig::default()
        };
        let (topic, value, progress) = (load.topic.clone(), value.clone(), progress.clone());
        tasks.push(tokio::spawn(async move {
            produce_one(
                Producer::new(client, config),
                &topic,
                value,
                count,
                rate,
                progress,
            )
            .await
        }));
    }
    let mut histogram = new_histogram();
    for task in tasks {
        let h = task
            .await
            .map_err(|e| Error::InvalidArgument(format!("producer task failed: {e}")))??;
        histogram
            .add(&h)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    }
    let elapsed = started.elapsed();
    Ok(Report {
        records: load.records,
        bytes: load.records * load.record_size as u64,
        elapsed,
        latency: summarize(&histogram),
    })
}

async fn produce_one(
    producer: Producer,
    topic: &str,
    value: Bytes,
    count: u64,
    rate: Option<u64>,
    progress: Arc<Progress>,
) -> Result<Histogram<u64>> {
    let (tx, mut rx) = mpsc::channel::<(Instant, crate::Delivery)>(4096);
    let recorder = tokio::spawn(async move {
        let mut histogram = new_histogram();
        while let Some((sent, delivery)) = rx.recv().await {
            delivery.await?;
            let _ = histogram.record(sent.elapsed().as_micros() as u64);
        }
        Ok::<_, Error>(histogram)
    });
    let started = Instant::now();
    let mut last = None;
    for i in 0..count {
        if let Some(rate) = rate {
            if i % 64 == 0 {
                let due = started + Duration::from_secs_f64(i as f64 / rate as f64);
                tokio::time::sleep_until(due.into()).await;
            }
        }
        let sampled = i % LATENCY_SAMPLE_EVERY == 0;
        let sent = sampled.then(Instant::now);
        let delivery = producer.send(topic, Record::new(value.clone())).await?;
        if let Some(sent) = sent {
            let _ = tx.send((sent, delivery)).await;
        } else if i + 1 == count {
            last = Some(delivery);
        }
        if (i + 1) % 4096 == 0 {
            progress.records.fetch_add(4096, Ordering::Relaxed);
        }
    }
    producer.flush().await?;
    if let Some(d) = last {
        d.await?;
    }
    drop(tx);
    let histogram = recorder
        .await
        .map_err(|e| Error::InvalidArgument(format!("latency task failed: {e}")))??;
    progress.records.fetch_add(count % 4096, Ordering::Relaxed);
    Ok(histogram)
}

/// Reads `records` records from every partition of `topic`, from the start.
pub async fn consume(
    servers: &str,
    topic: &str,
    records: u64,
    progress: Arc<Progress>,
) -> Result<Report> {
    let client = Client::connect(servers).await?;
    let mut consumer = Consumer::new(
        client,
        ConsumerConfig {
            max_bytes: 4 << 20,
            ..ConsumerConfig::default()
        },
    );
    let started = Instant::now();
    consumer.assign_topic(topic, StartOffset::Earliest).await?;
    let mut seen = 0u64;
    let mut bytes = 0u64;
    while seen < records {
        let batch = consumer.poll(Duration::from_secs(10)).await?;
        if batch.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "no records for 10 s after {seen} of {records}; is the topic filled?"
            )));
        }
        seen += batch.len() as u64;
        bytes += batch
            .iter()
            .map(|r| r.value.as_ref().map_or(0, Bytes::len) as u64)
            .sum::<u64>();
        progress.records.store(seen, Ordering::Relaxed);
    }
    Ok(Report {
        records: seen,
        bytes,
        elapsed: started.elapsed(),
        latency: None,
    })
}

pub(crate) fn new_histogram() -> Histogram<u64> {
    // 1 µs to 10 min at 3 significant figures: constant, valid bounds.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant histogram bounds are valid")
}

fn summarize(h: &Histogram<u64>) -> Option<Latency> {
    (!h.is_empty()).then(|| Latency {
        p50_us: h.value_at_quantile(0.50),
        p99_us: h.value_at_quantile(0.99),
        p999_us: h.value_at_quantile(0.999),
        max_us: h.max(),
    })
}

pub mod groups;
pub mod queue;
