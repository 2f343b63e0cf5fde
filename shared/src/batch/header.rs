//! The fixed 61-byte header of a Kafka v2 record batch.
//!
//! This is the only part of a batch the broker ever looks at: it validates
//! the length, magic and CRC, reads the counts, offsets and timestamps, and
//! rewrites the base offset and leader epoch in place (both lie before the
//! CRC-covered range, so rewriting them never invalidates the checksum).
//! Records themselves are opaque bytes here.

use thiserror::Error;

/// Size of the fixed header, from the base offset to the record count.
pub const HEADER_LEN: usize = 61;
/// Bytes before the `batch_length` value counts from (base offset + length).
pub const LOG_OVERHEAD: usize = 12;
/// The only batch format mq accepts.
pub const MAGIC_V2: i8 = 2;

const BASE_OFFSET: usize = 0;
const BATCH_LENGTH: usize = 8;
const LEADER_EPOCH: usize = 12;
const MAGIC: usize = 16;
const CRC: usize = 17;
const ATTRIBUTES: usize = 21;
const LAST_OFFSET_DELTA: usize = 23;
const BASE_TIMESTAMP: usize = 27;
const MAX_TIMESTAMP: usize = 35;
const PRODUCER_ID: usize = 43;
const PRODUCER_EPOCH: usize = 51;
const BASE_SEQUENCE: usize = 53;
const RECORD_COUNT: usize = 57;

/// Why bytes are not a valid v2 record batch.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BatchError {
    #[error("batch is truncated: {available} bytes left, a batch header needs {needed}")]
    Truncated { available: usize, needed: usize },
    #[error("batch length field says {length} bytes, which is below the 49-byte minimum")]
    BadLength { length: i32 },
    #[error("batch magic is {magic}, only v2 record batches (magic 2) are accepted")]
    BadMagic { magic: i8 },
    #[error("batch CRC mismatch: header says {expected:#010x}, content hashes to {actual:#010x}")]
    BadCrc { expected: u32, actual: u32 },
    #[error("batch says it holds {record_count} records but its last offset delta is {last_offset_delta}; offsets must be dense (delta = count - 1)")]
    BadCount {
        record_count: i32,
        last_offset_delta: i32,
    },
}

/// A read-only view of one batch header over borrowed bytes.
///
/// Construction checks only that the header and the whole batch fit in the
/// slice; [`BatchHeader::validate`] checks the rest.
#[derive(Clone, Copy)]
pub struct BatchHeader<'a> {
    bytes: &'a [u8],
}

