//! Idempotent producers: the sequence state of one partition.
//!
//! A producer with an id stamps each batch with its epoch and the sequence
//! number of its first record. The log remembers, per producer, its epoch
//! and its last few batches; a batch that repeats one of them is a resend
//! whose answer was lost, and is answered with the original offsets instead
//! of being written again. A batch that skips ahead is refused, as is one
//! from an older epoch (a fenced, zombie producer).
//!
//! The state is rebuilt on start from a snapshot plus the batches after it.
//! A snapshot is written when a segment rolls and at a clean shutdown, so a
//! clean start reads no batches and an unclean one reads only the active
//! segment, which recovery has just read anyway.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{LogError, Result};

/// Batches remembered per producer: as many as a producer may have in
/// flight (Kafka's bound, which our client keeps too).
pub const REMEMBERED_BATCHES: usize = 5;
/// A producer silent for this long is forgotten (Kafka's default of
/// producer.id.expiration.ms), so the table does not grow forever.
pub const EXPIRY_MS: i64 = 24 * 3600 * 1000;

const SNAPSHOT_FILE: &str = "producers.snapshot";

/// One batch's producer stamp, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub producer_id: i64,
    pub epoch: i16,
    pub first_seq: i32,
    pub records: i32,
}

impl Stamp {
    pub fn of(header: &mq::batch::BatchHeader<'_>) -> Stamp {
        Stamp {
            producer_id: header.producer_id(),
            epoch: header.producer_epoch(),
            first_seq: header.base_sequence(),
            records: header.record_count(),
        }
    }

    pub fn is_idempotent(&self) -> bool {
        self.producer_id >= 0
    }

    fn last_seq(&self) -> i32 {
        add_seq(self.first_seq, self.records - 1)
    }
}

/// The sequence a producer's next batch must start with.
pub fn next_seq(stamp: &Stamp) -> i32 {
    add_seq(stamp.first_seq, stamp.records)
}

