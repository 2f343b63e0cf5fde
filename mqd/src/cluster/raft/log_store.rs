//! openraft's log storage on `meta::raft_disk`: entries, vote, the
//! committed log id and the last purged log id, JSON-encoded.
//!
//! Every append, vote and truncation is flushed before openraft hears it
//! is done: a vote or entry forgotten in a crash could let a node vote
//! twice in a term or lose a committed entry.

use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{
    AnyError, Entry, ErrorSubject, ErrorVerb, LogId, OptionalSend, RaftLogReader, StorageError,
    StorageIOError, Vote,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{NodeId, TypeConfig};
use crate::meta::raft_disk::RaftDisk;

const VOTE: &str = "vote";
const COMMITTED: &str = "committed";
const PURGED: &str = "purged";

#[derive(Clone)]
pub struct LogStore {
    disk: RaftDisk,
    /// Index of the last committed entry plus one (0: none yet), for
    /// ClusterStatus.
    committed: Arc<AtomicU64>,
}

pub(super) fn io_error(
    subject: ErrorSubject<NodeId>,
    verb: ErrorVerb,
    e: &(impl std::error::Error + 'static),
) -> StorageError<NodeId> {
    StorageIOError::new(subject, verb, AnyError::new(e)).into()
}

impl LogStore {
    pub fn new(disk: RaftDisk) -> Result<Self, StorageError<NodeId>> {
        let store = LogStore {
            disk,
            committed: Arc::default(),
        };
        let committed: Option<LogId<NodeId>> = store.get(COMMITTED, ErrorSubject::Store)?;
        store.set_committed_index(committed);
        Ok(store)
    }

    /// The committed index, shared with ClusterStatus.
    pub fn committed(&self) -> Arc<AtomicU64> {
        self.committed.clone()
    }

    fn set_committed_index(&self, committed: Option<LogId<NodeId>>) {
        self.committed
            .store(committed.map_or(0, |id| id.index + 1), Ordering::Relaxed);
    }

    fn get<T: DeserializeOwned>(
        &self,
        name: &str,
        subject: ErrorSubject<NodeId>,
    ) -> Result<Option<T>, StorageError<NodeId>> {
        let Some(bytes) = self
            .disk
            .value(name)
            .map_err(|e| io_error(subject.clone(), ErrorVerb::Read, &e))?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io_error(subject, ErrorVerb::Read, &e))
    }

    async fn put<T: Serialize>(
        &self,
        name: &str,
        value: &T,
        subject: ErrorSubject<NodeId>,
    ) -> Result<(), StorageError<NodeId>> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| io_error(subject.clone(), ErrorVerb::Write, &e))?;
        self.disk
            .set_value(name, bytes)
            .map_err(|e| io_error(subject.clone(), ErrorVerb::Write, &e))?;
        self.disk
            .flush()
            .await
            .map_err(|e| io_error(subject, ErrorVerb::Write, &e))
    }

    fn decode(bytes: &[u8]) -> Result<Entry<TypeConfig>, StorageError<NodeId>> {
        serde_json::from_slice(bytes).map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Read, &e))
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry<TypeConfig>>, StorageError<NodeId>> {
        let from = match range.start_bound() {
            Bound::Included(i) => *i,
            Bound::Excluded(i) => i + 1,
            Bound::Unbounded => 0,
        };
        let raw = self
            .disk
            .entries(from, range.end_bound().cloned())
            .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Read, &e))?;
        raw.iter().map(|b| Self::decode(b)).collect()
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = Self;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError<NodeId>> {
        let purged: Option<LogId<NodeId>> = self.get(PURGED, ErrorSubject::Store)?;
        let last = match self
            .disk
            .last_entry()
            .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Read, &e))?
        {
            Some(bytes) => Some(Self::decode(&bytes)?.log_id),
            None => purged,
        };
        Ok(LogState {
            last_purged_log_id: purged,
            last_log_id: last,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<NodeId>) -> Result<(), StorageError<NodeId>> {
        self.put(VOTE, vote, ErrorSubject::Vote).await
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<NodeId>>, StorageError<NodeId>> {
        self.get(VOTE, ErrorSubject::Vote)
    }

    async fn save_committed(
        &mut self,
        committed: Option<LogId<NodeId>>,
    ) -> Result<(), StorageError<NodeId>> {
        self.set_committed_index(committed);
        // Not flushed: a lost committed id is recomputed from the quorum;
        // it only lets a restarted node apply its log before hearing one.
        let bytes = serde_json::to_vec(&committed)
            .map_err(|e| io_error(ErrorSubject::Store, ErrorVerb::Write, &e))?;
        self.disk
            .set_value(COMMITTED, bytes)
            .map_err(|e| io_error(ErrorSubject::Store, ErrorVerb::Write, &e))
    }

    async fn read_committed(&mut self) -> Result<Option<LogId<NodeId>>, StorageError<NodeId>> {
        self.get(COMMITTED, ErrorSubject::Store)
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError<NodeId>>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut encoded = Vec::new();
        for entry in entries {
            let bytes = serde_json::to_vec(&entry)
                .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Write, &e))?;
            encoded.push((entry.log_id.index, bytes));
        }
        let written = self.disk.append(encoded);
        let flushed = match written {
            Ok(()) => self.disk.flush().await,
            Err(e) => Err(e),
        };
        match flushed {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(e) => {
                let io = std::io::Error::other(e.to_string());
                callback.log_io_completed(Err(std::io::Error::other(e.to_string())));
                Err(io_error(ErrorSubject::Logs, ErrorVerb::Write, &io))
            }
        }
    }

    async fn truncate(&mut self, log_id: LogId<NodeId>) -> Result<(), StorageError<NodeId>> {
        self.disk
            .remove_from(log_id.index)
            .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Delete, &e))?;
        self.disk
            .flush()
            .await
            .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Delete, &e))
    }

    async fn purge(&mut self, log_id: LogId<NodeId>) -> Result<(), StorageError<NodeId>> {
        // Record the purge point first: a crash in between leaves extra
        // entries below it, which are ignored, never a gap.
        self.put(PURGED, &log_id, ErrorSubject::Store).await?;
        self.disk
            .remove_through(log_id.index)
            .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Delete, &e))
    }
}
