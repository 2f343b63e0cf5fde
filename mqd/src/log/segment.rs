//! One segment: a `.log` file of batches with its `.index` and `.timeindex`.
//!
//! Files are named after the segment's base offset, zero-padded to 20
//! digits, as in Kafka, so a directory listing sorts them in offset order.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::buffers::ReadBuffer;
use super::error::{LogError, Result};
use super::index::{IndexFile, OffsetEntry, TimeEntry};
use super::producers::Stamp;
use super::scan::{scan, ScanEnd, ScannedBatch};

/// A batch about to be appended, as the partition validated it.
#[derive(Debug, Clone, Copy)]
pub struct PendingBatch {
    /// Start of the batch within the appended chunk.
    pub chunk_position: u64,
    pub base_offset: i64,
    pub max_timestamp: i64,
    pub stamp: Stamp,
}

/// What recovery cut off a segment.
#[derive(Debug, Clone)]
pub struct Truncation {
    pub segment: PathBuf,
    pub kept_bytes: u64,
    pub dropped_bytes: u64,
    pub reason: String,
}

pub struct Segment {
    base_offset: i64,
    log_path: PathBuf,
    file: Arc<File>,
    size: u64,
    next_offset: i64,
    max_timestamp: i64,
    created_ms: i64,
    offsets: IndexFile<OffsetEntry>,
    times: IndexFile<TimeEntry>,
    bytes_since_index: u64,
    index_interval: u64,
}

pub fn segment_paths(dir: &Path, base_offset: i64) -> (PathBuf, PathBuf, PathBuf) {
    let stem = format!("{base_offset:020}");
    (
        dir.join(format!("{stem}.log")),
        dir.join(format!("{stem}.index")),
        dir.join(format!("{stem}.timeindex")),
    )
}

