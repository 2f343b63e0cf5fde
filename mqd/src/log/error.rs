//! Errors of the storage engine.

use std::path::PathBuf;

use mq::batch::BatchError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum LogError {
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid record batch at byte {position} of the request: {source}")]
    InvalidBatch {
        position: usize,
        #[source]
        source: BatchError,
    },
    #[error("the request holds no record batch")]
    EmptyRequest,
    #[error("a batch of {size} bytes exceeds max.message.bytes = {limit}; send smaller batches or raise the topic's max.message.bytes")]
    BatchTooLarge { size: usize, limit: u64 },
    #[error("offset {offset} is outside the log's range [{log_start}, {high_watermark}]")]
    OffsetOutOfRange {
        offset: i64,
        log_start: i64,
        high_watermark: i64,
    },
    #[error("partition backlog would reach {would_be} bytes, over max.backlog.bytes = {limit} with backlog.policy=reject; consume and let retention free space, raise max.backlog.bytes, or use backlog.policy=drop-oldest")]
    BacklogFull { would_be: u64, limit: u64 },
    #[error("producer {producer_id} sent sequence {got} where {expected} was next; a batch is missing in between, so this one is refused to keep the partition in order (start a new producer to carry on)")]
    OutOfOrderSequence {
        producer_id: i64,
        expected: i32,
        got: i32,
    },
    #[error("producer {producer_id} epoch {epoch} is fenced: epoch {current} has written since; this producer instance was replaced and must stop")]
    ProducerFenced {
        producer_id: i64,
        epoch: i16,
        current: i16,
    },
    #[error("a request mixes batches already written with new ones; resend the new batches on their own")]
    PartialDuplicate,
    #[error("segment {path} is not a log segment name (expected 20 digits and .log)")]
    BadSegmentName { path: PathBuf },
    #[error("replicated batches start at offset {got}, but this replica's log ends at {expected}; the follower truncates and fetches again")]
    ReplicaGap { expected: i64, got: i64 },
}

impl LogError {
    pub fn io(
        op: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> LogError {
        let path = path.into();
        move |source| LogError::Io { op, path, source }
    }
}

pub type Result<T, E = LogError> = std::result::Result<T, E>;
