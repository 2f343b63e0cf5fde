//! The storage engine: one partition's append-only log of record batches.
//!
//! A log is a directory of segments (see [`segment`]). Only the last, the
//! active segment, is written; older ones are read and, by retention,
//! deleted whole. The log knows offsets and bytes; it knows nothing of
//! high watermarks, fsync policy or waiting readers, which the partition
//! layer owns. Callers serialise mutation (the partition holds the log in a
//! mutex); reads plan under that lock and copy bytes outside it.

pub mod buffers;
pub mod epoch;
pub mod error;
pub mod index;
pub mod producers;
pub mod read;
pub mod replica;
pub mod retention;
pub mod scan;
pub mod segment;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mq::batch;

use self::epoch::EpochCheckpoint;
pub use self::error::{LogError, Result};
use self::producers::{ProducerStates, Stamp};
pub use self::read::ReadPlan;
use self::segment::{PendingBatch, Segment, Truncation};

/// Settings of one log, from the topic config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    pub segment_bytes: u64,
    /// Roll the active segment after this long (ms); -1 never.
    pub segment_ms: i64,
    pub index_interval_bytes: u64,
    pub max_message_bytes: u64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_bytes: 1 << 30,
            segment_ms: 7 * 24 * 3600 * 1000,
            index_interval_bytes: 4096,
            max_message_bytes: 1 << 20,
        }
    }
}

/// Where an append landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendInfo {
    pub base_offset: i64,
    pub last_offset: i64,
    pub records: i64,
    pub bytes: u64,
    /// The log start offset right after the append (drop-oldest may move it).
    pub log_start: i64,
    /// The request was a resend of batches already stored at these offsets
    /// (an idempotent producer's retry); nothing was written.
    pub duplicate: bool,
}

/// What [`Log::check_sequences`] found.
pub enum Sequencing {
    /// Every batch was written before, at these offsets.
    Duplicate(AppendInfo),
    /// New batches, in order: the token [`Log::append_in_order`] takes.
    InOrder(InOrder),
}

/// Proof that a request's sequences were checked; only the log makes one.
pub struct InOrder(());

/// A validated produce request: its batches, checked, ready to append.
pub struct ValidBatches<'a> {
    bytes: &'a [u8],
    batches: Vec<PendingBatch>,
    records: i64,
}

impl ValidBatches<'_> {
    pub fn len_bytes(&self) -> u64 {
        self.bytes.len() as u64
    }
    pub fn records(&self) -> i64 {
        self.records
    }
}

/// Checks every batch of a request (length, magic, CRC, dense offsets,
/// size limit) before anything is written, so a bad batch never reaches
/// the log and a request is stored whole or not at all.
pub fn validate_batches(bytes: &[u8], max_message_bytes: u64) -> Result<ValidBatches<'_>> {
    let mut batches = Vec::new();
    let mut position = 0usize;
    let mut records = 0i64;
    for header in batch::batches(bytes) {
        let header = header.map_err(|source| LogError::InvalidBatch { position, source })?;
        header
            .validate()
            .map_err(|source| LogError::InvalidBatch { position, source })?;
        if header.total_len() as u64 > max_message_bytes {
            return Err(LogError::BatchTooLarge {
                size: header.total_len(),
                limit: max_message_bytes,
            });
        }
        batches.push(PendingBatch {
            chunk_position: position as u64,
            base_offset: records,
            max_timestamp: header.max_timestamp(),
            stamp: Stamp::of(&header),
        });
        records += header.record_count() as i64;
        position += header.total_len();
    }
    if batches.is_empty() {
        return Err(LogError::EmptyRequest);
    }
    Ok(ValidBatches {
        bytes,
        batches,
        records,
    })
}

pub struct Log {
    dir: PathBuf,
    config: LogConfig,
    /// Never empty; the last is the active segment.
    segments: Vec<Segment>,
    epochs: EpochCheckpoint,
    producers: ProducerStates,
    /// Reused buffer for offset rewriting, so appends do not allocate.
    scratch: Vec<u8>,
}

