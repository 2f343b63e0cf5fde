//! The leader-epoch checkpoint: which leader epoch started at which offset.
//!
//! A returning replica compares this history with the leader's to find
//! where their logs diverge and truncates there, so replicas never keep
//! records the cluster did not commit. The file is tiny and rewritten
//! atomically (write to a temporary file, fsync, rename) when an epoch starts.
//!
//! Format (text, as Kafka's): a version line `0`, a count line, then one
//! `epoch start_offset` line per entry.

use std::path::{Path, PathBuf};

use super::error::{LogError, Result};

pub const FILE_NAME: &str = "leader-epoch-checkpoint";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochEntry {
    pub epoch: i32,
    pub start_offset: i64,
}

pub struct EpochCheckpoint {
    path: PathBuf,
    entries: Vec<EpochEntry>,
}

impl EpochCheckpoint {
    /// Loads the checkpoint; a missing or unreadable one starts empty (it is
    /// rebuilt as epochs start) and the problem is logged.
    pub fn open(dir: &Path) -> Self {
        let path = dir.join(FILE_NAME);
        let entries = match std::fs::read_to_string(&path) {
            Ok(text) => parse(&text).unwrap_or_else(|| {
                tracing::warn!(path = %path.display(), "leader-epoch checkpoint is malformed; starting a new one");
                Vec::new()
            }),
            Err(_) => Vec::new(),
        };
        EpochCheckpoint { path, entries }
    }

    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    pub fn latest(&self) -> Option<EpochEntry> {
        self.entries.last().copied()
    }

    /// Records that `epoch` starts at `start_offset`, if it is new.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) -> Result<()> {
        if self.latest().is_some_and(|e| e.epoch >= epoch) {
            return Ok(());
        }
        self.entries.push(EpochEntry {
            epoch,
            start_offset,
        });
        self.write()
    }

    /// Forgets epochs that start at or after `offset` (after a truncation).
    pub fn truncate_from(&mut self, offset: i64) -> Result<()> {
        let before = self.entries.len();
        self.entries.retain(|e| e.start_offset < offset);
        if self.entries.len() != before {
            self.write()?;
        }
        Ok(())
    }

    fn write(&self) -> Result<()> {
        let mut text = format!("0\n{}\n", self.entries.len());
        for e in &self.entries {
            text.push_str(&format!("{} {}\n", e.epoch, e.start_offset));
        }
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(LogError::io("write epoch checkpoint", &tmp))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(LogError::io("fsync epoch checkpoint", &tmp))?;
        std::fs::rename(&tmp, &self.path)
            .map_err(LogError::io("rename epoch checkpoint", &self.path))
    }
}

fn parse(text: &str) -> Option<Vec<EpochEntry>> {
    let mut lines = text.lines();
    if lines.next()?.trim() != "0" {
        return None;
    }
    let count: usize = lines.next()?.trim().parse().ok()?;
    let mut entries = Vec::with_capacity(count);
    for line in lines.take(count) {
        let (epoch, offset) = line.trim().split_once(' ')?;
        entries.push(EpochEntry {
            epoch: epoch.parse().ok()?,
            start_offset: offset.parse().ok()?,
        });
    }
    (entries.len() == count).then_some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_reopen_and_truncates() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = EpochCheckpoint::open(dir.path());
        c.assign(0, 0).unwrap();
        c.assign(0, 10).unwrap();
        c.assign(3, 42).unwrap();
        let mut c = EpochCheckpoint::open(dir.path());
        assert_eq!(
            c.entries(),
            &[
                EpochEntry {
                    epoch: 0,
                    start_offset: 0
                },
                EpochEntry {
                    epoch: 3,
                    start_offset: 42
                }
            ]
        );
        c.truncate_from(42).unwrap();
        assert_eq!(EpochCheckpoint::open(dir.path()).entries().len(), 1);
    }
}
