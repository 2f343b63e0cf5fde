//! Domain errors to gRPC statuses, in one place.
//!
//! Each status carries a sentence for people and a `google.rpc.ErrorInfo`
//! detail with a machine-readable reason from `mq::reason` (and, where it
//! helps a program recover, metadata such as the valid offset range).

use std::collections::HashMap;

use mq::reason;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::cluster::ClusterError;
use crate::error::BrokerError;
use crate::log::LogError;

/// Controller errors: UNAVAILABLE when waiting or retrying can help (no
/// leader, a peer unreachable, a commit that timed out), INTERNAL when the
/// node's own controller state is broken.
pub fn cluster_status(err: ClusterError) -> Status {
    let message = err.to_string();
    let code = match &err {
        ClusterError::NoController { .. }
        | ClusterError::NotController { .. }
        | ClusterError::Unreachable { .. }
        | ClusterError::Timeout(_) => Code::Unavailable,
        ClusterError::Codec(_) => Code::InvalidArgument,
        ClusterError::Meta(_) | ClusterError::Raft(_) => {
            tracing::error!(error = %err, "controller error");
            Code::Internal
        }
    };
    let why = if code == Code::Unavailable {
        reason::CONTROLLER_UNAVAILABLE
    } else {
        reason::STORAGE_ERROR
    };
    Status::with_error_details(
        code,
        message,
        ErrorDetails::with_error_info(why, reason::DOMAIN, HashMap::new()),
    )
}