/// Sequence numbers wrap to 0 after i32::MAX, as in Kafka.
fn add_seq(seq: i32, n: i32) -> i32 {
    ((seq as i64 + n as i64) % (i32::MAX as i64 + 1)) as i32
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Remembered {
    first_seq: i32,
    last_seq: i32,
    base_offset: i64,
    last_offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    epoch: i16,
    batches: VecDeque<Remembered>,
    last_write_ms: i64,
}

/// What to do with a stamped batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// New and in order: write it.
    Append,
    /// Already written at these offsets: answer with them.
    Duplicate { base_offset: i64, last_offset: i64 },
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProducerStates {
    entries: HashMap<i64, Entry>,
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    /// The log end offset the snapshot describes.
    offset: i64,
    entries: Vec<(i64, Entry)>,
    /// crc32c of the JSON of `entries`, so a torn snapshot is noticed.
    crc: u32,
}

impl ProducerStates {
    /// Decides what to do with a stamped batch, without changing anything.
    pub fn check(&self, stamp: &Stamp) -> Result<Check> {
        let Some(entry) = self.entries.get(&stamp.producer_id) else {
            // An unknown producer (new, or expired) starts wherever it is.
            return Ok(Check::Append);
        };
        if stamp.epoch < entry.epoch {
            return Err(LogError::ProducerFenced {
                producer_id: stamp.producer_id,
                epoch: stamp.epoch,
                current: entry.epoch,
            });
        }
        if stamp.epoch > entry.epoch {
            // A new epoch starts its sequences again at 0.
            if stamp.first_seq != 0 {
                return Err(LogError::OutOfOrderSequence {
                    producer_id: stamp.producer_id,
                    expected: 0,
                    got: stamp.first_seq,
                });
            }
            return Ok(Check::Append);
        }
        let last_seq = stamp.last_seq();
        if let Some(seen) = entry
            .batches
            .iter()
            .find(|b| b.first_seq == stamp.first_seq && b.last_seq == last_seq)
        {
            return Ok(Check::Duplicate {
                base_offset: seen.base_offset,
                last_offset: seen.last_offset,
            });
        }
        let expected = entry
            .batches
            .back()
            .map_or(stamp.first_seq, |b| add_seq(b.last_seq, 1));
        if stamp.first_seq != expected {
            return Err(LogError::OutOfOrderSequence {
                producer_id: stamp.producer_id,
                expected,
                got: stamp.first_seq,
            });
        }
        Ok(Check::Append)
    }

    /// Remembers a batch written at `base_offset`.
    pub fn record(&mut self, stamp: &Stamp, base_offset: i64, now_ms: i64) {
        let entry = self.entries.entry(stamp.producer_id).or_insert(Entry {
            epoch: stamp.epoch,
            batches: VecDeque::new(),
            last_write_ms: now_ms,
        });
        if stamp.epoch != entry.epoch {
            entry.epoch = stamp.epoch;
            entry.batches.clear();
        }
        if entry.batches.len() == REMEMBERED_BATCHES {
            entry.batches.pop_front();
        }
        entry.batches.push_back(Remembered {
            first_seq: stamp.first_seq,
            last_seq: stamp.last_seq(),
            base_offset,
            last_offset: base_offset + stamp.records as i64 - 1,
        });
        entry.last_write_ms = entry.last_write_ms.max(now_ms);
    }

    /// Forgets batches at or after `offset` (the log was truncated there).
    /// A producer with nothing left is forgotten.
    pub fn truncate_from(&mut self, offset: i64) {
        self.entries.retain(|_, e| {
            e.batches.retain(|b| b.base_offset < offset);
            !e.batches.is_empty()
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn expire(&mut self, now_ms: i64) {
        self.entries
            .retain(|_, e| now_ms.saturating_sub(e.last_write_ms) < EXPIRY_MS);
    }

    /// Writes the state as of log end `offset` (dropping expired producers)
    /// by write-then-rename, so a crash leaves the old or the new snapshot.
    pub fn write_snapshot(&mut self, dir: &Path, offset: i64, now_ms: i64) -> Result<()> {
        self.expire(now_ms);
        let mut entries: Vec<(i64, Entry)> =
            self.entries.iter().map(|(k, v)| (*k, v.clone())).collect();
        entries.sort_by_key(|(k, _)| *k);
        let body = serde_json::to_vec(&entries).unwrap_or_default();
        let snapshot = Snapshot {
            offset,
            entries,
            crc: crc32c::crc32c(&body),
        };
        let bytes = serde_json::to_vec(&snapshot).unwrap_or_default();
        let path = snapshot_path(dir);
        let tmp = path.with_extension("snapshot.tmp");
        std::fs::write(&tmp, &bytes).map_err(LogError::io("write producer snapshot", &tmp))?;
        std::fs::rename(&tmp, &path).map_err(LogError::io("rename producer snapshot", &path))?;
        Ok(())
    }

    /// The snapshot in `dir` and the offset it describes, when there is a
    /// sound one; a missing, torn or foreign file gives `None` (and is
    /// logged), and the caller rebuilds from the log instead.
    pub fn read_snapshot(dir: &Path) -> Option<(ProducerStates, i64)> {
        let path = snapshot_path(dir);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read producer snapshot; rebuilding it from the log");
                return None;
            }
        };
        let snapshot: Snapshot = match serde_json::from_slice(&bytes) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "producer snapshot is damaged; rebuilding it from the log");
                return None;
            }
        };
        let body = serde_json::to_vec(&snapshot.entries).unwrap_or_default();
        if crc32c::crc32c(&body) != snapshot.crc {
            tracing::warn!(path = %path.display(), "producer snapshot fails its checksum; rebuilding it from the log");
            return None;
        }
        let states = ProducerStates {
            entries: snapshot.entries.into_iter().collect(),
        };
        Some((states, snapshot.offset))
    }
}

