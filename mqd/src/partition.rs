//! One partition: its log, its high watermark, durability, and the readers
//! waiting for new data.
//!
//! The high watermark (HW) is the end of what consumers may read. On a
//! single node it follows the log end offset as soon as bytes are written
//! (fsync `interval`/`never`) or once they are fsynced (`always`), so a
//! consumer never sees a record that a crash could take back. In a cluster
//! the leader holds it at the lowest log end offset of the in-sync
//! replicas (see `replication::state`), and a follower at the lower of its
//! leader's HW and its own log end.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::{watch, Notify};

use crate::error::{BrokerError, Result};
use crate::fsync::FsyncPolicy;
use crate::log::retention::Deleted;
use crate::log::{validate_batches, AppendInfo, Log, LogError, Sequencing};
use crate::replication::state::{ReplicaState, Role};
use crate::topic_config::{BacklogPolicy, TopicConfig};

/// How often an acks=all write waiting for its replicas checks that
/// enough of them are still keeping up.
const IN_SYNC_RECHECK: Duration = Duration::from_millis(100);

/// Offsets and sizes of a partition at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionState {
    pub log_start: i64,
    pub log_end: i64,
    pub high_watermark: i64,
    pub size_bytes: u64,
    pub segments: u32,
    pub leader_epoch: i32,
}

/// Who reads: a consumer (up to the HW, counted as records out) or a
/// follower copying the log (up to the log end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Consumer,
    Replica,
}

/// What a fetch returns.
pub struct FetchResult {
    pub records: Bytes,
    pub high_watermark: i64,
    pub log_start: i64,
    pub log_end: i64,
}

pub struct Partition {
    topic: Arc<str>,
    id: u32,
    log: Mutex<Log>,
    high_watermark: watch::Sender<i64>,
    /// The log end, for followers long-polling the leader.
    log_end: watch::Sender<i64>,
    leader_epoch: AtomicI32,
    replica: Mutex<ReplicaState>,
    /// Changes with every new role or epoch: waits for acks=all end there.
    roles: watch::Sender<(Role, i32)>,
    fsync: FsyncPolicy,
    durability: Mutex<Durability>,
    synced: Notify,
    dirty: AtomicBool,
    traffic: Traffic,
}

/// Records and bytes in and out since start, for metrics. Counted once per
/// request, never per record.
#[derive(Debug, Default)]
pub struct Traffic {
    pub records_in: AtomicU64,
    pub bytes_in: AtomicU64,
    pub records_out: AtomicU64,
    pub bytes_out: AtomicU64,
}

struct Durability {
    /// Everything below this offset is fsynced.
    durable: i64,
    /// An fsync is running; others wait for it instead of starting one.
    flushing: bool,
}

impl Partition {
    /// A partition this node leads alone until the controller says
    /// otherwise (on a single node, always).
    pub fn new(topic: Arc<str>, id: u32, log: Log, fsync: FsyncPolicy, me: u32) -> Self {
        let end = log.log_end();
        let epoch = log.epochs().latest().map_or(0, |e| e.epoch);
        Partition {
            topic,
            id,
            log: Mutex::new(log),
            high_watermark: watch::channel(end).0,
            log_end: watch::channel(end).0,
            leader_epoch: AtomicI32::new(epoch),
            replica: Mutex::new(ReplicaState::standalone(me, end)),
            roles: watch::channel((Role::Leader, epoch)).0,
            fsync,
            durability: Mutex::new(Durability {
                durable: end,
                flushing: false,
            }),
            synced: Notify::new(),
            dirty: AtomicBool::new(false),
            traffic: Traffic::default(),
        }
    }

    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// Validates and appends the batches of one produce request. With
    /// `wait_visible`, returns once they are visible to consumers (after the
    /// fsync, with policy `always`); without, right after the write.
    pub async fn append(
        self: &Arc<Self>,
        records: &[u8],
        config: &TopicConfig,
        now_ms: i64,
        wait_visible: bool,
    ) -> Result<AppendInfo> {
        let info = self.write(records, config, now_ms)?;
        self.publish(info, wait_visible).await?;
        Ok(info)
    }