pub fn to_status(err: BrokerError) -> Status {
    let err = match err {
        BrokerError::Cluster(e) => return cluster_status(e),
        other => other,
    };
    let message = err.to_string();
    let mut metadata = HashMap::new();
    let (code, why) = match &err {
        BrokerError::InvalidTopicName { .. } => (Code::InvalidArgument, reason::INVALID_TOPIC_NAME),
        BrokerError::InvalidPartitions { .. } => {
            (Code::InvalidArgument, reason::INVALID_PARTITIONS)
        }
        BrokerError::InvalidReplicationFactor { .. } => {
            (Code::InvalidArgument, reason::INVALID_REPLICATION_FACTOR)
        }
        BrokerError::TopicExists(_) => (Code::AlreadyExists, reason::TOPIC_EXISTS),
        BrokerError::TopicNotFound { suggestion, .. } => {
            if let Some(s) = suggestion {
                metadata.insert("suggestion".to_string(), s.clone());
            }
            (Code::NotFound, reason::TOPIC_NOT_FOUND)
        }
        BrokerError::PartitionNotFound { count, .. } => {
            metadata.insert("partitions".to_string(), count.to_string());
            (Code::NotFound, reason::PARTITION_NOT_FOUND)
        }
        BrokerError::Config(_) => (Code::InvalidArgument, reason::INVALID_CONFIG),
        BrokerError::InvalidRequest(_) => (Code::InvalidArgument, reason::INVALID_REQUEST),
        BrokerError::ShuttingDown => (Code::Unavailable, reason::SHUTTING_DOWN),
        BrokerError::NotLeader { leader, .. } => {
            if let Some(l) = leader {
                metadata.insert("leader".to_string(), l.to_string());
            }
            (Code::Unavailable, reason::NOT_LEADER)
        }
        BrokerError::LeadsNoPartition { .. } => (Code::Unavailable, reason::NOT_LEADER),
        BrokerError::NotCoordinator {
            coordinator,
            address,
            ..
        } => {
            if let Some(c) = coordinator {
                metadata.insert("coordinator".to_string(), c.to_string());
            }
            if let Some(a) = address {
                metadata.insert("coordinator_address".to_string(), a.clone());
            }
            (Code::Unavailable, reason::NOT_COORDINATOR)
        }
        BrokerError::NotEnoughReplicas {
            isr, min_insync, ..
        } => {
            let isr: Vec<String> = isr.iter().map(u32::to_string).collect();
            metadata.insert("isr".to_string(), isr.join(","));
            metadata.insert("min_insync_replicas".to_string(), min_insync.to_string());
            (Code::Unavailable, reason::NOT_ENOUGH_REPLICAS)
        }
        BrokerError::FencedLeaderEpoch { current, .. } => {
            metadata.insert("leader_epoch".to_string(), current.to_string());
            (Code::FailedPrecondition, reason::FENCED_LEADER_EPOCH)
        }
        BrokerError::ReplicationTimeout { .. } => {
            (Code::DeadlineExceeded, reason::REPLICATION_TIMEOUT)
        }
        BrokerError::GroupNotFound(_) => (Code::NotFound, reason::GROUP_NOT_FOUND),
        BrokerError::UnknownMember { .. } => (Code::FailedPrecondition, reason::UNKNOWN_MEMBER),
        BrokerError::NotAssigned { .. } => {
            (Code::FailedPrecondition, reason::PARTITION_NOT_ASSIGNED)
        }
        BrokerError::GroupNotEmpty { members, .. } => {
            metadata.insert("members".to_string(), members.to_string());
            (Code::FailedPrecondition, reason::GROUP_NOT_EMPTY)
        }
        BrokerError::AlertNotFound(_) => (Code::NotFound, reason::ALERT_NOT_FOUND),
        BrokerError::AlertNotFiring { .. } => (Code::FailedPrecondition, reason::ALERT_NOT_FIRING),
        BrokerError::GroupTypeMismatch { kind, .. } => {
            metadata.insert("kind".to_string(), kind.to_string());
            (Code::FailedPrecondition, reason::GROUP_TYPE_MISMATCH)
        }
        BrokerError::Cluster(_) => (Code::Internal, reason::STORAGE_ERROR),
        BrokerError::Meta(e) => {
            tracing::error!(error = %e, "metadata store error");
            (Code::Internal, reason::STORAGE_ERROR)
        }
        BrokerError::Log(log) => match log {
            LogError::OffsetOutOfRange {
                log_start,
                high_watermark,
                ..
            } => {
                metadata.insert("log_start_offset".to_string(), log_start.to_string());
                metadata.insert("high_watermark".to_string(), high_watermark.to_string());
                (Code::OutOfRange, reason::OFFSET_OUT_OF_RANGE)
            }
            LogError::InvalidBatch { .. } | LogError::EmptyRequest => {
                (Code::InvalidArgument, reason::CORRUPT_BATCH)
            }
            LogError::BatchTooLarge { .. } => (Code::InvalidArgument, reason::RECORD_TOO_LARGE),
            LogError::BacklogFull { .. } => (Code::ResourceExhausted, reason::BACKLOG_FULL),
            LogError::OutOfOrderSequence { expected, got, .. } => {
                metadata.insert("expected_sequence".to_string(), expected.to_string());
                metadata.insert("sequence".to_string(), got.to_string());
                (Code::FailedPrecondition, reason::OUT_OF_ORDER_SEQUENCE)
            }
            LogError::ProducerFenced { current, .. } => {
                metadata.insert("current_epoch".to_string(), current.to_string());
                (Code::FailedPrecondition, reason::PRODUCER_FENCED)
            }
            LogError::PartialDuplicate => (Code::InvalidArgument, reason::INVALID_REQUEST),
            LogError::ReplicaGap { .. } => (Code::FailedPrecondition, reason::INVALID_REQUEST),
            LogError::Io { .. } | LogError::BadSegmentName { .. } => {
                tracing::error!(error = %log, "storage error");
                (Code::Internal, reason::STORAGE_ERROR)
            }
        },
    };
    Status::with_error_details(
        code,
        message,
        ErrorDetails::with_error_info(why, reason::DOMAIN, metadata),
    )
}

/// A request field that failed validation in the gRPC layer itself.
pub fn invalid_argument(message: impl Into<String>) -> Status {
    to_status(BrokerError::InvalidRequest(message.into()))
}
