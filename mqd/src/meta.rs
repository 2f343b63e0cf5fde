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
}

#[derive(Clone)]
pub struct Meta {
    db: sled::Db,
}

const TOPIC_PREFIX: &str = "topic/";

impl Meta {
    pub fn open(dir: &Path) -> Result<Self, MetaError> {
        let db = sled::Config::new()
            .path(dir)
            .mode(sled::Mode::LowSpace)
            .cache_capacity(8 * 1024 * 1024)
            .open()
            .map_err(|source| MetaError::Open {
                path: dir.display().to_string(),
                source,
            })?;
        Ok(Meta { db })
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
        let meta = Meta::open(dir.path()).unwrap();
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
            created_ms: 5,
        };
        let id = {
            let meta = Meta::open(dir.path()).unwrap();
            meta.put_topic(&record).unwrap();
            meta.node_field("cluster_id", || "abc".into()).unwrap()
        };
        let meta = Meta::open(dir.path()).unwrap();
        assert_eq!(meta.topics().unwrap(), vec![record]);
        assert_eq!(
            meta.node_field("cluster_id", || "other".into()).unwrap(),
            id
        );
        meta.delete_topic("orders").unwrap();
        assert!(meta.topics().unwrap().is_empty());
    }
}
