//! Walking the batches of a segment file, checking each one.
//!
//! Used by recovery (to find where a torn or damaged tail begins) and by
//! index rebuilds. A batch is good when its header parses, its CRC matches,
//! its offsets are dense and it starts exactly where the previous one ended.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use mq::batch::{BatchHeader, LOG_OVERHEAD};

use super::error::{LogError, Result};
use super::producers::Stamp;

/// One good batch found by a scan.
#[derive(Debug, Clone, Copy)]
pub struct ScannedBatch {
    pub position: u64,
    pub base_offset: i64,
    pub next_offset: i64,
    pub max_timestamp: i64,
    pub len: u64,
    pub stamp: Stamp,
}

/// Where a scan stopped and why.
#[derive(Debug, Clone)]
pub struct ScanEnd {
    /// Byte position just after the last good batch.
    pub valid_end: u64,
    /// Offset after the last good batch.
    pub next_offset: i64,
    /// Why the bytes after `valid_end` are not good, when there are any.
    pub problem: Option<String>,
}

/// Scans `file` from `position`, where a batch with base offset
/// `expected_offset` must start, to its end, calling `on_batch` for each
/// good batch.
pub fn scan(
    file: &File,
    path: &Path,
    position: u64,
    expected_offset: i64,
    mut on_batch: impl FnMut(&ScannedBatch) -> Result<()>,
) -> Result<ScanEnd> {
    let size = file
        .metadata()
        .map_err(LogError::io("stat segment", path))?
        .len();
    let mut reader = BufReader::with_capacity(1 << 20, file);
    reader
        .seek(SeekFrom::Start(position))
        .map_err(LogError::io("seek segment", path))?;
    let mut pos = position;
    let mut next = expected_offset;
    let mut buf = Vec::new();
    let stop = |pos: u64, next: i64, problem: String| {
        Ok(ScanEnd {
            valid_end: pos,
            next_offset: next,
            problem: Some(problem),
        })
    };
    while pos < size {
        if size - pos < LOG_OVERHEAD as u64 {
            return stop(
                pos,
                next,
                format!("{} trailing bytes, too few for a batch header", size - pos),
            );
        }
        let mut prefix = [0u8; LOG_OVERHEAD];
        reader
            .read_exact(&mut prefix)
            .map_err(LogError::io("read segment", path))?;
        let length = i32::from_be_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]);
        if length < 0 || pos + LOG_OVERHEAD as u64 + length as u64 > size {
            return stop(
                pos,
                next,
                format!("batch at byte {pos} claims {length} bytes but the file ends at {size} (torn write)"),
            );
        }
        let total = LOG_OVERHEAD + length as usize;
        buf.clear();
        buf.extend_from_slice(&prefix);
        buf.resize(total, 0);
        reader
            .read_exact(&mut buf[LOG_OVERHEAD..])
            .map_err(LogError::io("read segment", path))?;
        let header = match BatchHeader::parse(&buf) {
            Ok(h) => h,
            Err(e) => return stop(pos, next, format!("batch at byte {pos}: {e}")),
        };
        if let Err(e) = header.validate() {
            return stop(pos, next, format!("batch at byte {pos}: {e}"));
        }
        if header.base_offset() != next {
            return stop(
                pos,
                next,
                format!(
                    "batch at byte {pos} has base offset {} where {next} was expected",
                    header.base_offset()
                ),
            );
        }
        let batch = ScannedBatch {
            position: pos,
            base_offset: header.base_offset(),
            next_offset: header.next_offset(),
            max_timestamp: header.max_timestamp(),
            len: total as u64,
            stamp: Stamp::of(&header),
        };
        on_batch(&batch)?;
        pos += total as u64;
        next = batch.next_offset;
    }
    Ok(ScanEnd {
        valid_end: pos,
        next_offset: next,
        problem: None,
    })
}