impl Segment {
    /// Creates a new, empty segment.
    pub fn create(dir: &Path, base_offset: i64, index_interval: u64, now_ms: i64) -> Result<Self> {
        let (log_path, index_path, time_path) = segment_paths(dir, base_offset);
        let file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&log_path)
            .map_err(LogError::io("create segment", &log_path))?;
        let _ = std::fs::remove_file(&index_path);
        let _ = std::fs::remove_file(&time_path);
        Ok(Segment {
            base_offset,
            file: Arc::new(file),
            size: 0,
            next_offset: base_offset,
            max_timestamp: -1,
            created_ms: now_ms,
            offsets: IndexFile::open(&index_path)?,
            times: IndexFile::open(&time_path)?,
            bytes_since_index: 0,
            index_interval,
            log_path,
        })
    }

    /// Opens an existing segment, checking its tail: from its last index
    /// entry, or from its first byte when `full_scan` (after an unclean
    /// shutdown) or when an index is missing or does not fit the log.
    /// A bad tail is truncated and reported.
    pub fn open(
        dir: &Path,
        base_offset: i64,
        index_interval: u64,
        full_scan: bool,
        now_ms: i64,
    ) -> Result<(Self, Option<Truncation>)> {
        let (log_path, index_path, time_path) = segment_paths(dir, base_offset);
        let indexes_present = index_path.exists() && time_path.exists();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&log_path)
            .map_err(LogError::io("open segment", &log_path))?;
        let size = file
            .metadata()
            .map_err(LogError::io("stat segment", &log_path))?
            .len();
        let mut offsets = IndexFile::<OffsetEntry>::open(&index_path)?;
        let mut times = IndexFile::<TimeEntry>::open(&time_path)?;
        let mut rebuild = full_scan || !indexes_present || size > u32::MAX as u64;
        if !rebuild {
            let before = offsets.entries().len();
            rebuild = offsets.sanitize(size)? != before;
        }
        let (start_position, start_offset) = match offsets.last() {
            Some(e) if !rebuild => (e.position as u64, base_offset + e.relative_offset as i64),
            _ => {
                offsets.truncate(0)?;
                times.truncate(0)?;
                (0, base_offset)
            }
        };
        let mut segment = Segment {
            base_offset,
            file: Arc::new(file),
            size: start_position,
            next_offset: start_offset,
            max_timestamp: times.last().map_or(-1, |e| e.timestamp),
            created_ms: now_ms,
            offsets,
            times,
            bytes_since_index: 0,
            index_interval,
            log_path: log_path.clone(),
        };
        let file = segment.file.clone();
        let end = scan(&file, &log_path, start_position, start_offset, |b| {
            segment.index_batch(b.position, b.base_offset, b.max_timestamp, b.len)
        })?;
        let truncation = segment.finish_recovery(size, end)?;
        Ok((segment, truncation))
    }

    fn finish_recovery(&mut self, size: u64, end: ScanEnd) -> Result<Option<Truncation>> {
        self.size = end.valid_end;
        self.next_offset = end.next_offset;
        if end.valid_end == size {
            return Ok(None);
        }
        self.file
            .set_len(end.valid_end)
            .map_err(LogError::io("truncate segment", &self.log_path))?;
        self.file
            .sync_all()
            .map_err(LogError::io("fsync segment", &self.log_path))?;
        Ok(Some(Truncation {
            segment: self.log_path.clone(),
            kept_bytes: end.valid_end,
            dropped_bytes: size - end.valid_end,
            reason: end.problem.unwrap_or_default(),
        }))
    }

    /// Adds index entries for a batch written at `position`.
    fn index_batch(
        &mut self,
        position: u64,
        base_offset: i64,
        max_ts: i64,
        len: u64,
    ) -> Result<()> {
        let relative = (base_offset - self.base_offset) as u32;
        if position > 0 && self.bytes_since_index >= self.index_interval {
            self.offsets.append(OffsetEntry {
                relative_offset: relative,
                position: position as u32,
            })?;
            if max_ts > self.times.last().map_or(i64::MIN, |e| e.timestamp) {
                self.times.append(TimeEntry {
                    timestamp: max_ts,
                    relative_offset: relative,
                })?;
            }
            self.bytes_since_index = 0;
        }
        self.bytes_since_index += len;
        self.max_timestamp = self.max_timestamp.max(max_ts);
        self.size = self.size.max(position + len);
        Ok(())
    }

    /// Appends a chunk of whole batches whose offsets are already assigned.
    pub fn append(
        &mut self,
        chunk: &[u8],
        batches: &[PendingBatch],
        next_offset: i64,
    ) -> Result<()> {
        let start = self.size;
        // Positional writes: the file cursor is never trusted, so a
        // reopened (possibly truncated) segment continues at its real end.
        self.file
            .write_all_at(chunk, start)
            .map_err(LogError::io("append segment", &self.log_path))?;
        for (i, b) in batches.iter().enumerate() {
            let end = batches
                .get(i + 1)
                .map_or(chunk.len() as u64, |n| n.chunk_position);
            self.index_batch(
                start + b.chunk_position,
                b.base_offset,
                b.max_timestamp,
                end - b.chunk_position,
            )?;
        }
        self.size = start + chunk.len() as u64;
        self.next_offset = next_offset;
        Ok(())
    }

    /// Cuts the segment before the first batch that holds `offset` or a
    /// later one (a follower dropping records its leader never committed).
    /// Returns the new next offset: `offset`, or lower when `offset` falls
    /// inside a batch, which goes whole.
    pub fn truncate_to(&mut self, offset: i64) -> Result<i64> {
        let mut cut: Option<(u64, i64)> = None;
        let mut max_timestamp = -1;
        let file = self.file.clone();
        scan(&file, &self.log_path, 0, self.base_offset, |b| {
            if cut.is_none() {
                if b.next_offset > offset {
                    cut = Some((b.position, b.base_offset));
                } else {
                    max_timestamp = max_timestamp.max(b.max_timestamp);
                }
            }
            Ok(())
        })?;
        let Some((position, next_offset)) = cut else {
            return Ok(self.next_offset);
        };
        self.file
            .set_len(position)
            .map_err(LogError::io("truncate segment", &self.log_path))?;
        self.file
            .sync_all()
            .map_err(LogError::io("fsync segment", &self.log_path))?;
        let keep = self
            .offsets
            .entries()
            .partition_point(|e| (e.position as u64) < position);
        self.offsets.truncate(keep)?;
        let relative = (next_offset - self.base_offset) as u32;
        let keep = self
            .times
            .entries()
            .partition_point(|e| e.relative_offset < relative);
        self.times.truncate(keep)?;
        self.size = position;
        self.next_offset = next_offset;
        self.max_timestamp = max_timestamp;
        self.bytes_since_index = 0;
        Ok(next_offset)
    }

    /// Appends up to `len` bytes read at `position` to `buf` (fewer at the
    /// end of the file).
    pub fn read_at(
        file: &File,
        path: &Path,
        position: u64,
        len: usize,
        buf: &mut ReadBuffer,
    ) -> Result<()> {
        let mut read = 0;
        while read < len {
            let n = file
                .read_at(buf.spare(len - read), position + read as u64)
                .map_err(LogError::io("read segment", path))?;
            if n == 0 {
                break;
            }
            buf.advance(n);
            read += n;
        }
        Ok(())
    }

    /// Scans the batches from the index floor of `offset` to the end.
    pub fn scan_from(
        &self,
        offset: i64,
        on_batch: impl FnMut(&ScannedBatch) -> Result<()>,
    ) -> Result<ScanEnd> {
        let relative = (offset - self.base_offset).max(0) as u32;
        let position = self.offsets.floor_position(relative) as u64;
        let start_offset = if position == 0 {
            self.base_offset
        } else {
            let i = self
                .offsets
                .entries()
                .partition_point(|e| e.relative_offset <= relative);
            self.base_offset + self.offsets.entries()[i - 1].relative_offset as i64
        };
        scan(&self.file, &self.log_path, position, start_offset, on_batch)
    }

    /// Flushes the log file's data to disk.
    pub fn sync(&self) -> Result<()> {
        self.file
            .sync_data()
            .map_err(LogError::io("fsync segment", &self.log_path))
    }

    /// Flushes the log and both indexes (at roll and at clean shutdown).
    pub fn sync_all(&self) -> Result<()> {
        self.sync()?;
        self.offsets.sync()?;
        self.times.sync()
    }

    /// Deletes the segment's three files.
    pub fn delete(self) -> Result<()> {
        for path in [&self.log_path, self.offsets.path(), self.times.path()] {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(LogError::io("delete segment", path)(e)),
            }
        }
        Ok(())
    }

    pub fn base_offset(&self) -> i64 {
        self.base_offset
    }
    pub fn next_offset(&self) -> i64 {
        self.next_offset
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    pub fn max_timestamp(&self) -> i64 {
        self.max_timestamp
    }
    pub fn created_ms(&self) -> i64 {
        self.created_ms
    }
    pub fn file(&self) -> &Arc<File> {
        &self.file
    }
    pub fn path(&self) -> &Path {
        &self.log_path
    }
    pub fn floor_position(&self, offset: i64) -> u64 {
        self.offsets
            .floor_position((offset - self.base_offset).max(0) as u32) as u64
    }
    pub fn time_scan_start(&self, timestamp: i64) -> i64 {
        self.base_offset + self.times.scan_start(timestamp) as i64
    }
}
