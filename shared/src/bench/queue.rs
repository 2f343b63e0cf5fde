//! Queue benchmark: acked deliveries per second with several receivers of
//! one queue group draining a pre-filled topic.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Progress, Report};
use crate::error::Result;
use crate::{Client, Receiver, ReceiverConfig};

#[derive(Debug, Clone)]
pub struct QueueLoad {
    pub topic: String,
    /// A fresh group starts at the log start; None picks a new name.
    pub group: Option<String>,
    /// Concurrent receivers, each with its own connection.
    pub receivers: usize,
    /// Stop once this many deliveries are acked.
    pub records: u64,
    /// Most records per receive.
    pub max_records: u32,
}

/// Each receiver receives and acks (waiting for the ack to be durable)
/// until `records` deliveries are acked across receivers.
pub async fn receive_and_ack(
    servers: &str,
    load: &QueueLoad,
    progress: Arc<Progress>,
) -> Result<Report> {
    let group = load
        .group
        .clone()
        .unwrap_or_else(|| format!("bench-queue-{}", std::process::id()));
    let mut receivers = Vec::new();
    for i in 0..load.receivers.max(1) {
        let client = Client::connect(servers).await?;
        let mut config = ReceiverConfig::new(group.clone(), load.topic.clone());
        config.receiver_id = format!("bench-{i}");
        config.max_records = load.max_records;
        receivers.push(Receiver::new(client, config)?);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for receiver in receivers {
        let progress = progress.clone();
        let target = load.records;
        tasks.push(tokio::spawn(async move {
            let mut bytes = 0u64;
            while progress.records.load(Ordering::Relaxed) < target {
                let batch = receiver.receive(Duration::from_millis(500)).await?;
                if batch.is_empty() {
                    continue;
                }
                receiver.ack(&batch).await?;
                bytes += batch
                    .iter()
                    .map(|r| r.record.value.as_ref().map_or(0, |v| v.len()) as u64)
                    .sum::<u64>();
                progress
                    .records
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
            Ok::<u64, crate::Error>(bytes)
        }));
    }
    let mut bytes = 0;
    for task in tasks {
        bytes += task
            .await
            .map_err(|e| crate::Error::InvalidArgument(format!("receiver task failed: {e}")))??;
    }
    Ok(Report {
        records: progress.records.load(Ordering::Relaxed),
        bytes,
        elapsed: started.elapsed(),
        latency: None,
    })
}