impl Log {
    /// Opens or creates the log in `dir`. After an unclean shutdown the
    /// active segment is checked batch by batch; otherwise only past its
    /// last index entry. Torn or damaged tails are truncated and returned.
    pub fn open(
        dir: &Path,
        config: LogConfig,
        clean_shutdown: bool,
        now_ms: i64,
    ) -> Result<(Log, Vec<Truncation>)> {
        std::fs::create_dir_all(dir).map_err(LogError::io("create log dir", dir))?;
        let mut bases = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(LogError::io("list log dir", dir))? {
            let path = entry.map_err(LogError::io("list log dir", dir))?.path();
            if path.extension().is_some_and(|e| e == "log") {
                let base = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .filter(|s| s.len() == 20)
                    .and_then(|s| s.parse::<i64>().ok())
                    .ok_or_else(|| LogError::BadSegmentName { path: path.clone() })?;
                bases.push(base);
            }
        }
        bases.sort_unstable();
        let mut segments: Vec<Segment> = Vec::with_capacity(bases.len().max(1));
        let mut truncations = Vec::new();
        let count = bases.len();
        for (i, base) in bases.into_iter().enumerate() {
            let is_active = i + 1 == count;
            let (segment, truncation) = Segment::open(
                dir,
                base,
                config.index_interval_bytes,
                is_active && !clean_shutdown,
                now_ms,
            )?;
            let cut = truncation.is_some();
            truncations.extend(truncation);
            // A gap before this segment, or damage inside an older one,
            // means later segments cannot be trusted to follow densely.
            let gap = segments
                .last()
                .is_some_and(|prev| prev.next_offset() != segment.base_offset());
            if gap {
                tracing::error!(
                    segment = %segment.path().display(),
                    "segment does not follow its predecessor; deleting it and every later segment"
                );
                segment.delete()?;
                break;
            }
            segments.push(segment);
            if cut && !is_active {
                break;
            }
        }
        // Remove any segment files after a damaged one.
        if let Some(last) = segments.last() {
            let keep_until = last.base_offset();
            for entry in std::fs::read_dir(dir).map_err(LogError::io("list log dir", dir))? {
                let path = entry.map_err(LogError::io("list log dir", dir))?.path();
                let base = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .and_then(|s| s.parse::<i64>().ok());
                if base.is_some_and(|b| b > keep_until) {
                    tracing::error!(path = %path.display(), "deleting segment file after a damaged segment");
                    std::fs::remove_file(&path).map_err(LogError::io("delete segment", &path))?;
                }
            }
        }
        if segments.is_empty() {
            segments.push(Segment::create(
                dir,
                0,
                config.index_interval_bytes,
                now_ms,
            )?);
        }
        let mut epochs = EpochCheckpoint::open(dir);
        let end = segments.last().map_or(0, Segment::next_offset);
        epochs.truncate_from(end + 1)?;
        let producers = load_producers(dir, &segments, end)?;
        Ok((
            Log {
                dir: dir.to_path_buf(),
                config,
                segments,
                epochs,
                producers,
                scratch: Vec::new(),
            },
            truncations,
        ))
    }

