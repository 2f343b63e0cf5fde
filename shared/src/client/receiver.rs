//! The queue receiver: the receivers of one group share a topic's records
//! one by one, as workers share a job queue.
//!
//! Each record [`Receiver::receive`] returns is leased to this receiver for
//! the visibility timeout. [`Receiver::ack`] settles it; [`Receiver::nack`]
//! gives it back (optionally after a delay) with the error that made
//! processing fail. A record not acked in time, or nacked, is delivered
//! again (to any receiver), and after `max_deliveries` deliveries it is
//! copied to the dead-letter topic instead, with `mq.dlq.*` headers saying
//! where it came from, how often it was tried and the last error.
//!
//! Delivery is at-least-once: a receiver that acks late, or a broker that
//! restarts, causes a redelivery, so processing should be idempotent.
//! [`Received::delivery_count`] above 1 says a record has been seen before.
//!
//! ```no_run
//! # async fn demo() -> mq::Result<()> {
//! use std::time::Duration;
//! use mq::{Client, Receiver, ReceiverConfig};
//! let client = Client::connect("http://127.0.0.1:7420").await?;
//! let receiver = Receiver::new(client, ReceiverConfig::new("mailers", "emails"))?;
//! loop {
//!     let batch = receiver.receive(Duration::from_secs(5)).await?;
//!     let (done, failed): (Vec<_>, Vec<_>) = batch.into_iter().partition(|r| r.record.value.is_some());
//!     receiver.ack(&done).await?;
//!     receiver.nack(&failed, Duration::from_secs(10), "empty body").await?;
//! }
//! # }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::batch::decode_batches;
use crate::client::connection::Client;
use crate::error::{Error, Result, Unsettled};
use crate::proto::{AckRequest, LeasedOffsets, NackRequest, QueueDelivery, ReceiveRequest};
use crate::record::ConsumedRecord;

#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    pub group: String,
    pub topic: String,
    /// Names this receiver in DescribeGroup; defaults to `<host>-<pid>`.
    pub receiver_id: String,
    /// Most records per receive.
    pub max_records: u32,
    /// Upper bound on the bytes of one receive (0 = the broker's default).
    pub max_bytes: u32,
    /// How long a received record stays leased before it is delivered again.
    pub visibility_timeout: Duration,
    /// Deliveries after which a record goes to the dead-letter topic.
    pub max_deliveries: u32,
    /// None: `<topic>.<group>.dlq`.
    pub dead_letter_topic: Option<String>,
}

impl ReceiverConfig {
    pub fn new(group: impl Into<String>, topic: impl Into<String>) -> Self {
        ReceiverConfig {
            group: group.into(),
            topic: topic.into(),
            receiver_id: default_receiver_id(),
            max_records: 500,
            max_bytes: 0,
            visibility_timeout: Duration::from_secs(30),
            max_deliveries: 5,
            dead_letter_topic: None,
        }
    }
}

/// A record leased to this receiver.
#[derive(Debug, Clone)]
pub struct Received {
    pub record: ConsumedRecord,
    /// 1 on the first delivery.
    pub delivery_count: u32,
    pub lease_id: u64,
    /// When the lease runs out, in ms since the Unix epoch.
    pub lease_deadline_ms: i64,
}

pub struct Receiver {
    client: Client,
    config: ReceiverConfig,
    topic: Arc<str>,
}

impl Receiver {
    pub fn new(client: Client, config: ReceiverConfig) -> Result<Self> {
        if config.group.is_empty() || config.topic.is_empty() {
            return Err(Error::InvalidArgument(
                "a receiver needs a group and a topic".to_string(),
            ));
        }
        let visibility = config.visibility_timeout.as_millis();
        if !(1_000..=43_200_000).contains(&visibility) {
            return Err(Error::InvalidArgument(format!(
                "visibility timeout {visibility} ms is outside 1000..=43200000 ms"
            )));
        }
        if config.max_deliveries == 0 || config.max_records == 0 {
            return Err(Error::InvalidArgument(
                "max_deliveries and max_records must be at least 1".to_string(),
            ));
        }
        let topic = config.topic.as_str().into();
        Ok(Receiver {
            client,
            config,
            topic,
        })
    }

