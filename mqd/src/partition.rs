//! One partition: its log, its high watermark, durability, and the readers
//! waiting for new data.
//!
//! The high watermark (HW) is the end of what consumers may read. On a
//! single node it follows the log end offset as soon as bytes are written
//! (fsync `interval`/`never`) or once they are fsynced (`always`), so a
//! consumer never sees a record that a crash could take back. Replication
//! will move it to the lowest log end offset of the in-sync replicas.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::{watch, Notify};

use crate::error::Result;
use crate::fsync::FsyncPolicy;
use crate::log::retention::Deleted;
use crate::log::{validate_batches, AppendInfo, Log, LogError, Sequencing};
use crate::topic_config::{BacklogPolicy, TopicConfig};

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
    leader_epoch: AtomicI32,
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
    pub fn new(topic: Arc<str>, id: u32, log: Log, fsync: FsyncPolicy) -> Self {
        let end = log.log_end();
        let epoch = log.epochs().latest().map_or(0, |e| e.epoch);
        Partition {
            topic,
            id,
            log: Mutex::new(log),
            high_watermark: watch::channel(end).0,
            leader_epoch: AtomicI32::new(epoch),
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
            log.append_in_order(&valid, in_order, epoch, now_ms)?
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
                self.advance_high_watermark(info.last_offset + 1)
            }
        }
        Ok(())
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
            self.advance_high_watermark(end);
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
        let deadline = Instant::now() + max_wait;
        let mut hw_rx = self.high_watermark.subscribe();
        loop {
            let hw = *hw_rx.borrow_and_update();
            let (plan, log_start, log_end) = {
                let log = self.log.lock();
                (
                    log.plan_read(offset, max_bytes, hw)?,
                    log.log_start(),
                    log.log_end(),
                )
            };
            let records = plan.execute()?;
            let now = Instant::now();
            if !records.is_empty() {
                self.count_out(&records);
            }
            if !records.is_empty() || now >= deadline {
                return Ok(FetchResult {
                    records,
                    high_watermark: hw,
                    log_start,
                    log_end,
                });
            }
            // Wake on a new HW or at the deadline, whichever comes first;
            // a closed channel means the partition is gone: answer empty.
            if let Ok(Err(_)) = tokio::time::timeout(deadline - now, hw_rx.changed()).await {
                return Ok(FetchResult {
                    records,
                    high_watermark: hw,
                    log_start,
                    log_end,
                });
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
