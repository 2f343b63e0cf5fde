//! What a follower does to its log: append the leader's batches as they
//! are (offsets and epochs already assigned), answer where an epoch ends,
//! and truncate what its leader never committed.

use mq::batch;

use super::epoch::EpochEntry;
use super::error::{LogError, Result};
use super::producers::Stamp;
use super::segment::{PendingBatch, Segment};
use super::Log;

impl Log {
    /// Appends batches copied from the leader, keeping their offsets and
    /// leader epochs. Batches wholly below this log's end are skipped; the
    /// rest must start exactly at it. Each batch is checked (CRC, dense
    /// offsets) before anything is written, as a produce is, so a damaged
    /// transfer never reaches the disk.
    pub fn append_replica(&mut self, bytes: &[u8], now_ms: i64) -> Result<i64> {
        let end = self.log_end();
        let mut pending = Vec::new();
        let mut epochs: Vec<(i32, i64)> = Vec::new();
        let mut expected = end;
        let mut position = 0usize;
        let mut skip = 0usize;
        for header in batch::batches(bytes) {
            let header = header.map_err(|source| LogError::InvalidBatch { position, source })?;
            if pending.is_empty() && header.next_offset() <= end {
                skip += header.total_len();
                position = skip;
                continue;
            }
            header
                .validate()
                .map_err(|source| LogError::InvalidBatch { position, source })?;
            if header.base_offset() != expected {
                return Err(LogError::ReplicaGap {
                    expected,
                    got: header.base_offset(),
                });
            }
            if epochs
                .last()
                .is_none_or(|(e, _)| *e != header.leader_epoch())
            {
                epochs.push((header.leader_epoch(), header.base_offset()));
            }
            pending.push(PendingBatch {
                chunk_position: (position - skip) as u64,
                base_offset: header.base_offset(),
                max_timestamp: header.max_timestamp(),
                stamp: Stamp::of(&header),
            });
            expected = header.next_offset();
            position += header.total_len();
        }
        if pending.is_empty() {
            return Ok(end);
        }
        self.roll_for((position - skip) as u64, now_ms)?;
        for (epoch, start) in epochs {
            self.epochs.assign(epoch, start)?;
        }
        self.active_mut()
            .append(&bytes[skip..position], &pending, expected)?;
        for b in pending.iter().filter(|b| b.stamp.is_idempotent()) {
            self.producers.record(&b.stamp, b.base_offset, now_ms);
        }
        Ok(expected)
    }

    /// Where `epoch` ends in this log, as the leader answers a returning
    /// follower: the largest epoch at or below `epoch` this log knows, and
    /// the offset after its last record (the start of the next epoch, or
    /// the log end). `None` when this log knows no epoch that old.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> Option<(i32, i64)> {
        let entries = self.epochs.entries();
        let i = entries.partition_point(|e| e.epoch <= epoch);
        if i == 0 {
            return None;
        }
        let found = entries[i - 1].epoch;
        let end = entries.get(i).map_or(self.log_end(), |e| e.start_offset);
        Some((found, end.min(self.log_end())))
    }

    /// The latest epoch this log holds records of.
    pub fn latest_epoch(&self) -> Option<EpochEntry> {
        self.epochs.latest()
    }

    /// The first epoch after `epoch` this log knows, if any.
    pub fn epoch_after(&self, epoch: i32) -> Option<EpochEntry> {
        self.epochs
            .entries()
            .iter()
            .find(|e| e.epoch > epoch)
            .copied()
    }

    /// Empties the log and restarts it at `start` (a follower whose leader
    /// has deleted, by retention, the records it would fetch next).
    pub fn restart_at(&mut self, start: i64, now_ms: i64) -> Result<()> {
        for segment in self.segments.drain(..) {
            segment.delete()?;
        }
        self.segments.push(Segment::create(
            &self.dir,
            start,
            self.config.index_interval_bytes,
            now_ms,
        )?);
        self.epochs.truncate_from(0)?;
        self.producers.truncate_from(0);
        self.producers.write_snapshot(&self.dir, start, now_ms)
    }

    /// Drops every record at or after `offset` (a whole batch when `offset`
    /// falls inside one), with the epochs and producer state they carried.
    /// A truncation below the log start empties the log and restarts it at
    /// `offset`. Returns the new log end.
    pub fn truncate_to(&mut self, offset: i64, now_ms: i64) -> Result<i64> {
        if offset >= self.log_end() {
            return Ok(self.log_end());
        }
        if offset <= self.log_start() {
            self.restart_at(offset.max(0), now_ms)?;
            return Ok(self.log_end());
        } else {
            while self.segments.len() > 1 && self.active().base_offset() >= offset {
                if let Some(segment) = self.segments.pop() {
                    segment.delete()?;
                }
            }
            self.active_mut().truncate_to(offset)?;
        }
        let end = self.log_end();
        self.epochs.truncate_from(end)?;
        self.producers.truncate_from(end);
        // The snapshot may describe batches that are gone.
        self.producers.write_snapshot(&self.dir, end, now_ms)?;
        Ok(end)
    }
}
