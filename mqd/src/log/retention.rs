//! Deleting whole old segments: by time, by size, and to make room under a
//! backlog cap. The active segment is never deleted by time or size; the
//! backlog cap may roll it first so it can go.

use super::error::Result;
use super::Log;

/// What retention removed from one log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub segments: usize,
    pub bytes: u64,
}

impl Log {
    /// Deletes the oldest segments while they are older than `retention_ms`
    /// (by their newest record's timestamp) or while the log without them
    /// still holds at least `retention_bytes`. Negative limits are off.
    pub fn apply_retention(
        &mut self,
        now_ms: i64,
        retention_ms: i64,
        retention_bytes: i64,
    ) -> Result<Deleted> {
        let mut deleted = Deleted::default();
        while self.segments.len() > 1 {
            let oldest = &self.segments[0];
            let expired = retention_ms >= 0
                && oldest.max_timestamp() >= 0
                && now_ms - oldest.max_timestamp() > retention_ms;
            let over_size =
                retention_bytes >= 0 && self.size_bytes() - oldest.size() >= retention_bytes as u64;
            if !(expired || over_size) {
                break;
            }
            match self.delete_oldest()? {
                Some((_, bytes)) => {
                    deleted.segments += 1;
                    deleted.bytes += bytes;
                }
                None => break,
            }
        }
        Ok(deleted)
    }

    /// Frees space so that `incoming` more bytes fit under `cap` by deleting
    /// the oldest segments (rolling the active one if it alone is too big).
    /// Returns false if even an empty log cannot take `incoming` bytes.
    pub fn make_room(&mut self, cap: u64, incoming: u64, now_ms: i64) -> Result<(bool, Deleted)> {
        let mut deleted = Deleted::default();
        if incoming > cap {
            return Ok((false, deleted));
        }
        while self.size_bytes() + incoming > cap {
            if self.segments.len() < 2 {
                if self.active().size() == 0 {
                    break;
                }
                self.roll(now_ms)?;
            }
            match self.delete_oldest()? {
                Some((_, bytes)) => {
                    deleted.segments += 1;
                    deleted.bytes += bytes;
                }
                None => break,
            }
        }
        Ok((self.size_bytes() + incoming <= cap, deleted))
    }
}