    pub fn set_config(&mut self, config: LogConfig) {
        self.config = config;
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// First offset still stored.
    pub fn log_start(&self) -> i64 {
        self.segments.first().map_or(0, Segment::base_offset)
    }

    /// Offset the next appended record gets (log end offset, LEO).
    pub fn log_end(&self) -> i64 {
        self.active().next_offset()
    }

    pub fn size_bytes(&self) -> u64 {
        self.segments.iter().map(Segment::size).sum()
    }

    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    pub fn epochs(&self) -> &EpochCheckpoint {
        &self.epochs
    }

    fn active(&self) -> &Segment {
        // `segments` is never empty: open() and every deletion keep one.
        &self.segments[self.segments.len() - 1]
    }

    fn active_mut(&mut self) -> &mut Segment {
        let last = self.segments.len() - 1;
        &mut self.segments[last]
    }

    /// The active segment's file, to fsync outside the partition lock.
    pub fn active_file(&self) -> (Arc<File>, PathBuf) {
        (
            self.active().file().clone(),
            self.active().path().to_path_buf(),
        )
    }

    /// Appends validated batches, assigning offsets from the log end and
    /// stamping `leader_epoch`. Rolls the active segment first when the
    /// batches would overflow it or it is older than segment.ms.
    pub fn append(
        &mut self,
        valid: &ValidBatches<'_>,
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo> {
        match self.check_sequences(valid)? {
            Sequencing::Duplicate(info) => Ok(info),
            Sequencing::InOrder(in_order) => {
                self.append_in_order(valid, in_order, leader_epoch, now_ms)
            }
        }
    }

    /// [`append`](Self::append) for a caller that has already checked the
    /// sequences (and acted between the check and the write, as the
    /// partition does for the backlog cap), so the check is not made twice.
    pub fn append_in_order(
        &mut self,
        valid: &ValidBatches<'_>,
        _checked: InOrder,
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo> {
        let base_offset = self.log_end();
        let size = valid.len_bytes();
        self.roll_for(size, now_ms)?;
        self.epochs.assign(leader_epoch, base_offset)?;

        let mut chunk = std::mem::take(&mut self.scratch);
        chunk.clear();
        chunk.extend_from_slice(valid.bytes);
        let mut pending = valid.batches.clone();
        for b in &mut pending {
            b.base_offset += base_offset;
            let at = b.chunk_position as usize;
            batch::assign(&mut chunk[at..], b.base_offset, leader_epoch);
        }
        let next = base_offset + valid.records;
        let result = self.active_mut().append(&chunk, &pending, next);
        self.scratch = chunk;
        result?;
        for b in pending.iter().filter(|b| b.stamp.is_idempotent()) {
            self.producers.record(&b.stamp, b.base_offset, now_ms);
        }
        Ok(AppendInfo {
            base_offset,
            last_offset: next - 1,
            records: valid.records,
            bytes: size,
            log_start: self.log_start(),
            duplicate: false,
        })
    }

    /// Checks the producer sequences of a request: a resend of batches
    /// already written (with where they were stored), new batches in order,
    /// or an error for a gap, a fenced epoch, or a mix of old and new.
    pub fn check_sequences(&self, valid: &ValidBatches<'_>) -> Result<Sequencing> {
        let mut duplicates: Option<(i64, i64)> = None;
        let mut fresh = 0;
        // Sequences continue from batch to batch within one request.
        let mut continued: Vec<(i64, i16, i32)> = Vec::new();
        for b in valid.batches.iter().filter(|b| b.stamp.is_idempotent()) {
            let stamp = &b.stamp;
            let check = match continued
                .iter()
                .find(|(pid, _, _)| *pid == stamp.producer_id)
            {
                Some(&(_, epoch, next)) if epoch == stamp.epoch && next == stamp.first_seq => {
                    producers::Check::Append
                }
                Some(&(_, _, next)) => {
                    return Err(LogError::OutOfOrderSequence {
                        producer_id: stamp.producer_id,
                        expected: next,
                        got: stamp.first_seq,
                    })
                }
                None => self.producers.check(stamp)?,
            };
            match check {
                producers::Check::Append => {
                    fresh += 1;
                    let next = producers::next_seq(stamp);
                    continued.retain(|(pid, _, _)| *pid != stamp.producer_id);
                    continued.push((stamp.producer_id, stamp.epoch, next));
                }
                producers::Check::Duplicate {
                    base_offset,
                    last_offset,
                } => {
                    let (first, _) = duplicates.get_or_insert((base_offset, last_offset));
                    duplicates = Some((*first, last_offset));
                }
            }
        }
        match duplicates {
            None => Ok(Sequencing::InOrder(InOrder(()))),
            Some(_) if fresh > 0 || valid.batches.iter().any(|b| !b.stamp.is_idempotent()) => {
                Err(LogError::PartialDuplicate)
            }
            Some((base_offset, last_offset)) => Ok(Sequencing::Duplicate(AppendInfo {
                base_offset,
                last_offset,
                records: 0,
                bytes: 0,
                log_start: self.log_start(),
                duplicate: true,
            })),
        }
    }

    /// Writes the producer state as of the log end, so the next start
    /// reads no batches to rebuild it (at a clean shutdown).
    pub fn checkpoint_producers(&mut self, now_ms: i64) -> Result<()> {
        let end = self.log_end();
        self.producers.write_snapshot(&self.dir, end, now_ms)
    }

    /// Rolls the active segment first when `size` more bytes would
    /// overflow it or it is older than segment.ms.
    fn roll_for(&mut self, size: u64, now_ms: i64) -> Result<()> {
        let active = self.active();
        let too_big = active.size() > 0 && active.size() + size > self.config.segment_bytes;
        let too_old = self.config.segment_ms >= 0
            && active.size() > 0
            && now_ms - active.created_ms() >= self.config.segment_ms;
        if too_big || too_old || active.size() + size > u32::MAX as u64 {
            self.roll(now_ms)?;
        }
        Ok(())
    }

    /// Closes the active segment (fsyncing it) and starts a new one at the
    /// log end.
    pub fn roll(&mut self, now_ms: i64) -> Result<()> {
        let active = self.active();
        if active.size() == 0 {
            return Ok(());
        }
        active.sync_all()?;
        let base = active.next_offset();
        let segment = Segment::create(&self.dir, base, self.config.index_interval_bytes, now_ms)?;
        self.segments.push(segment);
        // Recovery after a crash then rebuilds the producer state from this
        // snapshot and the new active segment only.
        self.producers.write_snapshot(&self.dir, base, now_ms)
    }

    /// Plans a read of up to `max_bytes` from `offset`, never past `upper`
    /// (the high watermark). The plan is executed without the lock.
    pub fn plan_read(&self, offset: i64, max_bytes: usize, upper: i64) -> Result<ReadPlan> {
        let log_start = self.log_start();
        if offset < log_start || offset > upper {
            return Err(LogError::OffsetOutOfRange {
                offset,
                log_start,
                high_watermark: upper,
            });
        }
        if offset == upper {
            return Ok(ReadPlan::empty());
        }
        let i = self
            .segments
            .partition_point(|s| s.base_offset() <= offset)
            .saturating_sub(1);
        let mut i = i;
        while i + 1 < self.segments.len() && self.segments[i].next_offset() <= offset {
            i += 1;
        }
        let segment = &self.segments[i];
        let position = segment.floor_position(offset);
        let available = segment.size().saturating_sub(position);
        let want = (max_bytes as u64 + self.config.index_interval_bytes).min(available);
        Ok(ReadPlan {
            file: Some(segment.file().clone()),
            path: segment.path().to_path_buf(),
            position,
            len: want as usize,
            available,
            offset,
            upper,
            max_bytes,
        })
    }

    /// The first offset of a batch whose max timestamp is at or after
    /// `timestamp`, or the log end when there is none.
    pub fn offset_for_timestamp(&self, timestamp: i64) -> Result<i64> {
        for segment in &self.segments {
            if segment.max_timestamp() < timestamp {
                continue;
            }
            let mut found = None;
            segment.scan_from(segment.time_scan_start(timestamp), |b| {
                if found.is_none() && b.max_timestamp >= timestamp {
                    found = Some(b.base_offset);
                }
                Ok(())
            })?;
            if let Some(offset) = found {
                return Ok(offset.max(self.log_start()));
            }
        }
        Ok(self.log_end())
    }

    /// Fsyncs every segment and index (clean shutdown).
    pub fn sync_all(&self) -> Result<()> {
        self.segments.iter().try_for_each(Segment::sync_all)
    }

    /// Deletes the oldest segment. Never the active one.
    fn delete_oldest(&mut self) -> Result<Option<(i64, u64)>> {
        if self.segments.len() < 2 {
            return Ok(None);
        }
        let segment = self.segments.remove(0);
        let info = (segment.base_offset(), segment.size());
        segment.delete()?;
        Ok(Some(info))
    }
}

#[cfg(test)]
mod tests;

/// The producer state of a log just opened: its snapshot, brought up to
/// the log end with the batches written after it. Without a snapshot (or
/// with one from past the end, after a truncation) only the active segment
/// is read: producers whose last batches are older are treated as new.
fn load_producers(dir: &Path, segments: &[Segment], end: i64) -> Result<ProducerStates> {
    let active_base = segments.last().map_or(0, Segment::base_offset);
    let (mut states, from) = match ProducerStates::read_snapshot(dir) {
        Some((states, offset)) if offset <= end => (states, offset),
        Some((mut states, _)) => {
            states.truncate_from(end);
            (states, active_base.min(end))
        }
        None => (ProducerStates::default(), active_base),
    };
    if from >= end {
        return Ok(states);
    }
    for segment in segments.iter().filter(|s| s.next_offset() > from) {
        segment.scan_from(from, |b| {
            if b.base_offset >= from && b.stamp.is_idempotent() {
                states.record(&b.stamp, b.base_offset, b.max_timestamp);
            }
            Ok(())
        })?;
    }
    Ok(states)
}
