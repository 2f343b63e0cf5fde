//! Copies records whose deliveries are used up to the group's dead-letter
//! topic. This is the one place the broker decodes a record: the copy keeps
//! the original key, value, headers and timestamp and adds headers saying
//! where it came from, so an operator can inspect it and replay it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use mq::batch::{decode_batches, encode_batch, Compression, ProducerStamp};
use mq::record::{Header, Record};

use super::ledger::DeadLetter;
use super::{QueuePartition, Queues};
use crate::error::BrokerError;
use crate::log::LogError;
use crate::topics::{Topic, Topics};

/// How long a failed copy waits before the next attempt.
const RETRY_AFTER: Duration = Duration::from_secs(5);

pub const HEADER_TOPIC: &str = "mq.dlq.topic";
pub const HEADER_PARTITION: &str = "mq.dlq.partition";
pub const HEADER_OFFSET: &str = "mq.dlq.offset";
pub const HEADER_GROUP: &str = "mq.dlq.group";
pub const HEADER_DELIVERIES: &str = "mq.dlq.deliveries";
pub const HEADER_ERROR: &str = "mq.dlq.error";

impl Queues {
    /// Copies each record to its dead-letter topic and settles it; a copy
    /// that fails is tried again later, never delivered to a receiver.
    pub(super) async fn dead_letter(
        &self,
        topics: &Topics,
        group: &str,
        qp: &QueuePartition,
        dead: Vec<DeadLetter>,
    ) {
        for d in dead {
            match copy(topics, self.cluster.as_ref(), group, qp, &d).await {
                Ok(()) => {
                    tracing::info!(
                        group,
                        topic = %qp.topic,
                        partition = qp.partition,
                        offset = d.offset,
                        deliveries = d.deliveries,
                        dead_letter_topic = %d.topic,
                        "record dead-lettered"
                    );
                    qp.ledger.lock().dead_lettered(d.offset);
                }
                Err(e) => {
                    tracing::warn!(
                        group,
                        topic = %qp.topic,
                        partition = qp.partition,
                        offset = d.offset,
                        dead_letter_topic = %d.topic,
                        error = %e,
                        "dead-letter copy failed; retrying in {RETRY_AFTER:?}"
                    );
                    qp.ledger
                        .lock()
                        .dead_letter_failed(d.offset, std::time::Instant::now() + RETRY_AFTER);
                }
            }
        }
    }
}

async fn copy(
    topics: &Topics,
    cluster: Option<&super::replicated::Replicated>,
    group: &str,
    qp: &QueuePartition,
    d: &DeadLetter,
) -> Result<(), String> {
    let (_, source) = topics
        .partition(&qp.topic, qp.partition)
        .map_err(|e| e.to_string())?;
    let mut record = match source.fetch(d.offset, 1, Duration::ZERO).await {
        Ok(read) => {
            let name: Arc<str> = qp.topic.as_str().into();
            let decoded = decode_batches(read.records, &name, qp.partition, d.offset)
                .map_err(|e| format!("decoding the record: {e}"))?;
            match decoded.into_iter().find(|r| r.offset == d.offset) {
                Some(r) => Record {
                    key: r.key,
                    value: r.value,
                    headers: r.headers,
                    timestamp_ms: r.timestamp_ms,
                },
                None => return Err(format!("offset {} not found in its batch", d.offset)),
            }
        }
        Err(BrokerError::Log(LogError::OffsetOutOfRange { log_start, .. }))
            if d.offset < log_start =>
        {
            // Retention removed it first: nothing is left to copy.
            tracing::warn!(topic = %qp.topic, partition = qp.partition, offset = d.offset,
                "record removed by retention before it could be dead-lettered");
            return Ok(());
        }
        Err(e) => return Err(e.to_string()),
    };
    let mut add = |key: &str, value: String| {
        record.headers.push(Header {
            key: key.to_string(),
            value: Some(value.into_bytes().into()),
        })
    };
    add(HEADER_TOPIC, qp.topic.clone());
    add(HEADER_PARTITION, qp.partition.to_string());
    add(HEADER_OFFSET, d.offset.to_string());
    add(HEADER_GROUP, group.to_string());
    add(HEADER_DELIVERIES, d.deliveries.to_string());
    if let Some(error) = &d.last_error {
        add(HEADER_ERROR, error.to_string());
    }
    let batch = encode_batch(&[record], Compression::None, ProducerStamp::NONE)
        .map_err(|e| format!("encoding the copy: {e}"))?;
    if let Some(cluster) = cluster {
        return cluster.produce(topics, &d.topic, qp.partition, batch).await;
    }
    let target = dead_letter_topic(topics, &d.topic).await?;
    let parts = target.partitions();
    if parts.is_empty() {
        return Err(format!("dead-letter topic {:?} has no partitions", d.topic));
    }
    let p = &parts[qp.partition as usize % parts.len()];
    let info = p
        .write(&batch, &target.config(), mq::record::now_ms())
        .map_err(|e| e.to_string())?;
    p.publish(info, true).await.map_err(|e| e.to_string())
}

/// The dead-letter topic, created with one partition on first use.
async fn dead_letter_topic(topics: &Topics, name: &str) -> Result<Arc<Topic>, String> {
    match topics.get(name) {
        Ok(t) => return Ok(t),
        Err(BrokerError::TopicNotFound { .. }) => {}
        Err(e) => return Err(e.to_string()),
    }
    match topics.create(name, 1, 1, BTreeMap::new()).await {
        Ok(t) => {
            tracing::info!(topic = name, "created dead-letter topic");
            Ok(t)
        }
        Err(BrokerError::TopicExists(_)) => topics.get(name).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}
