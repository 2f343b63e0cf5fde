//! Durable metadata in sled: topics with their config overrides, and the
//! node's identity.
//!
//! This is the only module that sees sled. Keys are our own encoding
//! (`topic/<name>`, `node/<field>`) and values JSON, so replacing the engine
//! later touches this file alone. Every write is flushed before it returns:
//! metadata changes are rare and must survive a crash right after the
//! admin call that made them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum MetaError {
    #[error("metadata store at {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: sled::Error,
    },
    #[error("metadata store: {0}")]
    Sled(#[from] sled::Error),
    #[error("metadata store flush task failed: {0}")]
    Flush(String),
    #[error("metadata record {key:?} is unreadable ({source}); the store may be from a newer mqd or damaged")]
    Decode {
        key: String,
        #[source]
        source: serde_json::Error,
    },
}

/// A topic as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicRecord {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u32,
    /// Only the keys set for this topic; defaults are not copied in.
    pub configs: BTreeMap<String, String>,
    pub created_ms: i64,
    /// In a cluster, the partitions with a replica on this node; absent on
    /// a single node, where every partition is local.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<Vec<u32>>,
}

impl TopicRecord {
    /// The partitions whose logs live on this node.
    pub fn local_partitions(&self) -> Vec<u32> {
        match &self.local {
            Some(ids) => ids.clone(),
            None => (0..self.partitions).collect(),
        }
    }
}

#[derive(Clone)]
pub struct Meta {
    db: sled::Db,
    flushes: Arc<GroupFlush>,
}

/// Shares one sled flush among concurrent writers (group commit). sled
/// 0.34's `flush_async` deadlocks against concurrent writes, so the flush
/// is the blocking one, run off the async workers, one at a time.
#[derive(Default)]
struct GroupFlush {
    /// Ticket of the latest write that wants to be durable.
    requested: AtomicU64,
    /// Every write with a ticket up to this one is durable.
    flushed: tokio::sync::Mutex<u64>,
}

pub mod raft_disk;

const TOPIC_PREFIX: &str = "topic/";
const OFFSET_PREFIX: &str = "offset/";
const QUEUE_PREFIX: &str = "queue/";

/// A group's committed position in one partition, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommittedOffset {
    pub offset: i64,
    pub metadata: String,
    pub commit_ms: i64,
}

fn offset_key(group: &str, topic: &str, partition: u32) -> String {
    // Group and topic names cannot contain '/', so prefixes do not collide.
    format!("{OFFSET_PREFIX}{group}/{topic}/{partition}")
}

/// Opens a sled database tuned for small, rarely written metadata.
fn open_db(dir: &Path, cache_bytes: u64) -> Result<sled::Db, MetaError> {
    sled::Config::new()
        .path(dir)
        .mode(sled::Mode::LowSpace)
        .cache_capacity(cache_bytes)
        .open()
        .map_err(|source| MetaError::Open {
            path: dir.display().to_string(),
            source,
        })
}

impl Meta {
    pub fn open(dir: &Path) -> Result<Self, MetaError> {
        let db = open_db(dir, 8 * 1024 * 1024)?;
        Ok(Meta {
            db,
            flushes: Arc::new(GroupFlush::default()),
        })
    }

    pub fn topics(&self) -> Result<Vec<TopicRecord>, MetaError> {
        self.db
            .scan_prefix(TOPIC_PREFIX)
            .map(|item| {
                let (key, value) = item?;
                serde_json::from_slice(&value).map_err(|source| MetaError::Decode {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    source,
                })
            })
            .collect()
    }

    pub fn put_topic(&self, topic: &TopicRecord) -> Result<(), MetaError> {
        let value = serde_json::to_vec(topic).map_err(|source| MetaError::Decode {
            key: topic.name.clone(),
            source,
        })?;
        self.db
            .insert(format!("{TOPIC_PREFIX}{}", topic.name), value)?;
        self.db.flush()?;
        Ok(())
    }

    pub fn delete_topic(&self, name: &str) -> Result<(), MetaError> {
        self.db.remove(format!("{TOPIC_PREFIX}{name}"))?;
        self.db.flush()?;
        Ok(())
    }

    /// The value of a node identity field, creating it with `init` on first use.
    pub fn node_field(
        &self,
        field: &str,
        init: impl FnOnce() -> String,
    ) -> Result<String, MetaError> {
        let key = format!("node/{field}");
        if let Some(v) = self.db.get(&key)? {
            return Ok(String::from_utf8_lossy(&v).into_owned());
        }
        let value = init();
        self.db.insert(key, value.as_bytes())?;
        self.db.flush()?;
        Ok(value)
    }

    /// Stores a group's offsets, durable when this returns. Each partition's
    /// offset is its own key (as in Kafka, a commit is not atomic across
    /// partitions); concurrent commits share one flush.
    pub async fn put_offsets(
        &self,
        group: &str,
        offsets: &[(String, u32, CommittedOffset)],
    ) -> Result<(), MetaError> {
        for (topic, partition, committed) in offsets {
            let value = serde_json::to_vec(committed).unwrap_or_default();
            self.db
                .insert(offset_key(group, topic, *partition).as_bytes(), value)?;
        }
        self.flush_shared().await
    }

