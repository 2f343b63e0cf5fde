//! The consumer: reads assigned partitions from chosen offsets.
//!
//! Each assigned partition has a task that subscribes to the partition and
//! decodes whole batches off the async path of the application; decoded
//! records wait in a small bounded queue, so a slow application slows the
//! fetches instead of growing memory. [`Consumer::poll`] returns whatever
//! has arrived, in order per partition.
//!
//! ```no_run
//! # async fn demo() -> mq::Result<()> {
//! use std::time::Duration;
//! use mq::{Client, Consumer, ConsumerConfig, StartOffset};
//! let client = Client::connect("http://127.0.0.1:7420").await?;
//! let mut consumer = Consumer::new(client, ConsumerConfig::default());
//! consumer.assign("orders", 0, StartOffset::Earliest).await?;
//! loop {
//!     for record in consumer.poll(Duration::from_secs(1)).await? {
//!         println!("{}@{}: {:?}", record.partition, record.offset, record.value);
//!     }
//! }
//! # }
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::batch::{batches, decode_batches, CodecError};
use crate::error::{Error, Result};
use crate::proto::{list_offsets_request::Spec, ListOffsetsRequest, SubscribeRequest};
use crate::record::ConsumedRecord;
use crate::Client;

/// Where to start reading a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartOffset {
    /// The log start offset: everything still retained.
    Earliest,
    /// The end of the log: only records produced from now on.
    Latest,
    Offset(i64),
    /// The first record at or after this time (ms since the Unix epoch).
    Timestamp(i64),
}

#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// Upper bound on bytes per fetch request.
    pub max_bytes: u32,
    /// Decoded fetches buffered ahead of `poll`, across partitions.
    pub prefetch: usize,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            max_bytes: 1024 * 1024,
            prefetch: 16,
        }
    }
}

/// Decoded records of one partition, tagged with the assignment they were
/// read for, so records of an earlier assignment are dropped.
type Chunk = ((Arc<str>, u32, u64), Result<Vec<ConsumedRecord>>);

/// Reads records from assigned partitions.
pub struct Consumer {
    client: Client,
    config: ConsumerConfig,
    tx: mpsc::Sender<Chunk>,
    rx: mpsc::Receiver<Chunk>,
    fetchers: HashMap<(String, u32), (u64, JoinHandle<()>)>,
    positions: HashMap<(Arc<str>, u32), i64>,
    next_epoch: u64,
    /// Partitions whose reading stopped on an error, since the last
    /// [`take_failed`](Consumer::take_failed).
    failed: Vec<(String, u32)>,
    /// An error that arrived behind records: returned by the next poll.
    pending_error: Option<Error>,
    /// Group and member id when reading for a group member.
    member: Option<(String, String)>,
}

impl Consumer {
    pub fn new(client: Client, config: ConsumerConfig) -> Self {
        let (tx, rx) = mpsc::channel(config.prefetch.max(1));
        Consumer {
            client,
            config,
            tx,
            rx,
            fetchers: HashMap::new(),
            positions: HashMap::new(),
            next_epoch: 0,
            failed: Vec::new(),
            pending_error: None,
            member: None,
        }
    }

    /// Starts reading `topic`/`partition` at `start`. Assigning a partition
    /// again restarts it from the new position.
    pub async fn assign(&mut self, topic: &str, partition: u32, start: StartOffset) -> Result<i64> {
        let offset = match start {
            StartOffset::Offset(o) => o,
            StartOffset::Earliest => {
                self.list_offset(topic, partition, Spec::Earliest(true))
                    .await?
            }
            StartOffset::Latest => {
                self.list_offset(topic, partition, Spec::Latest(true))
                    .await?
            }
            StartOffset::Timestamp(ts) => {
                self.list_offset(topic, partition, Spec::TimestampMs(ts))
                    .await?
            }
        };
        self.unassign(topic, partition);
        self.next_epoch += 1;
        let task = tokio::spawn(fetch_loop(
            self.client.clone(),
            self.config.clone(),
            self.member.clone(),
            (Arc::from(topic), partition, self.next_epoch),
            offset,
            self.tx.clone(),
        ));
        self.fetchers
            .insert((topic.to_string(), partition), (self.next_epoch, task));
        self.positions.insert((Arc::from(topic), partition), offset);
        Ok(offset)
    }

    /// Stops reading a partition; records of it not yet returned by
    /// [`poll`](Self::poll) are dropped.
    pub fn unassign(&mut self, topic: &str, partition: u32) {
        if let Some((_, task)) = self.fetchers.remove(&(topic.to_string(), partition)) {
            task.abort();
        }
        self.positions.remove(&(Arc::from(topic), partition));
    }

    /// Reads on behalf of a group member from now on: the broker refuses
    /// reads of partitions not assigned to it.
    pub(crate) fn set_member(&mut self, group: &str, member_id: &str) {
        self.member = Some((group.to_string(), member_id.to_string()));
    }

    /// Partitions that stopped on an error (returned by `poll`); assign
    /// them again to resume.
    pub fn take_failed(&mut self) -> Vec<(String, u32)> {
        std::mem::take(&mut self.failed)
    }

    /// The partitions being read.
    pub fn assignment(&self) -> Vec<(String, u32)> {
        let mut out: Vec<(String, u32)> = self.fetchers.keys().cloned().collect();
        out.sort();
        out
    }

    /// Assigns every partition of `topic` from `start`.
    pub async fn assign_topic(&mut self, topic: &str, start: StartOffset) -> Result<u32> {
        let partitions = crate::Admin::new(&self.client)
            .describe_topic(topic)
            .await?
            .partitions
            .len() as u32;
        for p in 0..partitions {
            self.assign(topic, p, start).await?;
        }
        Ok(partitions)
    }

