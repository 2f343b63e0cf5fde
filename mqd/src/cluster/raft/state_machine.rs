//! openraft's state machine: the `ClusterState` in memory, published on a
//! watch channel for the rest of the broker, and persisted as a snapshot.
//!
//! A restarted node loads its last snapshot and openraft re-applies the
//! committed entries after it, so the state needs no write of its own per
//! entry.

use std::io::Cursor;
use std::sync::Arc;

use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{
    BasicNode, EntryPayload, ErrorSubject, ErrorVerb, LogId, OptionalSend, RaftSnapshotBuilder,
    SnapshotMeta, StorageError, StoredMembership,
};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::log_store::io_error;
use super::{NodeId, TypeConfig};
use crate::cluster::state::{Applied, ClusterState};
use crate::meta::raft_disk::RaftDisk;

const SNAPSHOT: &str = "snapshot";

#[derive(Serialize, Deserialize)]
struct StoredSnapshot {
    meta: SnapshotMeta<NodeId, BasicNode>,
    state: ClusterState,
}

pub struct StateMachine {
    disk: RaftDisk,
    applied: Option<LogId<NodeId>>,
    membership: StoredMembership<NodeId, BasicNode>,
    state: ClusterState,
    published: watch::Sender<Arc<ClusterState>>,
    /// Distinguishes snapshots built at the same log id.
    builds: u64,
}

impl StateMachine {
    /// Loads the last snapshot, if any.
    pub fn open(
        disk: RaftDisk,
    ) -> Result<(Self, watch::Receiver<Arc<ClusterState>>), StorageError<NodeId>> {
        let stored: Option<StoredSnapshot> = match disk
            .value(SNAPSHOT)
            .map_err(|e| io_error(ErrorSubject::Snapshot(None), ErrorVerb::Read, &e))?
        {
            Some(bytes) => Some(
                serde_json::from_slice(&bytes)
                    .map_err(|e| io_error(ErrorSubject::Snapshot(None), ErrorVerb::Read, &e))?,
            ),
            None => None,
        };
        let (applied, membership, state) = match stored {
            Some(s) => (s.meta.last_log_id, s.meta.last_membership, s.state),
            None => Default::default(),
        };
        let (published, receiver) = watch::channel(Arc::new(state.clone()));
        Ok((
            StateMachine {
                disk,
                applied,
                membership,
                state,
                published,
                builds: 0,
            },
            receiver,
        ))
    }

    fn snapshot_meta(&self) -> SnapshotMeta<NodeId, BasicNode> {
        let id = match self.applied {
            Some(l) => format!("{}-{}-{}", l.leader_id, l.index, self.builds),
            None => format!("empty-{}", self.builds),
        };
        SnapshotMeta {
            last_log_id: self.applied,
            last_membership: self.membership.clone(),
            snapshot_id: id,
        }
    }
}

/// Writes a snapshot durably and returns its bytes.
async fn save(disk: &RaftDisk, stored: &StoredSnapshot) -> Result<Vec<u8>, StorageError<NodeId>> {
    let subject = ErrorSubject::Snapshot(Some(stored.meta.signature()));
    let bytes =
        serde_json::to_vec(stored).map_err(|e| io_error(subject.clone(), ErrorVerb::Write, &e))?;
    disk.set_value(SNAPSHOT, bytes.clone())
        .map_err(|e| io_error(subject.clone(), ErrorVerb::Write, &e))?;
    disk.flush()
        .await
        .map_err(|e| io_error(subject, ErrorVerb::Write, &e))?;
    Ok(bytes)
}

/// A snapshot is taken from a copy of the state at one log id, so applying
/// may go on while it is written.
pub struct SnapshotBuilder {
    disk: RaftDisk,
    meta: SnapshotMeta<NodeId, BasicNode>,
    state: ClusterState,
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError<NodeId>> {
        let stored = StoredSnapshot {
            meta: self.meta.clone(),
            state: self.state.clone(),
        };
        let bytes = save(&self.disk, &stored).await?;
        Ok(Snapshot {
            meta: stored.meta,
            snapshot: Box::new(Cursor::new(bytes)),
        })
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId<NodeId>>, StoredMembership<NodeId, BasicNode>), StorageError<NodeId>>
    {
        Ok((self.applied, self.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Applied>, StorageError<NodeId>>
    where
        I: IntoIterator<Item = openraft::Entry<TypeConfig>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut replies = Vec::new();
        for entry in entries {
            self.applied = Some(entry.log_id);
            replies.push(match entry.payload {
                EntryPayload::Blank => Applied::Nothing,
                EntryPayload::Normal(command) => self.state.apply(command),
                EntryPayload::Membership(m) => {
                    self.membership = StoredMembership::new(Some(entry.log_id), m);
                    Applied::Nothing
                }
            });
        }
        self.published.send_replace(Arc::new(self.state.clone()));
        Ok(replies)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.builds += 1;
        SnapshotBuilder {
            disk: self.disk.clone(),
            meta: self.snapshot_meta(),
            state: self.state.clone(),
        }
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<Cursor<Vec<u8>>>, StorageError<NodeId>> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<NodeId, BasicNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError<NodeId>> {
        let subject = ErrorSubject::Snapshot(Some(meta.signature()));
        let received: StoredSnapshot = serde_json::from_slice(snapshot.get_ref())
            .map_err(|e| io_error(subject, ErrorVerb::Read, &e))?;
        let stored = StoredSnapshot {
            meta: meta.clone(),
            state: received.state,
        };
        save(&self.disk, &stored).await?;
        self.applied = meta.last_log_id;
        self.membership = meta.last_membership.clone();
        self.state = stored.state;
        self.published.send_replace(Arc::new(self.state.clone()));
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<TypeConfig>>, StorageError<NodeId>> {
        let Some(bytes) = self
            .disk
            .value(SNAPSHOT)
            .map_err(|e| io_error(ErrorSubject::Snapshot(None), ErrorVerb::Read, &e))?
        else {
            return Ok(None);
        };
        let stored: StoredSnapshot = serde_json::from_slice(&bytes)
            .map_err(|e| io_error(ErrorSubject::Snapshot(None), ErrorVerb::Read, &e))?;
        Ok(Some(Snapshot {
            meta: stored.meta,
            snapshot: Box::new(Cursor::new(bytes)),
        }))
    }
}