    /// Makes every write made before the call durable, sharing the flush
    /// with concurrent callers.
    async fn flush_shared(&self) -> Result<(), MetaError> {
        let ticket = self.flushes.requested.fetch_add(1, Ordering::AcqRel) + 1;
        let mut flushed = self.flushes.flushed.lock().await;
        if *flushed >= ticket {
            return Ok(()); // a flush that started after our write covered it
        }
        let covers = self.flushes.requested.load(Ordering::Acquire);
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|e| MetaError::Flush(e.to_string()))??;
        *flushed = covers;
        Ok(())
    }

    /// Every committed offset of a group: (topic, partition, offset).
    pub fn offsets(&self, group: &str) -> Result<Vec<(String, u32, CommittedOffset)>, MetaError> {
        let prefix = format!("{OFFSET_PREFIX}{group}/");
        let mut out = Vec::new();
        for item in self.db.scan_prefix(prefix.as_bytes()) {
            let (key, value) = item?;
            let key = String::from_utf8_lossy(&key).into_owned();
            let rest = &key[prefix.len()..];
            let Some((topic, partition)) = rest.rsplit_once('/') else {
                continue;
            };
            let Ok(partition) = partition.parse::<u32>() else {
                continue;
            };
            let committed = serde_json::from_slice(&value).map_err(|source| MetaError::Decode {
                key: key.clone(),
                source,
            })?;
            out.push((topic.to_string(), partition, committed));
        }
        Ok(out)
    }

    /// Names of the groups with committed offsets.
    pub fn groups_with_offsets(&self) -> Result<Vec<String>, MetaError> {
        let mut names: Vec<String> = Vec::new();
        for item in self.db.scan_prefix(OFFSET_PREFIX.as_bytes()) {
            let (key, _) = item?;
            let key = String::from_utf8_lossy(&key);
            if let Some((group, _)) = key[OFFSET_PREFIX.len()..].split_once('/') {
                if names.last().map(String::as_str) != Some(group) {
                    names.push(group.to_string());
                }
            }
        }
        Ok(names)
    }

    /// Forgets every offset of a group.
    pub async fn delete_offsets(&self, group: &str) -> Result<(), MetaError> {
        self.remove_prefix(&format!("{OFFSET_PREFIX}{group}/"))?;
        self.flush_shared().await
    }

    /// Removes every key under `prefix` (flushed by the caller).
    fn remove_prefix(&self, prefix: &str) -> Result<(), MetaError> {
        let keys: Vec<sled::IVec> = self
            .db
            .scan_prefix(prefix.as_bytes())
            .keys()
            .collect::<Result<_, _>>()?;
        for key in keys {
            self.db.remove(key)?;
        }
        Ok(())
    }

    /// Stores a queue ledger without waiting for durability; call
    /// [`Meta::sync`] when the caller must not answer before it is durable.
    pub fn put_queue_ledger<T: Serialize>(
        &self,
        group: &str,
        topic: &str,
        partition: u32,
        ledger: &T,
    ) -> Result<(), MetaError> {
        let key = format!("{QUEUE_PREFIX}{group}/{topic}/{partition}");
        let value = serde_json::to_vec(ledger).map_err(|source| MetaError::Decode {
            key: key.clone(),
            source,
        })?;
        self.db.insert(key.as_bytes(), value)?;
        Ok(())
    }

    /// Every stored queue ledger: (group, topic, partition, ledger).
    pub fn queue_ledgers<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Vec<(String, String, u32, T)>, MetaError> {
        let mut out = Vec::new();
        for item in self.db.scan_prefix(QUEUE_PREFIX.as_bytes()) {
            let (key, value) = item?;
            let key = String::from_utf8_lossy(&key).into_owned();
            let mut parts = key[QUEUE_PREFIX.len()..].splitn(3, '/');
            let (Some(group), Some(topic), Some(partition)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Ok(partition) = partition.parse::<u32>() else {
                continue;
            };
            let ledger = serde_json::from_slice(&value).map_err(|source| MetaError::Decode {
                key: key.clone(),
                source,
            })?;
            out.push((group.to_string(), topic.to_string(), partition, ledger));
        }
        Ok(out)
    }

    /// Forgets one queue ledger (flushed by the next [`Meta::sync`]).
    pub fn delete_queue_ledger(
        &self,
        group: &str,
        topic: &str,
        partition: u32,
    ) -> Result<(), MetaError> {
        self.db
            .remove(format!("{QUEUE_PREFIX}{group}/{topic}/{partition}").as_bytes())?;
        Ok(())
    }

    /// Forgets every queue ledger of a group.
    pub async fn delete_queue_ledgers(&self, group: &str) -> Result<(), MetaError> {
        self.remove_prefix(&format!("{QUEUE_PREFIX}{group}/"))?;
        self.flush_shared().await
    }

    /// Stores a JSON value under `key` (flushed by the next [`Meta::sync`]).
    pub fn put_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), MetaError> {
        let bytes = serde_json::to_vec(value).map_err(|source| MetaError::Decode {
            key: key.to_string(),
            source,
        })?;
        self.db.insert(key.as_bytes(), bytes)?;
        Ok(())
    }

    pub fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, MetaError> {
        match self.db.get(key.as_bytes())? {
            None => Ok(None),
            Some(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|source| MetaError::Decode {
                        key: key.to_string(),
                        source,
                    })
            }
        }
    }

    /// Makes every write made so far durable (sharing the flush with
    /// concurrent callers).
    pub async fn sync(&self) -> Result<(), MetaError> {
        self.flush_shared().await
    }

    /// A producer id never handed out before on this node, even across
    /// crashes (sled persists its id generator ahead of use).
    pub fn next_producer_id(&self) -> Result<i64, MetaError> {
        Ok((self.db.generate_id()? & (i64::MAX as u64)) as i64)
    }

    pub fn flush(&self) -> Result<(), MetaError> {
        self.db.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opens a store just closed in the same process. sled's background
    /// flusher lets go of the directory lock a moment after the last handle
    /// is dropped, so a reopen retries briefly (mqd itself opens once).
    fn reopen(dir: &Path) -> Meta {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match Meta::open(dir) {
                Ok(meta) => return meta,
                Err(e) if std::time::Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => panic!("reopen {}: {e}", dir.display()),
            }
        }
    }

    #[tokio::test]
    async fn offsets_survive_reopen_and_groups_do_not_mix() {
        let dir = tempfile::tempdir().unwrap();
        let at = |offset| CommittedOffset {
            offset,
            metadata: "m".into(),
            commit_ms: 1,
        };
        {
            let meta = Meta::open(dir.path()).unwrap();
            meta.put_offsets("g", &[("t".into(), 0, at(5)), ("t".into(), 10, at(7))])
                .await
                .unwrap();
            meta.put_offsets("g2", &[("t".into(), 0, at(9))])
                .await
                .unwrap();
            meta.put_offsets("g", &[("t".into(), 0, at(6))])
                .await
                .unwrap();
        }
        let meta = reopen(dir.path());
        let mut g = meta.offsets("g").unwrap();
        g.sort_by_key(|(_, p, _)| *p);
        assert_eq!(g, vec![("t".into(), 0, at(6)), ("t".into(), 10, at(7))]);
        assert_eq!(meta.groups_with_offsets().unwrap(), vec!["g", "g2"]);
        meta.delete_offsets("g").await.unwrap();
        assert!(meta.offsets("g").unwrap().is_empty());
        assert_eq!(meta.offsets("g2").unwrap().len(), 1);
    }

    /// sled 0.34's `flush_async` deadlocked under exactly this load. The
    /// writes run on a thread of their own, so a deadlock fails the test
    /// instead of hanging it.
    #[test]
    fn concurrent_commits_and_topic_writes_do_not_deadlock() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let writer = meta.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let mut tasks = Vec::new();
                for t in 0..16u32 {
                    let meta = writer.clone();
                    tasks.push(tokio::spawn(async move {
                        for i in 0..50 {
                            let committed = CommittedOffset {
                                offset: i,
                                metadata: String::new(),
                                commit_ms: 0,
                            };
                            meta.put_offsets("g", &[("t".into(), t, committed)])
                                .await
                                .unwrap();
                        }
                    }));
                }
                for task in tasks {
                    task.await.unwrap();
                }
                writer
                    .put_topic(&TopicRecord {
                        name: "after".into(),
                        partitions: 1,
                        replication_factor: 1,
                        configs: BTreeMap::new(),
                        created_ms: 0,
                        local: None,
                    })
                    .unwrap();
            });
            let _ = done_tx.send(());
        });
        done_rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("metadata writes finished within 60 s (no deadlock)");
        assert_eq!(meta.offsets("g").unwrap().len(), 16);
    }

    #[test]
    fn producer_ids_are_unique_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let first = {
            let meta = Meta::open(dir.path()).unwrap();
            let a = meta.next_producer_id().unwrap();
            let b = meta.next_producer_id().unwrap();
            assert!(b > a && a >= 0);
            b
        };
        let meta = reopen(dir.path());
        assert!(meta.next_producer_id().unwrap() > first);
    }

    #[test]
    fn topics_and_identity_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let record = TopicRecord {
            name: "orders".into(),
            partitions: 3,
            replication_factor: 1,
            configs: [("retention.ms".to_string(), "1000".to_string())].into(),
            local: None,
            created_ms: 5,
        };
        let id = {
            let meta = Meta::open(dir.path()).unwrap();
            meta.put_topic(&record).unwrap();
            meta.node_field("cluster_id", || "abc".into()).unwrap()
        };
        let meta = reopen(dir.path());
        assert_eq!(meta.topics().unwrap(), vec![record]);
        assert_eq!(
            meta.node_field("cluster_id", || "other".into()).unwrap(),
            id
        );
        meta.delete_topic("orders").unwrap();
        assert!(meta.topics().unwrap().is_empty());
    }
}