impl<'a> BatchHeader<'a> {
    /// Views the batch at the start of `bytes`, which must hold all of it.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, BatchError> {
        if bytes.len() < HEADER_LEN {
            return Err(BatchError::Truncated {
                available: bytes.len(),
                needed: HEADER_LEN,
            });
        }
        let length = read_i32(bytes, BATCH_LENGTH);
        if (length as i64) < (HEADER_LEN - LOG_OVERHEAD) as i64 {
            return Err(BatchError::BadLength { length });
        }
        let total = LOG_OVERHEAD + length as usize;
        if bytes.len() < total {
            return Err(BatchError::Truncated {
                available: bytes.len(),
                needed: total,
            });
        }
        Ok(Self {
            bytes: &bytes[..total],
        })
    }

    /// Checks magic, CRC and dense offsets: everything the broker needs to
    /// trust a batch before storing it.
    pub fn validate(&self) -> Result<(), BatchError> {
        if self.magic() != MAGIC_V2 {
            return Err(BatchError::BadMagic {
                magic: self.magic(),
            });
        }
        let expected = self.crc();
        let actual = crc32c::crc32c(&self.bytes[ATTRIBUTES..]);
        if expected != actual {
            return Err(BatchError::BadCrc { expected, actual });
        }
        let record_count = self.record_count();
        let last_offset_delta = self.last_offset_delta();
        if record_count < 1 || last_offset_delta != record_count - 1 {
            return Err(BatchError::BadCount {
                record_count,
                last_offset_delta,
            });
        }
        Ok(())
    }

    /// The whole batch, header included.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
    /// Size of the whole batch in bytes.
    pub fn total_len(&self) -> usize {
        self.bytes.len()
    }
    pub fn base_offset(&self) -> i64 {
        read_i64(self.bytes, BASE_OFFSET)
    }
    pub fn last_offset(&self) -> i64 {
        self.base_offset() + self.last_offset_delta() as i64
    }
    /// The offset that follows this batch.
    pub fn next_offset(&self) -> i64 {
        self.last_offset() + 1
    }
    pub fn leader_epoch(&self) -> i32 {
        read_i32(self.bytes, LEADER_EPOCH)
    }
    pub fn magic(&self) -> i8 {
        self.bytes[MAGIC] as i8
    }
    pub fn crc(&self) -> u32 {
        u32::from_be_bytes(fixed(self.bytes, CRC))
    }
    pub fn attributes(&self) -> i16 {
        i16::from_be_bytes(fixed(self.bytes, ATTRIBUTES))
    }
    pub fn last_offset_delta(&self) -> i32 {
        read_i32(self.bytes, LAST_OFFSET_DELTA)
    }
    pub fn base_timestamp(&self) -> i64 {
        read_i64(self.bytes, BASE_TIMESTAMP)
    }
    pub fn max_timestamp(&self) -> i64 {
        read_i64(self.bytes, MAX_TIMESTAMP)
    }
    pub fn producer_id(&self) -> i64 {
        read_i64(self.bytes, PRODUCER_ID)
    }
    pub fn producer_epoch(&self) -> i16 {
        i16::from_be_bytes(fixed(self.bytes, PRODUCER_EPOCH))
    }
    pub fn base_sequence(&self) -> i32 {
        read_i32(self.bytes, BASE_SEQUENCE)
    }
    pub fn record_count(&self) -> i32 {
        read_i32(self.bytes, RECORD_COUNT)
    }
}

/// Rewrites the base offset and partition leader epoch of the batch at the
/// start of `batch`. Neither field is covered by the CRC.
pub fn assign(batch: &mut [u8], base_offset: i64, leader_epoch: i32) {
    batch[BASE_OFFSET..BASE_OFFSET + 8].copy_from_slice(&base_offset.to_be_bytes());
    batch[LEADER_EPOCH..LEADER_EPOCH + 4].copy_from_slice(&leader_epoch.to_be_bytes());
}

/// Rewrites the base sequence of the whole batch in `batch` and, since the
/// CRC covers it, the CRC. A producer does this when a batch before it
/// failed for good and its sequence numbers move down to close the gap.
pub fn restamp_sequence(batch: &mut [u8], base_sequence: i32) {
    batch[BASE_SEQUENCE..BASE_SEQUENCE + 4].copy_from_slice(&base_sequence.to_be_bytes());
    let crc = crc32c::crc32c(&batch[ATTRIBUTES..]);
    batch[CRC..CRC + 4].copy_from_slice(&crc.to_be_bytes());
}

/// Iterates over the batches laid end to end in `bytes`, stopping at the
/// first error (which it yields).
pub fn batches(bytes: &[u8]) -> Batches<'_> {
    Batches { rest: bytes }
}

/// See [`batches`].
pub struct Batches<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Batches<'a> {
    type Item = Result<BatchHeader<'a>, BatchError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match BatchHeader::parse(self.rest) {
            Ok(header) => {
                self.rest = &self.rest[header.total_len()..];
                Some(Ok(header))
            }
            Err(err) => {
                self.rest = &[];
                Some(Err(err))
            }
        }
    }
}

fn fixed<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

fn read_i32(bytes: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(fixed(bytes, at))
}

fn read_i64(bytes: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(fixed(bytes, at))
}