fn snapshot_path(dir: &Path) -> PathBuf {
    dir.join(SNAPSHOT_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(pid: i64, epoch: i16, first_seq: i32, records: i32) -> Stamp {
        Stamp {
            producer_id: pid,
            epoch,
            first_seq,
            records,
        }
    }

    #[test]
    fn in_order_batches_append_and_resends_are_duplicates() {
        let mut s = ProducerStates::default();
        let a = stamp(7, 0, 0, 10);
        assert_eq!(s.check(&a).unwrap(), Check::Append);
        s.record(&a, 100, 0);
        let b = stamp(7, 0, 10, 5);
        assert_eq!(s.check(&b).unwrap(), Check::Append);
        s.record(&b, 110, 0);
        assert_eq!(
            s.check(&a).unwrap(),
            Check::Duplicate {
                base_offset: 100,
                last_offset: 109
            }
        );
        assert_eq!(
            s.check(&b).unwrap(),
            Check::Duplicate {
                base_offset: 110,
                last_offset: 114
            }
        );
    }

    #[test]
    fn gaps_and_old_epochs_are_refused() {
        let mut s = ProducerStates::default();
        s.record(&stamp(1, 3, 0, 4), 0, 0);
        let gap = s.check(&stamp(1, 3, 9, 1)).unwrap_err();
        assert!(
            matches!(
                gap,
                LogError::OutOfOrderSequence {
                    expected: 4,
                    got: 9,
                    ..
                }
            ),
            "{gap}"
        );
        let old = s.check(&stamp(1, 2, 4, 1)).unwrap_err();
        assert!(
            matches!(old, LogError::ProducerFenced { current: 3, .. }),
            "{old}"
        );
        // A new epoch must start at 0, and then replaces the old state.
        assert!(s.check(&stamp(1, 4, 4, 1)).is_err());
        assert_eq!(s.check(&stamp(1, 4, 0, 1)).unwrap(), Check::Append);
        s.record(&stamp(1, 4, 0, 1), 4, 0);
        assert!(
            s.check(&stamp(1, 3, 4, 1)).is_err(),
            "the old epoch is fenced now"
        );
    }

    #[test]
    fn only_the_last_five_batches_are_remembered_and_sequences_wrap() {
        let mut s = ProducerStates::default();
        let mut seq = i32::MAX - 2;
        for i in 0..7 {
            let b = stamp(9, 0, seq, 2);
            assert_eq!(s.check(&b).unwrap(), Check::Append, "batch {i}");
            s.record(&b, i * 2, 0);
            seq = add_seq(seq, 2);
        }
        assert_eq!(seq, 11, "wrapped past i32::MAX to 0");
        // The first two batches have been forgotten; a resend of them now
        // looks like a gap.
        assert!(s.check(&stamp(9, 0, i32::MAX - 2, 2)).is_err());
        assert!(matches!(
            s.check(&stamp(9, 0, 9, 2)).unwrap(),
            Check::Duplicate {
                base_offset: 12,
                ..
            }
        ));
    }

    #[test]
    fn snapshot_round_trips_and_a_damaged_one_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = ProducerStates::default();
        s.record(&stamp(1, 0, 0, 3), 0, 1_000);
        s.record(&stamp(2, 5, 7, 1), 3, 1_000);
        s.write_snapshot(dir.path(), 4, 2_000).unwrap();
        let (back, offset) = ProducerStates::read_snapshot(dir.path()).unwrap();
        assert_eq!(offset, 4);
        assert_eq!(back, s);

        let path = snapshot_path(dir.path());
        let mut bytes = std::fs::read(&path).unwrap();
        let i = bytes.iter().position(|b| *b == b'5').unwrap();
        bytes[i] = b'6';
        std::fs::write(&path, bytes).unwrap();
        assert!(ProducerStates::read_snapshot(dir.path()).is_none());
        std::fs::write(&path, b"{not json").unwrap();
        assert!(ProducerStates::read_snapshot(dir.path()).is_none());
    }

    #[test]
    fn idle_producers_expire_at_snapshot_and_truncation_forgets_batches() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = ProducerStates::default();
        s.record(&stamp(1, 0, 0, 1), 0, 0);
        s.record(&stamp(2, 0, 0, 1), 1, EXPIRY_MS);
        s.write_snapshot(dir.path(), 2, EXPIRY_MS + 1).unwrap();
        assert_eq!(s.len(), 1);
        s.truncate_from(1);
        assert!(s.is_empty());
    }
}
