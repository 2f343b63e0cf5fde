//! A follower's copy loop for one partition: first cut the log back to
//! where it agrees with the leader (by leader epochs), then fetch from the
//! leader's log end over the ordinary Fetch call, append, and repeat.
//!
//! One task per followed partition, started by `reconcile` for a leader
//! and epoch and cancelled when either changes.

use std::sync::Arc;
use std::time::Duration;

use mq::proto::broker_client::BrokerClient;
use mq::proto::{FetchRequest, OffsetForLeaderEpochRequest};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use crate::grpc::channels::PeerChannels;
use crate::partition::Partition;

/// How long one fetch waits at the leader for new records.
const FETCH_WAIT: Duration = Duration::from_millis(500);
/// First pause after a failed call; doubles up to `MAX_BACKOFF`.
const BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Channels to the other brokers, shared by every fetcher of this node.
#[derive(Default)]
pub struct Links {
    channels: PeerChannels,
}

impl Links {
    fn client(&self, address: &str) -> Result<BrokerClient<Channel>, String> {
        Ok(BrokerClient::new(self.channels.get(address)?)
            .max_decoding_message_size(crate::grpc::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(crate::grpc::MAX_MESSAGE_BYTES))
    }
}

/// What a follower needs to know of its leader.
pub struct Assignment {
    pub me: u32,
    pub leader: u32,
    pub leader_address: String,
    pub epoch: i32,
    pub max_bytes: u32,
}

/// Copies the leader's log until cancelled.
pub async fn run(
    partition: Arc<Partition>,
    assignment: Assignment,
    links: Arc<Links>,
    cancel: CancellationToken,
) {
    let topic = partition.topic().to_string();
    let id = partition.id();
    let mut backoff = BACKOFF;
    let mut truncated = false;
    let mut warned = false;
    loop {
        let step = async {
            let mut client = links.client(&assignment.leader_address)?;
            if !truncated {
                truncate_to_leader(&mut client, &partition, &assignment).await?;
                truncated = true;
            }
            fetch_once(&mut client, &partition, &assignment).await
        };
        let result = tokio::select! {
            r = step => r,
            _ = cancel.cancelled() => return,
        };
        match result {
            Ok(()) => {
                backoff = BACKOFF;
                warned = false;
            }
            Err(e) => {
                // A leader that is gone or moved shows up in the metadata
                // soon; until then, retry quietly.
                if !warned {
                    tracing::debug!(topic, partition = id, leader = assignment.leader, error = %e, "fetch from leader failed; retrying");
                    warned = true;
                }
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = cancel.cancelled() => return,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Asks the leader where this log's latest epoch ends there and drops
/// anything past it: records of an epoch the leader does not have, or of
/// a shared epoch beyond the leader's end of it, were never committed.
async fn truncate_to_leader(
    client: &mut BrokerClient<Channel>,
    partition: &Partition,
    assignment: &Assignment,
) -> Result<(), String> {
    let (latest, _) = partition.epochs(i32::MAX);
    let Some(latest) = latest else {
        return Ok(());
    };
    let reply = client
        .offset_for_leader_epoch(OffsetForLeaderEpochRequest {
            topic: partition.topic().to_string(),
            partition: partition.id(),
            epoch: latest,
            leader_epoch: assignment.epoch,
        })
        .await
        .map_err(|s| s.message().to_string())?
        .into_inner();
    let end = partition.log_end();
    let cut = if reply.epoch < 0 {
        // The leader has no epoch this old: nothing here is shared.
        0
    } else if reply.epoch == latest {
        reply.end_offset.min(end)
    } else {
        // Epochs after the leader's answer exist only here.
        let (_, after) = partition.epochs(reply.epoch);
        let first_unknown = after.map_or(end, |(_, start)| start);
        reply.end_offset.min(first_unknown).min(end)
    };
    if cut < end {
        let new_end = partition.truncate_to(cut).map_err(|e| e.to_string())?;
        tracing::warn!(
            topic = partition.topic(),
            partition = partition.id(),
            leader = assignment.leader,
            epoch = assignment.epoch,
            from = end,
            to = new_end,
            "truncated records the leader does not have (never committed)"
        );
    }
    Ok(())
}

async fn fetch_once(
    client: &mut BrokerClient<Channel>,
    partition: &Partition,
    assignment: &Assignment,
) -> Result<(), String> {
    let offset = partition.log_end();
    let response = match client
        .fetch(FetchRequest {
            topic: partition.topic().to_string(),
            partition: partition.id(),
            offset,
            max_bytes: assignment.max_bytes,
            max_wait_ms: FETCH_WAIT.as_millis() as u32,
            replica_id: Some(assignment.me),
            leader_epoch: assignment.epoch,
            ..Default::default()
        })
        .await
    {
        Ok(response) => response.into_inner(),
        Err(status) => {
            let err = mq::Error::from(status);
            // Retention at the leader deleted what this replica needs next:
            // start over from the leader's first offset.
            if err.reason() == Some(mq::reason::OFFSET_OUT_OF_RANGE) {
                if let Some(start) = err
                    .metadata("log_start_offset")
                    .and_then(|s| s.parse::<i64>().ok())
                {
                    if start > offset {
                        tracing::warn!(topic = partition.topic(), partition = partition.id(), from = offset, to = start, "the leader no longer has the records this replica needs next; restarting the log at the leader's start");
                        partition.restart_at(start).map_err(|e| e.to_string())?;
                        return Ok(());
                    }
                }
            }
            return Err(err.to_string());
        }
    };
    match partition.append_replica(
        &response.records,
        response.high_watermark,
        mq::record::now_ms(),
    ) {
        Ok(_) => Ok(()),
        // The leader's batch straddles this log's end: the logs disagree
        // inside that batch, so drop this log's part of it.
        Err(crate::error::BrokerError::Log(crate::log::LogError::ReplicaGap { expected, got }))
            if got < expected =>
        {
            partition.truncate_to(got).map_err(|e| e.to_string())?;
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}
