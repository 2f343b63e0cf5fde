//! Reusable read buffers for the fetch path.
//!
//! A fetch reads up to a few MiB from the page cache. Allocating that fresh
//! per request costs more than the copy itself: glibc hands large blocks out
//! as new mappings, so every fetch faulted in and zeroed its pages again
//! (a quarter of mqd's CPU under consume load). A buffer lives on in a small
//! pool once the response that borrowed it has been sent, keeping its pages.

use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use parking_lot::Mutex;

/// At most this many idle buffers are kept; more concurrent fetches than
/// that allocate, and their buffers are freed when done.
const MAX_IDLE: usize = 16;
/// Buffers that grew past this (a huge batch) are freed, not kept.
const MAX_KEPT_BYTES: usize = 16 << 20;

static POOL: LazyLock<Arc<Pool>> = LazyLock::new(|| Arc::new(Pool::default()));

#[derive(Default)]
struct Pool {
    idle: Mutex<Vec<Vec<u8>>>,
}

/// A buffer from the pool with `filled` bytes of content.
///
/// The vector's length is its initialised size, kept across uses so that a
/// reused buffer is not zeroed again; only `..filled` is content.
pub struct ReadBuffer {
    data: Vec<u8>,
    filled: usize,
    pool: Arc<Pool>,
}

impl ReadBuffer {
    /// A buffer with room for at least `len` bytes, all of it writable.
    pub fn take(len: usize) -> ReadBuffer {
        let pool = POOL.clone();
        let mut data = pool.idle.lock().pop().unwrap_or_default();
        if data.len() < len {
            data.resize(len, 0);
        }
        ReadBuffer {
            data,
            filled: 0,
            pool,
        }
    }

    /// Room to read into, from the end of the content on.
    pub fn spare(&mut self, len: usize) -> &mut [u8] {
        let end = self.filled + len;
        if self.data.len() < end {
            self.data.resize(end, 0);
        }
        &mut self.data[self.filled..end]
    }

    /// Marks `n` more bytes, written through [`spare`](Self::spare), as content.
    pub fn advance(&mut self, n: usize) {
        self.filled = (self.filled + n).min(self.data.len());
    }

    pub fn len(&self) -> usize {
        self.filled
    }

    pub fn is_empty(&self) -> bool {
        self.filled == 0
    }

    /// Hands the content to a response without copying; the buffer goes
    /// back to the pool when the last slice of it is dropped.
    pub fn freeze(self) -> Bytes {
        Bytes::from_owner(self)
    }
}

impl AsRef<[u8]> for ReadBuffer {
    fn as_ref(&self) -> &[u8] {
        &self.data[..self.filled]
    }
}

impl Drop for ReadBuffer {
    fn drop(&mut self) {
        if self.data.capacity() > MAX_KEPT_BYTES {
            return;
        }
        let mut idle = self.pool.idle.lock();
        if idle.len() < MAX_IDLE {
            idle.push(std::mem::take(&mut self.data));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_what_was_written_and_buffers_are_reused() {
        let mut buf = ReadBuffer::take(8);
        buf.spare(5).copy_from_slice(b"hello");
        buf.advance(5);
        buf.spare(3).copy_from_slice(b"abc");
        buf.advance(3);
        assert_eq!(buf.len(), 8);
        let bytes = buf.freeze();
        assert_eq!(&bytes[..], b"helloabc");
        let slice = bytes.slice(5..);
        drop(bytes);
        assert_eq!(&slice[..], b"abc");
        drop(slice);

        // A reused buffer starts empty even though its memory is kept.
        assert!(ReadBuffer::take(4).is_empty());
    }
}
