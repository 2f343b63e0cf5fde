//! Machine-readable error reasons.
//!
//! The broker puts one of these in the `google.rpc.ErrorInfo` detail of every
//! error status (domain [`DOMAIN`]), beside a sentence meant for people.
//! Clients and scripts branch on the reason, never on the sentence.

/// The `ErrorInfo.domain` of every mq error.
pub const DOMAIN: &str = "mq";

pub const INVALID_TOPIC_NAME: &str = "INVALID_TOPIC_NAME";
pub const INVALID_PARTITIONS: &str = "INVALID_PARTITIONS";
pub const INVALID_REPLICATION_FACTOR: &str = "INVALID_REPLICATION_FACTOR";
pub const INVALID_CONFIG: &str = "INVALID_CONFIG";
pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
pub const TOPIC_NOT_FOUND: &str = "TOPIC_NOT_FOUND";
pub const PARTITION_NOT_FOUND: &str = "PARTITION_NOT_FOUND";
pub const TOPIC_EXISTS: &str = "TOPIC_EXISTS";
pub const CORRUPT_BATCH: &str = "CORRUPT_BATCH";
pub const RECORD_TOO_LARGE: &str = "RECORD_TOO_LARGE";
pub const OFFSET_OUT_OF_RANGE: &str = "OFFSET_OUT_OF_RANGE";
pub const BACKLOG_FULL: &str = "BACKLOG_FULL";
pub const STORAGE_ERROR: &str = "STORAGE_ERROR";
pub const SHUTTING_DOWN: &str = "SHUTTING_DOWN";
/// The cluster's controller cannot be reached or has no leader right now;
/// retrying later can succeed.
pub const CONTROLLER_UNAVAILABLE: &str = "CONTROLLER_UNAVAILABLE";
/// The broker does not lead the partition; metadata `leader` names the one
/// that does, when there is one. Refresh metadata and retry there.
pub const NOT_LEADER: &str = "NOT_LEADER";
/// A consumer group call reached a broker that does not coordinate the
/// group; metadata `coordinator_address` names the one that does.
pub const NOT_COORDINATOR: &str = "NOT_COORDINATOR";
/// Fewer replicas are in sync than the topic's min.insync.replicas, so an
/// acks=all write is refused (metadata `isr`, `min_insync_replicas`).
pub const NOT_ENOUGH_REPLICAS: &str = "NOT_ENOUGH_REPLICAS";
/// A replica asked with a leader epoch that is not the current one.
pub const FENCED_LEADER_EPOCH: &str = "FENCED_LEADER_EPOCH";
/// The in-sync replicas did not confirm an acks=all write in time.
pub const REPLICATION_TIMEOUT: &str = "REPLICATION_TIMEOUT";
pub const GROUP_NOT_FOUND: &str = "GROUP_NOT_FOUND";
/// The member's session expired (or it left): it must join again.
pub const UNKNOWN_MEMBER: &str = "UNKNOWN_MEMBER";
/// A member read or committed a partition the group has not given it.
pub const PARTITION_NOT_ASSIGNED: &str = "PARTITION_NOT_ASSIGNED";
/// The group has live members, so its offsets cannot be reset or deleted.
pub const GROUP_NOT_EMPTY: &str = "GROUP_NOT_EMPTY";
/// An idempotent producer skipped a sequence number (a batch is missing).
pub const OUT_OF_ORDER_SEQUENCE: &str = "OUT_OF_ORDER_SEQUENCE";
/// An idempotent producer's epoch is older than one that has written since.
pub const PRODUCER_FENCED: &str = "PRODUCER_FENCED";
/// An earlier batch of the same partition failed on this produce stream.
pub const PRODUCE_ABORTED: &str = "PRODUCE_ABORTED";
/// A group name used as a consumer group was used for a queue, or the
/// other way round.
pub const GROUP_TYPE_MISMATCH: &str = "GROUP_TYPE_MISMATCH";
/// An ack or nack came after the lease ran out; the record is delivered again.
pub const DELIVERY_EXPIRED: &str = "DELIVERY_EXPIRED";
/// An ack or nack for a record already acknowledged or dead-lettered.
pub const ALREADY_SETTLED: &str = "ALREADY_SETTLED";
/// An ack or nack named an offset its lease never held.
pub const NOT_LEASED: &str = "NOT_LEASED";
/// No alert has the given id.
pub const ALERT_NOT_FOUND: &str = "ALERT_NOT_FOUND";
/// Only a firing alert can be acknowledged.
pub const ALERT_NOT_FIRING: &str = "ALERT_NOT_FIRING";