    /// The synchronous half of [`append`](Self::append): validates and
    /// writes the batches. Appends are ordered by the calls to this, so a
    /// stream of requests stays in order even when their acknowledgements
    /// are awaited concurrently.
    pub fn write(&self, records: &[u8], config: &TopicConfig, now_ms: i64) -> Result<AppendInfo> {
        // CRC checks run before the lock, so concurrent producers check in parallel.
        let valid = validate_batches(records, config.max_message_bytes)?;
        self.check_leader()?;
        let info = {
            let mut log = self.log.lock();
            // A resend is answered before any limit: it takes no room.
            let in_order = match log.check_sequences(&valid)? {
                Sequencing::Duplicate(info) => return Ok(info),
                Sequencing::InOrder(in_order) => in_order,
            };
            if config.max_backlog_bytes >= 0 {
                let cap = config.max_backlog_bytes as u64;
                let would_be = log.size_bytes() + valid.len_bytes();
                if would_be > cap {
                    match config.backlog_policy {
                        BacklogPolicy::Reject => {
                            return Err(LogError::BacklogFull {
                                would_be,
                                limit: cap,
                            }
                            .into())
                        }
                        BacklogPolicy::DropOldest => {
                            let (fits, deleted) = log.make_room(cap, valid.len_bytes(), now_ms)?;
                            self.log_deleted("max.backlog.bytes", &deleted, log.log_start());
                            if !fits {
                                return Err(LogError::BacklogFull {
                                    would_be,
                                    limit: cap,
                                }
                                .into());
                            }
                        }
                    }
                }
            }
            let epoch = self.leader_epoch.load(Ordering::Relaxed);
            let info = log.append_in_order(&valid, in_order, epoch, now_ms)?;
            self.log_end.send_replace(info.last_offset + 1);
            info
        };
        self.dirty.store(true, Ordering::Release);
        self.traffic
            .records_in
            .fetch_add(info.records.max(0) as u64, Ordering::Relaxed);
        self.traffic
            .bytes_in
            .fetch_add(info.bytes, Ordering::Relaxed);
        Ok(info)
    }

    /// The asynchronous half of [`append`](Self::append): makes a written
    /// append visible to consumers, by the fsync policy, and with
    /// `wait_visible` waits until it is.
    pub async fn publish(self: &Arc<Self>, info: AppendInfo, wait_visible: bool) -> Result<()> {
        match self.fsync {
            FsyncPolicy::Always if wait_visible => self.sync_to(info.last_offset + 1).await?,
            FsyncPolicy::Always => {
                let partition = Arc::clone(self);
                tokio::spawn(async move {
                    if let Err(e) = partition.sync_to(info.last_offset + 1).await {
                        tracing::error!(topic = %partition.topic, partition = partition.id, error = %e, "fsync after an acks=none produce failed");
                    }
                });
            }
            FsyncPolicy::Interval(_) | FsyncPolicy::Never => {
                self.local_progress(info.last_offset + 1)
            }
        }
        Ok(())
    }

    /// The leader's own log has reached `end` (written, or fsynced under
    /// policy `always`): the HW moves as far as the ISR allows.
    fn local_progress(&self, end: i64) {
        let hw = {
            let mut r = self.replica.lock();
            r.local_end = r.local_end.max(end);
            r.high_watermark()
        };
        if let Some(hw) = hw {
            self.advance_high_watermark(hw);
        }
    }

    /// Refuses a write or a consumer's read unless this node leads the
    /// partition.
    pub fn check_leader(&self) -> Result<()> {
        let r = self.replica.lock();
        match r.role {
            Role::Leader => Ok(()),
            Role::Follower { leader } => Err(self.not_leader(Some(leader))),
            Role::Offline => Err(self.not_leader(None)),
        }
    }

    fn not_leader(&self, leader: Option<u32>) -> BrokerError {
        BrokerError::NotLeader {
            topic: self.topic.to_string(),
            partition: self.id,
            leader,
        }
    }

    /// Refuses an acks=all write up front when fewer replicas are in sync
    /// than the topic's min.insync.replicas (never on a single node).
    pub fn check_in_sync(&self, min_insync: u32) -> Result<()> {
        let r = self.replica.lock();
        if r.standalone {
            return Ok(());
        }
        let in_sync = r.in_sync_now(Instant::now());
        if in_sync.len() >= min_insync as usize {
            return Ok(());
        }
        Err(BrokerError::NotEnoughReplicas {
            topic: self.topic.to_string(),
            partition: self.id,
            isr: in_sync,
            min_insync,
            appended: false,
        })
    }

