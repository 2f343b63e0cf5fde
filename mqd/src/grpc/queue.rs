//! Conversions for the queue calls of `mq.v1.Broker` (Receive, Ack, Nack).

use std::sync::Arc;
use std::time::Duration;

use mq::proto::{
    AckRequest, NackRequest, QueueDelivery, QueueRedelivery, ReceiveRequest, ReceiveResponse,
    SettleFailure, SettleResponse,
};
use mq::reason;
use tonic::Status;

use super::status::{invalid_argument, to_status};
use crate::broker::Broker;
use crate::queues::ledger::{Rejection, Verdict};
use crate::queues::{LeasedOffsets, Receive, Refused};

/// Most offsets one Ack or Nack may name.
const MAX_SETTLE_OFFSETS: usize = 100_000;

pub async fn receive(broker: &Broker, mut r: ReceiveRequest) -> Result<ReceiveResponse, Status> {
    r.partitions.sort_unstable();
    r.partitions.dedup();
    let deliveries = broker
        .receive(Receive {
            group: &r.group,
            topic: &r.topic,
            receiver: &r.receiver_id,
            max_records: r.max_records,
            max_bytes: r.max_bytes as usize,
            max_wait: Duration::from_millis(r.max_wait_ms as u64),
            visibility_ms: r.visibility_timeout_ms,
            max_deliveries: r.max_deliveries,
            dead_letter_topic: &r.dead_letter_topic,
            partitions: &r.partitions,
        })
        .await
        .map_err(to_status)?;
    Ok(ReceiveResponse {
        deliveries: deliveries
            .into_iter()
            .map(|d| QueueDelivery {
                partition: d.partition,
                lease_id: d.grant.lease_id,
                records: d.records,
                first_offset: d.grant.first_new,
                count: d.grant.new_count,
                redeliveries: d
                    .grant
                    .redelivered
                    .iter()
                    .map(|&(offset, delivery_count)| QueueRedelivery {
                        offset,
                        delivery_count,
                    })
                    .collect(),
                lease_deadline_ms: d.deadline_ms,
            })
            .collect(),
    })
}

pub async fn ack(broker: &Broker, r: AckRequest) -> Result<SettleResponse, Status> {
    settle(broker, &r.group, &r.topic, r.leases, Verdict::Ack).await
}

pub async fn nack(broker: &Broker, r: NackRequest) -> Result<SettleResponse, Status> {
    let error: Option<Arc<str>> = (!r.error.is_empty()).then(|| truncate(&r.error).into());
    let verdict = Verdict::Nack {
        delay: Duration::from_millis(r.delay_ms as u64),
        error,
    };
    settle(broker, &r.group, &r.topic, r.leases, verdict).await
}

async fn settle(
    broker: &Broker,
    group: &str,
    topic: &str,
    leases: Vec<mq::proto::LeasedOffsets>,
    verdict: Verdict,
) -> Result<SettleResponse, Status> {
    let total: usize = leases.iter().map(|l| l.offsets.len()).sum();
    if total == 0 {
        return Err(invalid_argument(
            "name at least one leased offset (leases[].offsets) to ack or nack",
        ));
    }
    if total > MAX_SETTLE_OFFSETS {
        return Err(invalid_argument(format!(
            "{total} offsets in one call; send at most {MAX_SETTLE_OFFSETS} per call"
        )));
    }
    let leases: Vec<LeasedOffsets> = leases
        .into_iter()
        .map(|l| LeasedOffsets {
            partition: l.partition,
            lease_id: l.lease_id,
            offsets: l.offsets,
        })
        .collect();
    let refused = broker
        .settle(group, topic, &leases, verdict)
        .await
        .map_err(to_status)?;
    Ok(SettleResponse {
        failures: refused.into_iter().map(|r| failure(topic, r)).collect(),
    })
}

fn failure(topic: &str, r: Refused) -> SettleFailure {
    let (why, message) = match r.why {
        Rejection::Expired => (
            reason::DELIVERY_EXPIRED,
            format!(
                "the lease on {topic}/{}@{} ran out (or the broker restarted) before this call; the record is delivered again, so expect a duplicate",
                r.partition, r.offset
            ),
        ),
        Rejection::AlreadySettled => (
            reason::ALREADY_SETTLED,
            format!(
                "{topic}/{}@{} was already acked or dead-lettered; nothing to do",
                r.partition, r.offset
            ),
        ),
        Rejection::NotInLease => (
            reason::NOT_LEASED,
            format!(
                "{topic}/{}@{} is not part of the named lease; ack the lease_id and offsets a Receive returned",
                r.partition, r.offset
            ),
        ),
    };
    SettleFailure {
        partition: r.partition,
        offset: r.offset,
        reason: why.to_string(),
        message,
    }
}

/// Error texts go into record headers: keep them to a sane size.
fn truncate(s: &str) -> &str {
    const MAX: usize = 4096;
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