    pub fn config(&self) -> &ReceiverConfig {
        &self.config
    }

    /// Leases up to `max_records` records, waiting up to `max_wait` for
    /// some to become available; empty when none did.
    pub async fn receive(&self, max_wait: Duration) -> Result<Vec<Received>> {
        let c = &self.config;
        let response = self
            .client
            .broker()
            .receive(ReceiveRequest {
                group: c.group.clone(),
                topic: c.topic.clone(),
                receiver_id: c.receiver_id.clone(),
                max_records: c.max_records,
                max_bytes: c.max_bytes,
                max_wait_ms: max_wait.as_millis().min(u32::MAX as u128) as u32,
                visibility_timeout_ms: c.visibility_timeout.as_millis() as u32,
                max_deliveries: c.max_deliveries,
                dead_letter_topic: c.dead_letter_topic.clone().unwrap_or_default(),
            })
            .await?
            .into_inner();
        let mut out = Vec::new();
        for delivery in response.deliveries {
            self.pick(delivery, &mut out)?;
        }
        Ok(out)
    }

    /// Keeps the leased records of one delivery's batches.
    fn pick(&self, d: QueueDelivery, out: &mut Vec<Received>) -> Result<()> {
        let new_end = d.first_offset + d.count as i64;
        let from = d
            .redeliveries
            .first()
            .map_or(d.first_offset, |r| r.offset.min(d.first_offset));
        let records = decode_batches(d.records, &self.topic, d.partition, from)?;
        out.reserve(d.count as usize + d.redeliveries.len());
        let mut last = i64::MIN;
        for record in records {
            let offset = record.offset;
            if offset <= last {
                continue;
            }
            let delivery_count = if offset >= d.first_offset && offset < new_end {
                1
            } else {
                match d.redeliveries.binary_search_by_key(&offset, |r| r.offset) {
                    Ok(at) => d.redeliveries[at].delivery_count,
                    Err(_) => continue,
                }
            };
            last = offset;
            out.push(Received {
                record,
                delivery_count,
                lease_id: d.lease_id,
                lease_deadline_ms: d.lease_deadline_ms,
            });
        }
        Ok(())
    }

    /// Settles `records`. When some cannot be (their lease ran out, so they
    /// will be delivered again), the others are still settled and the
    /// error lists the refused ones.
    pub async fn ack(&self, records: &[Received]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let response = self
            .client
            .broker()
            .ack(AckRequest {
                group: self.config.group.clone(),
                topic: self.config.topic.clone(),
                leases: leases(records),
            })
            .await?
            .into_inner();
        settled(records.len(), response.failures)
    }

    /// Gives `records` back: each is delivered again after `delay`, or
    /// dead-lettered (with `error` in its headers) when its deliveries are
    /// used up.
    pub async fn nack(&self, records: &[Received], delay: Duration, error: &str) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let response = self
            .client
            .broker()
            .nack(NackRequest {
                group: self.config.group.clone(),
                topic: self.config.topic.clone(),
                leases: leases(records),
                delay_ms: delay.as_millis().min(u32::MAX as u128) as u32,
                error: error.to_string(),
            })
            .await?
            .into_inner();
        settled(records.len(), response.failures)
    }
}

/// Groups offsets by partition and lease.
fn leases(records: &[Received]) -> Vec<LeasedOffsets> {
    let mut by_lease: BTreeMap<(u32, u64), Vec<i64>> = BTreeMap::new();
    for r in records {
        by_lease
            .entry((r.record.partition, r.lease_id))
            .or_default()
            .push(r.record.offset);
    }
    by_lease
        .into_iter()
        .map(|((partition, lease_id), offsets)| LeasedOffsets {
            partition,
            lease_id,
            offsets,
        })
        .collect()
}

fn settled(total: usize, failures: Vec<crate::proto::SettleFailure>) -> Result<()> {
    if failures.is_empty() {
        return Ok(());
    }
    Err(Error::Unsettled {
        total,
        refused: failures
            .into_iter()
            .map(|f| Unsettled {
                partition: f.partition,
                offset: f.offset,
                reason: f.reason,
                message: f.message,
            })
            .collect(),
    })
}

fn default_receiver_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "receiver".to_string());
    format!("{host}-{}", std::process::id())
}
