//! Encoding and decoding of whole record batches, records included.
//!
//! Built on the `kafka-protocol` crate's v2 codec so the bytes are exactly
//! Kafka's (every compression codec included). Only clients use this module;
//! the broker never decodes records.

use std::str::FromStr;

use bytes::{Bytes, BytesMut};
use indexmap::IndexMap;
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    self as kp, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use thiserror::Error;

use crate::record::{ConsumedRecord, Header, Record};

/// Compression codec of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Compression {
    /// Every codec, for help texts and property tests.
    pub const ALL: [Compression; 5] = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    fn to_kafka(self) -> kp::Compression {
        match self {
            Compression::None => kp::Compression::None,
            Compression::Gzip => kp::Compression::Gzip,
            Compression::Snappy => kp::Compression::Snappy,
            Compression::Lz4 => kp::Compression::Lz4,
            Compression::Zstd => kp::Compression::Zstd,
        }
    }
}

impl FromStr for Compression {
    type Err = CodecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Compression::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| CodecError::UnknownCompression(s.to_string()))
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Producer identity stamped into a batch by an idempotent producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerStamp {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

impl ProducerStamp {
    /// The stamp of a producer without idempotence.
    pub const NONE: ProducerStamp = ProducerStamp {
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
    };
}

#[derive(Debug, Error)]
pub enum CodecError {
    #[error("cannot encode an empty batch")]
    Empty,
    #[error("header name {0:?} is not valid UTF-8")]
    HeaderName(String),
    #[error("unknown compression {0:?}: use none, gzip, snappy, lz4 or zstd")]
    UnknownCompression(String),
    #[error("record batch codec: {0}")]
    Kafka(String),
}

/// Encodes `records` as one v2 batch with base offset 0 (the broker assigns
/// the real one) and the given compression.
pub fn encode_batch(
    records: &[Record],
    compression: Compression,
    stamp: ProducerStamp,
) -> Result<Bytes, CodecError> {
    if records.is_empty() {
        return Err(CodecError::Empty);
    }
    let kafka_records: Vec<kp::Record> = records
        .iter()
        .enumerate()
        .map(|(i, r)| kp::Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: stamp.producer_id,
            producer_epoch: stamp.producer_epoch,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            // The encoder groups records into one batch only while
            // offset - sequence stays constant; this keeps it so and makes
            // the batch's base sequence exactly `stamp.base_sequence`.
            sequence: stamp.base_sequence.wrapping_add(i as i32),
            timestamp: r.timestamp_ms,
            key: r.key.clone(),
            value: r.value.clone(),
            headers: headers_to_kafka(&r.headers),
        })
        .collect();
    let mut buf = BytesMut::with_capacity(
        crate::batch::HEADER_LEN + records.iter().map(Record::approx_size).sum::<usize>(),
    );
    let options = RecordEncodeOptions {
        version: 2,
        compression: compression.to_kafka(),
    };
    RecordBatchEncoder::encode(&mut buf, kafka_records.iter(), &options)
        .map_err(|e| CodecError::Kafka(e.to_string()))?;
    Ok(buf.freeze())
}

/// Decodes every record of the batches in `bytes`, skipping records below
/// `from_offset` (a fetch may start in the middle of a batch).
pub fn decode_batches(
    bytes: Bytes,
    topic: &std::sync::Arc<str>,
    partition: u32,
    from_offset: i64,
) -> Result<Vec<ConsumedRecord>, CodecError> {
    let mut buf = bytes;
    let mut out = Vec::new();
    while !buf.is_empty() {
        let set =
            RecordBatchDecoder::decode(&mut buf).map_err(|e| CodecError::Kafka(e.to_string()))?;
        out.reserve(set.records.len());
        for r in set.records {
            if r.offset < from_offset {
                continue;
            }
            out.push(ConsumedRecord {
                topic: topic.clone(),
                partition,
                offset: r.offset,
                timestamp_ms: r.timestamp,
                key: r.key,
                value: r.value,
                headers: r
                    .headers
                    .into_iter()
                    .map(|(k, v)| Header {
                        key: k.to_string(),
                        value: v,
                    })
                    .collect(),
            });
        }
    }
    Ok(out)
}

fn headers_to_kafka(headers: &[Header]) -> IndexMap<StrBytes, Option<Bytes>> {
    headers
        .iter()
        .map(|h| (StrBytes::from_string(h.key.clone()), h.value.clone()))
        .collect()
}
