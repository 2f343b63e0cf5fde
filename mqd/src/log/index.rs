//! The sparse offset index and the time index of one segment.
//!
//! Both are append-only files of fixed-size big-endian entries, mirrored in
//! memory for lookups. They are hints: recovery checks them against the log
//! and rebuilds them when they do not fit, so they are never fsynced on the
//! append path.
//!
//! - offset index: (offset relative to the segment base: u32, file position: u32)
//! - time index:   (max timestamp so far: i64, relative offset: u32)

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{LogError, Result};

pub const OFFSET_ENTRY: usize = 8;
pub const TIME_ENTRY: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetEntry {
    pub relative_offset: u32,
    pub position: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeEntry {
    pub timestamp: i64,
    pub relative_offset: u32,
}

/// An index file and its entries in memory.
pub struct IndexFile<E> {
    path: PathBuf,
    file: File,
    entries: Vec<E>,
}

/// Fixed-size entry encoding.
pub trait Entry: Copy {
    const SIZE: usize;
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(bytes: &[u8]) -> Self;
}

impl Entry for OffsetEntry {
    const SIZE: usize = OFFSET_ENTRY;
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.relative_offset.to_be_bytes());
        out.extend_from_slice(&self.position.to_be_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        OffsetEntry {
            relative_offset: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            position: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
}

impl Entry for TimeEntry {
    const SIZE: usize = TIME_ENTRY;
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.relative_offset.to_be_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&b[..8]);
        TimeEntry {
            timestamp: i64::from_be_bytes(ts),
            relative_offset: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
        }
    }
}

impl<E: Entry> IndexFile<E> {
    /// Opens (or creates) an index and loads its whole entries; a torn
    /// trailing partial entry is ignored and cut off on the next write.
    pub fn open(path: &Path) -> Result<Self> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(LogError::io("read index", path)(e)),
        };
        let whole = bytes.len() / E::SIZE * E::SIZE;
        let entries = bytes[..whole]
            .chunks_exact(E::SIZE)
            .map(E::decode)
            .collect();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(LogError::io("open index", path))?;
        let mut index = IndexFile {
            path: path.to_path_buf(),
            file,
            entries,
        };
        if whole != bytes.len() {
            index.rewrite()?;
        }
        Ok(index)
    }

    pub fn entries(&self) -> &[E] {
        &self.entries
    }

    pub fn last(&self) -> Option<E> {
        self.entries.last().copied()
    }

    pub fn append(&mut self, entry: E) -> Result<()> {
        let mut buf = Vec::with_capacity(E::SIZE);
        entry.encode(&mut buf);
        self.file
            .write_all(&buf)
            .map_err(LogError::io("append index", &self.path))?;
        self.entries.push(entry);
        Ok(())
    }

    /// Keeps only the first `len` entries, in memory and on disk.
    pub fn truncate(&mut self, len: usize) -> Result<()> {
        if len < self.entries.len() {
            self.entries.truncate(len);
            self.rewrite()?;
        }
        Ok(())
    }

    /// Rewrites the file from memory (after a truncation or a rebuild).
    pub fn rewrite(&mut self) -> Result<()> {
        let mut buf = Vec::with_capacity(self.entries.len() * E::SIZE);
        for e in &self.entries {
            e.encode(&mut buf);
        }
        self.file
            .set_len(0)
            .map_err(LogError::io("truncate index", &self.path))?;
        // The file was opened for plain writes: seek back to the start.
        use std::io::Seek;
        self.file
            .seek(std::io::SeekFrom::Start(0))
            .map_err(LogError::io("seek index", &self.path))?;
        self.file
            .write_all(&buf)
            .map_err(LogError::io("write index", &self.path))?;
        Ok(())
    }

    pub fn sync(&self) -> Result<()> {
        self.file
            .sync_data()
            .map_err(LogError::io("fsync index", &self.path))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl IndexFile<OffsetEntry> {
    /// The position of the last indexed batch starting at or before
    /// `relative_offset` (0 when there is none).
    pub fn floor_position(&self, relative_offset: u32) -> u32 {
        let i = self
            .entries
            .partition_point(|e| e.relative_offset <= relative_offset);
        if i == 0 {
            0
        } else {
            self.entries[i - 1].position
        }
    }

    /// Drops entries that do not point inside a file of `size` bytes or that
    /// are out of order; returns how many entries survive.
    pub fn sanitize(&mut self, size: u64) -> Result<usize> {
        let mut keep = 0;
        let mut previous: Option<OffsetEntry> = None;
        for e in &self.entries {
            let ordered = previous
                .is_none_or(|p| e.relative_offset > p.relative_offset && e.position > p.position);
            if !ordered || e.position as u64 >= size {
                break;
            }
            previous = Some(*e);
            keep += 1;
        }
        self.truncate(keep)?;
        Ok(keep)
    }
}

impl IndexFile<TimeEntry> {
    /// The relative offset from which to scan for the first batch with a
    /// timestamp at or after `timestamp`.
    pub fn scan_start(&self, timestamp: i64) -> u32 {
        let i = self.entries.partition_point(|e| e.timestamp < timestamp);
        if i == 0 {
            0
        } else {
            self.entries[i - 1].relative_offset
        }
    }

    /// Drops entries past `max_relative_offset`.
    pub fn truncate_after(&mut self, max_relative_offset: u32) -> Result<()> {
        let keep = self
            .entries
            .partition_point(|e| e.relative_offset <= max_relative_offset);
        self.truncate(keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_index_round_trips_and_finds_floor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.index");
        let mut idx = IndexFile::<OffsetEntry>::open(&path).unwrap();
        for (o, p) in [(0, 0), (10, 4096), (25, 8300)] {
            idx.append(OffsetEntry {
                relative_offset: o,
                position: p,
            })
            .unwrap();
        }
        drop(idx);
        let idx = IndexFile::<OffsetEntry>::open(&path).unwrap();
        assert_eq!(idx.entries().len(), 3);
        assert_eq!(idx.floor_position(0), 0);
        assert_eq!(idx.floor_position(9), 0);
        assert_eq!(idx.floor_position(10), 4096);
        assert_eq!(idx.floor_position(24), 4096);
        assert_eq!(idx.floor_position(1000), 8300);
    }

    #[test]
    fn torn_entry_is_dropped_and_sanitize_cuts_bad_positions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.index");
        let mut bytes = Vec::new();
        for (o, p) in [(0u32, 0u32), (5, 100), (9, 50), (12, 400)] {
            OffsetEntry {
                relative_offset: o,
                position: p,
            }
            .encode(&mut bytes);
        }
        bytes.extend_from_slice(&[1, 2, 3]);
        std::fs::write(&path, &bytes).unwrap();
        let mut idx = IndexFile::<OffsetEntry>::open(&path).unwrap();
        assert_eq!(idx.entries().len(), 4);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 32);
        assert_eq!(idx.sanitize(1000).unwrap(), 2);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 16);
    }
}
