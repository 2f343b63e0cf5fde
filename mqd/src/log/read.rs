//! Executing a planned read: copy bytes from a segment, trim to whole
//! batches within the requested range.
//!
//! The only copy is the one from the page cache into a pooled buffer;
//! batches are returned as stored, and trimming is slicing.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use mq::batch::{BatchHeader, LOG_OVERHEAD};

use super::buffers::ReadBuffer;
use super::error::Result;
use super::segment::Segment;

/// A read decided under the partition lock, carried out without it.
pub struct ReadPlan {
    pub(super) file: Option<Arc<File>>,
    pub(super) path: PathBuf,
    pub(super) position: u64,
    pub(super) len: usize,
    /// Bytes from `position` to the end of the segment at planning time.
    pub(super) available: u64,
    pub(super) offset: i64,
    pub(super) upper: i64,
    pub(super) max_bytes: usize,
}

impl ReadPlan {
    pub(super) fn empty() -> Self {
        ReadPlan {
            file: None,
            path: PathBuf::new(),
            position: 0,
            len: 0,
            available: 0,
            offset: 0,
            upper: 0,
            max_bytes: 0,
        }
    }

    /// Reads the planned bytes and returns whole batches: those that hold
    /// offsets at or after the plan's offset and start below its upper
    /// bound, at most `max_bytes` of them but always at least one.
    pub fn execute(self) -> Result<Bytes> {
        let Some(file) = self.file else {
            return Ok(Bytes::new());
        };
        let mut buf = ReadBuffer::take(self.len);
        Segment::read_at(&file, &self.path, self.position, self.len, &mut buf)?;
        let mut cursor = 0usize;
        let mut start = None;
        loop {
            let rest = &buf.as_ref()[cursor..];
            if rest.len() < LOG_OVERHEAD {
                break;
            }
            let length = i32::from_be_bytes([rest[8], rest[9], rest[10], rest[11]]).max(0) as usize;
            let total = LOG_OVERHEAD + length;
            if rest.len() < total {
                // The first wanted batch is larger than what was read:
                // read it whole, since a consumer must always progress.
                if start.is_none() && (cursor as u64 + total as u64) <= self.available {
                    let position = self.position + buf.len() as u64;
                    let missing = cursor + total - buf.len();
                    let before = buf.len();
                    Segment::read_at(&file, &self.path, position, missing, &mut buf)?;
                    if buf.len() > before {
                        continue;
                    }
                }
                break;
            }
            let Ok(header) = BatchHeader::parse(rest) else {
                break;
            };
            if header.base_offset() >= self.upper {
                break;
            }
            if header.next_offset() <= self.offset {
                cursor += total;
                continue;
            }
            match start {
                None => start = Some(cursor),
                Some(s) if cursor + total - s > self.max_bytes => break,
                Some(_) => {}
            }
            cursor += total;
        }
        let Some(start) = start else {
            return Ok(Bytes::new());
        };
        Ok(buf.freeze().slice(start..cursor))
    }
}
