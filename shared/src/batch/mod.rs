//! Kafka v2 record batches: the fixed header the broker reads and rewrites,
//! and the full codec clients use.

mod codec;
mod header;

pub use codec::{decode_batches, encode_batch, CodecError, Compression, ProducerStamp};
pub use header::{
    assign, batches, restamp_sequence, BatchError, BatchHeader, Batches, HEADER_LEN, LOG_OVERHEAD,
    MAGIC_V2,
};