    /// Waits up to `timeout` for records; an empty vector means none came.
    pub async fn poll(&mut self, timeout: Duration) -> Result<Vec<ConsumedRecord>> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let mut records = Vec::new();
        loop {
            let chunk = if records.is_empty() {
                match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                    Err(_) => return Ok(records),
                    Ok(None) => return Err(Error::Closed),
                    Ok(Some(chunk)) => chunk,
                }
            } else {
                match self.rx.try_recv() {
                    Ok(chunk) => chunk,
                    Err(_) => return Ok(records),
                }
            };
            let ((topic, partition, epoch), result) = chunk;
            // Records of a partition since unassigned (or reassigned) are stale.
            let key = (topic.to_string(), partition);
            if self.fetchers.get(&key).map(|(e, _)| *e) != Some(epoch) {
                continue;
            }
            let chunk = match result {
                Ok(chunk) => chunk,
                Err(e) => {
                    // That partition's reader has stopped. Records already
                    // gathered (and counted in positions) go out first.
                    self.fetchers.remove(&key);
                    self.failed.push(key);
                    if records.is_empty() {
                        return Err(e);
                    }
                    self.pending_error = Some(e);
                    return Ok(records);
                }
            };
            if let Some(last) = chunk.last() {
                self.positions
                    .insert((last.topic.clone(), last.partition), last.offset + 1);
            }
            records.extend(chunk);
        }
    }

    /// The next offset this consumer will return for a partition.
    pub fn position(&self, topic: &str, partition: u32) -> Option<i64> {
        self.positions.get(&(Arc::from(topic), partition)).copied()
    }

    async fn list_offset(&self, topic: &str, partition: u32, spec: Spec) -> Result<i64> {
        let response = self
            .client
            .for_partition(topic, partition)
            .await?
            .broker()
            .list_offsets(ListOffsetsRequest {
                topic: topic.to_string(),
                partition,
                spec: Some(spec),
            })
            .await?;
        Ok(response.into_inner().offset)
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        for (_, task) in self.fetchers.values() {
            task.abort();
        }
    }
}

/// Reads a partition ahead of the application over a Subscribe stream: the
/// broker sends the next chunk as soon as the previous one is on its way,
/// with no round trip per chunk, and HTTP/2 flow control holds it back when
/// the application is slow. Raw chunks go to a decoder, so the next one is
/// received while the previous one is decoded; the next offset comes from
/// the batch headers, without decoding.
async fn fetch_loop(
    client: Client,
    config: ConsumerConfig,
    member: Option<(String, String)>,
    (topic, partition, epoch): (Arc<str>, u32, u64),
    mut offset: i64,
    tx: mpsc::Sender<Chunk>,
) {
    let (raw_tx, raw_rx) = mpsc::channel::<Result<(bytes::Bytes, i64)>>(2);
    // Both halves run in this one task, so aborting it stops both and no
    // stale chunk arrives after a partition is reassigned.
    let decoder = decode_loop(topic.clone(), partition, epoch, raw_rx, tx);
    let fetcher = async move {
        let mut backoff = Duration::from_millis(50);
        'subscribe: loop {
            let mut broker = match client.for_partition(&topic, partition).await {
                Ok(leader) => leader.broker(),
                Err(e) if e.is_retriable() => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                    continue;
                }
                Err(e) => {
                    let _ = raw_tx.send(Err(e)).await;
                    break;
                }
            };
            let (group, member_id) = member.clone().unwrap_or_default();
            let request = SubscribeRequest {
                topic: topic.to_string(),
                partition,
                offset,
                max_bytes: config.max_bytes,
                group,
                member_id,
            };
            let failure = match broker.subscribe(request).await {
                Ok(stream) => {
                    let mut stream = stream.into_inner();
                    loop {
                        let response = match stream.message().await {
                            Ok(Some(response)) => response,
                            Ok(None) => break Error::Closed,
                            Err(status) => break Error::from(status),
                        };
                        backoff = Duration::from_millis(50);
                        let next = match batches(&response.records).last() {
                            None => continue,
                            Some(Ok(last)) => last.next_offset(),
                            Some(Err(e)) => {
                                let err = Error::from(CodecError::Kafka(e.to_string()));
                                let _ = raw_tx.send(Err(err)).await;
                                break 'subscribe;
                            }
                        };
                        if raw_tx.send(Ok((response.records, offset))).await.is_err() {
                            break 'subscribe;
                        }
                        offset = next;
                    }
                }
                Err(status) => Error::from(status),
            };
            // A stream the broker ended (shutdown) is resumed like a
            // dropped connection, on the leader as it is now.
            if matches!(failure, Error::Closed) || Client::is_stale_route(&failure) {
                client.forget_leader(&topic, partition);
            }
            if matches!(failure, Error::Closed) || failure.is_retriable() {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
                continue;
            }
            let _ = raw_tx.send(Err(failure)).await;
            break;
        }
    };
    tokio::join!(fetcher, decoder);
}

async fn decode_loop(
    topic: Arc<str>,
    partition: u32,
    epoch: u64,
    mut raw: mpsc::Receiver<Result<(bytes::Bytes, i64)>>,
    tx: mpsc::Sender<Chunk>,
) {
    while let Some(item) = raw.recv().await {
        let chunk = item.and_then(|(bytes, from)| {
            decode_batches(bytes, &topic, partition, from).map_err(Error::from)
        });
        let failed = chunk.is_err();
        if tx
            .send(((topic.clone(), partition, epoch), chunk))
            .await
            .is_err()
            || failed
        {
            return;
        }
    }
}