    /// Waits until every in-sync replica has the records below `end`
    /// (acks=all). Fails when leadership moves first (the records may or
    /// may not survive; an idempotent retry is safe), when the ISR shrank
    /// below `min_insync` meanwhile, or after `timeout`.
    pub async fn wait_replicated(
        &self,
        end: i64,
        min_insync: u32,
        timeout: Duration,
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut hw = self.high_watermark.subscribe();
        let mut roles = self.roles.subscribe();
        let term = *roles.borrow_and_update();
        loop {
            if *roles.borrow_and_update() != term {
                return Err(self.not_leader(match roles.borrow().0 {
                    Role::Follower { leader } => Some(leader),
                    _ => None,
                }));
            }
            // Too few replicas keeping up: the HW may never get here (and
            // if it has, the write is not on enough replicas), so say so.
            self.check_in_sync(min_insync).map_err(|e| match e {
                BrokerError::NotEnoughReplicas {
                    topic,
                    partition,
                    isr,
                    min_insync,
                    ..
                } => BrokerError::NotEnoughReplicas {
                    topic,
                    partition,
                    isr,
                    min_insync,
                    appended: true,
                },
                other => other,
            })?;
            if *hw.borrow_and_update() >= end {
                return Ok(());
            }
            tokio::select! {
                _ = hw.changed() => {}
                _ = roles.changed() => {}
                _ = tokio::time::sleep(IN_SYNC_RECHECK) => {}
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(BrokerError::ReplicationTimeout {
                        topic: self.topic.to_string(),
                        partition: self.id,
                        waited: timeout,
                        isr: self.replica.lock().isr.clone(),
                    });
                }
            }
        }
    }

    /// Takes on the role the controller gave this node. A leader starts
    /// counting followers afresh; a follower's fetcher is the caller's.
    pub fn assign(
        &self,
        role: Role,
        epoch: i32,
        replicas: Vec<u32>,
        isr: Vec<u32>,
        max_lag: Duration,
    ) {
        let hw = {
            let mut r = self.replica.lock();
            let end = self.log.lock().log_end();
            r.assign(role, epoch, replicas, isr, Instant::now());
            r.max_lag = max_lag;
            r.local_end = match self.fsync {
                FsyncPolicy::Always => self.durability.lock().durable.min(end),
                _ => end,
            };
            self.leader_epoch.store(epoch, Ordering::Relaxed);
            r.high_watermark()
        };
        self.roles.send_if_modified(|current| {
            let changed = *current != (role, epoch);
            *current = (role, epoch);
            changed
        });
        if let Some(hw) = hw {
            self.advance_high_watermark(hw);
        }
    }

    /// The epoch this node leads the partition at, or None when it does
    /// not lead it; read together, so the two cannot disagree.
    pub fn leading_epoch(&self) -> Option<i32> {
        let r = self.replica.lock();
        (r.role == Role::Leader).then_some(r.epoch)
    }

    /// Whether this node leads, follows, or neither.
    pub fn role(&self) -> Role {
        self.replica.lock().role
    }

    /// The replication state, for the controller loop and Describe output.
    pub fn replica_state(&self) -> ReplicaState {
        self.replica.lock().clone()
    }

    /// A follower fetched from `offset` (so it has everything below it):
    /// the HW may move. Refused unless this node leads at `epoch`.
    pub fn follower_fetched(&self, replica: u32, epoch: i32, offset: i64) -> Result<()> {
        let hw = {
            let mut r = self.replica.lock();
            match r.role {
                Role::Leader if r.epoch == epoch => {}
                Role::Leader => {
                    return Err(BrokerError::FencedLeaderEpoch {
                        topic: self.topic.to_string(),
                        partition: self.id,
                        current: r.epoch,
                        got: epoch,
                    })
                }
                Role::Follower { leader } => return Err(self.not_leader(Some(leader))),
                Role::Offline => return Err(self.not_leader(None)),
            }
            let end = *self.log_end.borrow();
            r.follower_fetched(replica, offset, end, Instant::now());
            r.high_watermark()
        };
        if let Some(hw) = hw {
            self.advance_high_watermark(hw);
        }
        Ok(())
    }

    /// Reads for a follower: up to the log end, not the HW, waiting on new
    /// appends rather than on the HW (which waits on the follower). Not
    /// counted as records out: that figure is what consumers read.
    pub async fn replica_read(
        &self,
        offset: i64,
        max_bytes: usize,
        max_wait: Duration,
    ) -> Result<FetchResult> {
        let ends = self.log_end.subscribe();
        self.read_waiting(offset, max_bytes, max_wait, ends, Reader::Replica)
            .await
    }

    /// Appends what the leader sent and moves the HW to what the leader
    /// says is committed, as far as this log reaches.
    pub fn append_replica(&self, records: &[u8], leader_hw: i64, now_ms: i64) -> Result<i64> {
        let end = {
            let mut log = self.log.lock();
            let end = log.append_replica(records, now_ms)?;
            self.log_end.send_replace(end);
            end
        };
        if !records.is_empty() {
            self.dirty.store(true, Ordering::Release);
        }
        self.advance_high_watermark(leader_hw.min(end));
        Ok(end)
    }

    /// Where `epoch` ends in this log (answering a returning follower).
    pub fn end_offset_for_epoch(&self, epoch: i32) -> Option<(i32, i64)> {
        self.log.lock().end_offset_for_epoch(epoch)
    }

    /// The latest epoch this log holds records of, and the first epoch
    /// after `epoch` it knows.
    pub fn epochs(&self, after: i32) -> (Option<i32>, Option<(i32, i64)>) {
        let log = self.log.lock();
        (
            log.latest_epoch().map(|e| e.epoch),
            log.epoch_after(after).map(|e| (e.epoch, e.start_offset)),
        )
    }

    pub fn log_end(&self) -> i64 {
        *self.log_end.borrow()
    }

    /// Empties the log and restarts it at `start` (the leader no longer has
    /// what this follower would fetch next).
    pub fn restart_at(&self, start: i64) -> Result<()> {
        {
            let mut log = self.log.lock();
            log.restart_at(start, mq::record::now_ms())?;
            self.log_end.send_replace(start);
        }
        self.durability.lock().durable = start;
        self.high_watermark.send_replace(start);
        Ok(())
    }

    /// Drops records at and after `offset` that the leader never committed.
    pub fn truncate_to(&self, offset: i64) -> Result<i64> {
        let end = {
            let mut log = self.log.lock();
            let end = log.truncate_to(offset, mq::record::now_ms())?;
            self.log_end.send_replace(end);
            end
        };
        {
            let mut d = self.durability.lock();
            d.durable = d.durable.min(end);
        }
        self.high_watermark.send_if_modified(|hw| {
            let changed = *hw > end;
            *hw = (*hw).min(end);
            changed
        });
        Ok(end)
    }

    fn advance_high_watermark(&self, to: i64) {
        self.high_watermark.send_if_modified(|hw| {
            if to > *hw {
                *hw = to;
                true
            } else {
                false
            }
        });
    }

    /// Waits until everything below `offset` is fsynced. Concurrent callers
    /// share one fsync: the first starts it, the rest wait for its result,
    /// and one fsync covers every append made before it began.
    async fn sync_to(&self, offset: i64) -> Result<()> {
        loop {
            let notified = {
                let mut d = self.durability.lock();
                if d.durable >= offset {
                    return Ok(());
                }
                if !d.flushing {
                    d.flushing = true;
                    None
                } else {
                    Some(self.synced.notified())
                }
            };
            match notified {
                Some(n) => n.await,
                None => {
                    let result = self.flush().await;
                    self.durability.lock().flushing = false;
                    self.synced.notify_waiters();
                    result?;
                }
            }
        }
    }

    /// Fsyncs the active segment (off the async threads) and publishes the
    /// new durable offset (and HW, with policy `always`).
    pub async fn flush(&self) -> Result<()> {
        self.dirty.store(false, Ordering::Release);
        let ((file, path), end) = {
            let log = self.log.lock();
            (log.active_file(), log.log_end())
        };
        tokio::task::spawn_blocking(move || {
            file.sync_data()
                .map_err(LogError::io("fsync segment", path))
        })
        .await
        .map_err(|e| {
            crate::error::BrokerError::InvalidRequest(format!("fsync task failed: {e}"))
        })??;
        {
            let mut d = self.durability.lock();
            d.durable = d.durable.max(end);
        }
        if self.fsync == FsyncPolicy::Always {
            self.local_progress(end);
        }
        Ok(())
    }

    /// Whether anything was appended since the last flush.
    pub fn is_dirty(&self) -> bool {
        self.dirty.load(Ordering::Acquire)
    }

    /// How long ago the record at `offset` was written, by its batch's
    /// first timestamp (no record is decoded); None when nothing can be
    /// read there. Lag in time and a queue's oldest unacked record use it.
    /// Unlike a fetch, the read is not counted as records out: it is the
    /// broker looking, not a consumer.
    pub fn age_at(&self, offset: i64) -> Option<Duration> {
        let hw = *self.high_watermark.borrow();
        let plan = self.log.lock().plan_read(offset, 1, hw).ok()?;
        let records = plan.execute().ok()?;
        let batch = mq::batch::batches(&records).next()?.ok()?;
        let ms = (mq::record::now_ms() - batch.base_timestamp()).max(0);
        Some(Duration::from_millis(ms as u64))
    }

    /// Reads from `offset`, waiting up to `max_wait` for data to arrive.
    pub async fn fetch(
        &self,
        offset: i64,
        max_bytes: usize,
        max_wait: Duration,
    ) -> Result<FetchResult> {
        let hws = self.high_watermark.subscribe();
        self.read_waiting(offset, max_bytes, max_wait, hws, Reader::Consumer)
            .await
    }

    /// Reads from `offset` up to the reader's bound, waiting on `bound`
    /// (the HW for consumers, the log end for followers) until there is
    /// something or `max_wait` has passed.
    async fn read_waiting(
        &self,
        offset: i64,
        max_bytes: usize,
        max_wait: Duration,
        mut bound: watch::Receiver<i64>,
        reader: Reader,
    ) -> Result<FetchResult> {
        let deadline = Instant::now() + max_wait;
        loop {
            let watched = *bound.borrow_and_update();
            let (plan, log_start, log_end) = {
                let log = self.log.lock();
                let upper = match reader {
                    Reader::Consumer => watched,
                    Reader::Replica => log.log_end(),
                };
                (
                    log.plan_read(offset, max_bytes, upper)?,
                    log.log_start(),
                    log.log_end(),
                )
            };
            let records = plan.execute()?;
            if !records.is_empty() && reader == Reader::Consumer {
                self.count_out(&records);
            }
            let high_watermark = match reader {
                Reader::Consumer => watched,
                Reader::Replica => *self.high_watermark.borrow(),
            };
            let now = Instant::now();
            let done = !records.is_empty() || now >= deadline;
            let result = FetchResult {
                records,
                high_watermark,
                log_start,
                log_end,
            };
            if done {
                return Ok(result);
            }
            // Wake on a new bound or at the deadline, whichever comes
            // first; a closed channel means the partition is gone: answer
            // empty.
            if let Ok(Err(_)) = tokio::time::timeout(deadline - now, bound.changed()).await {
                return Ok(result);
            }
        }
    }

    /// Counts a read's records from its batch headers (no record is decoded).
    fn count_out(&self, records: &[u8]) {
        let count: u64 = mq::batch::batches(records)
            .filter_map(|b| b.ok())
            .map(|b| b.record_count().max(0) as u64)
            .sum();
        self.traffic.records_out.fetch_add(count, Ordering::Relaxed);
        self.traffic
            .bytes_out
            .fetch_add(records.len() as u64, Ordering::Relaxed);
    }

    /// A receiver that changes whenever the HW moves (for subscriptions).
    pub fn watch_high_watermark(&self) -> watch::Receiver<i64> {
        self.high_watermark.subscribe()
    }

    /// The current leader epoch, without taking the log lock.
    pub fn leader_epoch(&self) -> i32 {
        self.leader_epoch.load(Ordering::Relaxed)
    }

    pub fn state(&self) -> PartitionState {
        let log = self.log.lock();
        PartitionState {
            log_start: log.log_start(),
            log_end: log.log_end(),
            high_watermark: *self.high_watermark.borrow(),
            size_bytes: log.size_bytes(),
            segments: log.segment_count() as u32,
            leader_epoch: self.leader_epoch(),
        }
    }

    /// The first offset at or after `timestamp`, capped at the HW.
    pub fn offset_for_timestamp(&self, timestamp: i64) -> Result<i64> {
        let hw = *self.high_watermark.borrow();
        let offset = self.log.lock().offset_for_timestamp(timestamp)?;
        Ok(offset.min(hw))
    }

    /// Applies time and size retention; runs from the background task.
    pub fn apply_retention(&self, config: &TopicConfig, now_ms: i64) -> Result<Deleted> {
        let mut log = self.log.lock();
        let deleted = log.apply_retention(now_ms, config.retention_ms, config.retention_bytes)?;
        self.log_deleted("retention", &deleted, log.log_start());
        Ok(deleted)
    }

    /// Applies a changed topic config to the log (segment size and so on).
    pub fn set_config(&self, config: &TopicConfig) {
        self.log.lock().set_config(config.log_config());
    }

    fn log_deleted(&self, why: &str, deleted: &Deleted, log_start: i64) {
        if deleted.segments > 0 {
            tracing::info!(
                topic = %self.topic, partition = self.id, why,
                segments = deleted.segments, bytes = deleted.bytes, log_start,
                "deleted old segments"
            );
        }
    }

    /// Fsyncs everything, for a clean shutdown.
    pub fn close(&self) -> Result<()> {
        let mut log = self.log.lock();
        log.sync_all()?;
        log.checkpoint_producers(mq::record::now_ms())?;
        Ok(())
    }

    /// Deletes the partition's files (its topic was deleted). Requests
    /// still holding the partition finish against unlinked files.
    pub fn destroy(&self) -> Result<()> {
        let log = self.log.lock();
        let dir = log.dir();
        std::fs::remove_dir_all(dir).map_err(LogError::io("delete partition", dir))?;
        Ok(())
    }
}
