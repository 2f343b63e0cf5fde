//! The controller's durable Raft state in its own sled database under
//! `<data_dir>/raft/`: the log (keyed by index, big-endian so keys sort in
//! log order) and a few named values (vote, committed, purged, snapshot).
//!
//! Values are opaque bytes here; `cluster::raft` chooses their encoding.
//! Kept apart from the metadata store so the Raft log's churn and
//! compaction never slow the topic and offset writes, and so a node's Raft
//! state can be inspected or wiped on its own.

use std::ops::Bound;
use std::path::Path;

use super::MetaError;

#[derive(Clone)]
pub struct RaftDisk {
    db: sled::Db,
    log: sled::Tree,
    values: sled::Tree,
}

impl RaftDisk {
    pub fn open(dir: &Path) -> Result<Self, MetaError> {
        let db = super::open_db(dir, 4 * 1024 * 1024)?;
        Ok(RaftDisk {
            log: db.open_tree("log")?,
            values: db.open_tree("values")?,
            db,
        })
    }

    /// Log entries with `from <= index < to`, in order.
    pub fn entries(&self, from: u64, to: Bound<u64>) -> Result<Vec<Vec<u8>>, MetaError> {
        let end = match to {
            Bound::Included(i) => Bound::Included(i.to_be_bytes()),
            Bound::Excluded(i) => Bound::Excluded(i.to_be_bytes()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let mut out = Vec::new();
        for item in self
            .log
            .range::<[u8; 8], _>((Bound::Included(from.to_be_bytes()), end))
        {
            let (_, value) = item?;
            out.push(value.to_vec());
        }
        Ok(out)
    }

    /// The entry with the highest index.
    pub fn last_entry(&self) -> Result<Option<Vec<u8>>, MetaError> {
        Ok(self.log.last()?.map(|(_, v)| v.to_vec()))
    }

    /// Writes entries in one batch; durable after `flush`.
    pub fn append(
        &self,
        entries: impl IntoIterator<Item = (u64, Vec<u8>)>,
    ) -> Result<(), MetaError> {
        let mut batch = sled::Batch::default();
        for (index, bytes) in entries {
            batch.insert(&index.to_be_bytes(), bytes);
        }
        self.log.apply_batch(batch)?;
        Ok(())
    }

    /// Removes every entry at `from` and after (a conflicting suffix).
    pub fn remove_from(&self, from: u64) -> Result<(), MetaError> {
        self.remove(Bound::Included(from), Bound::Unbounded)
    }

    /// Removes every entry up to and including `to` (compacted into a snapshot).
    pub fn remove_through(&self, to: u64) -> Result<(), MetaError> {
        self.remove(Bound::Unbounded, Bound::Included(to))
    }

    fn remove(&self, from: Bound<u64>, to: Bound<u64>) -> Result<(), MetaError> {
        let key = |b: Bound<u64>| b.map(u64::to_be_bytes);
        let mut batch = sled::Batch::default();
        for item in self.log.range::<[u8; 8], _>((key(from), key(to))) {
            let (k, _) = item?;
            batch.remove(k);
        }
        self.log.apply_batch(batch)?;
        Ok(())
    }

    pub fn value(&self, name: &str) -> Result<Option<Vec<u8>>, MetaError> {
        Ok(self.values.get(name)?.map(|v| v.to_vec()))
    }

    pub fn set_value(&self, name: &str, bytes: Vec<u8>) -> Result<(), MetaError> {
        self.values.insert(name, bytes)?;
        Ok(())
    }

    /// Makes every write so far durable. Blocking sled flush run off the
    /// async workers (sled 0.34's `flush_async` can deadlock, see `Meta`).
    pub async fn flush(&self) -> Result<(), MetaError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|e| MetaError::Flush(e.to_string()))??;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ranges_truncation_and_purge_keep_log_order() {
        let dir = tempfile::tempdir().unwrap();
        let disk = RaftDisk::open(dir.path()).unwrap();
        disk.append((1..=300u64).map(|i| (i, i.to_string().into_bytes())))
            .unwrap();
        disk.flush().await.unwrap();
        // Big-endian keys: 256 sorts after 255, not after 25.
        let got = disk.entries(254, Bound::Excluded(258)).unwrap();
        let got: Vec<String> = got
            .into_iter()
            .map(|b| String::from_utf8(b).unwrap())
            .collect();
        assert_eq!(got, ["254", "255", "256", "257"]);
        assert_eq!(disk.last_entry().unwrap().unwrap(), b"300");
        disk.remove_from(299).unwrap();
        assert_eq!(disk.last_entry().unwrap().unwrap(), b"298");
        disk.remove_through(100).unwrap();
        let rest = disk.entries(0, Bound::Unbounded).unwrap();
        assert_eq!(rest.len(), 198);
        assert_eq!(rest[0], b"101");
        disk.set_value("vote", b"v".to_vec()).unwrap();
        assert_eq!(disk.value("vote").unwrap().unwrap(), b"v");
        assert!(disk.value("none").unwrap().is_none());
    }
}
