//! The producer: batching, compression, partitioning and retries.
//!
//! Records are gathered per partition into batches that are sent when they
//! reach `batch_bytes` or when `linger` has passed since their first record.
//! Each partition has one sender task that keeps up to `max_in_flight`
//! batches in flight on one ProduceStream, which the broker appends in
//! order, so records of one partition are stored in the order they were
//! sent. A full queue of sealed batches makes [`Producer::send`] wait
//! (backpressure).
//!
//! Retries resend the unanswered batches, in order, after a retriable error
//! (unreachable broker, UNAVAILABLE) with exponential backoff. With
//! `idempotence` (the default) every batch carries the producer's id and
//! per-partition sequence numbers, and the broker stores a resent batch
//! once, answering with its original offsets; without it, a retry after a
//! lost answer can store a batch twice (at-least-once).
//!
//! ```no_run
//! # async fn demo() -> mq::Result<()> {
//! use mq::{Client, Producer, ProducerConfig, Record};
//! let client = Client::connect("http://127.0.0.1:7420").await?;
//! let producer = Producer::new(client, ProducerConfig::default());
//! let delivery = producer.send("orders", Record::new("hello").with_key("customer-7")).await?;
//! let placed = delivery.await?; // wait until the broker has it
//! println!("stored at partition {} offset {}", placed.partition, placed.offset);
//! producer.flush().await?;
//! # Ok(()) }
//! ```

use std::collections::{HashMap, VecDeque};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::{mpsc, watch};

use crate::batch::{encode_batch, Compression, ProducerStamp};
use crate::client::partitioner::partition_for_key;
use crate::error::{Error, Result};
use crate::proto::{self, MetadataRequest, ProduceRequest};
use crate::record::Record;
use crate::Client;

/// How many replicas must have a batch before the broker answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Acks {
    /// Fire and forget: offsets come back as -1.
    None,
    /// The leader stored it (the default).
    #[default]
    Leader,
    /// Every in-sync replica stored it.
    All,
}

impl Acks {
    fn to_proto(self) -> proto::Acks {
        match self {
            Acks::None => proto::Acks::None,
            Acks::Leader => proto::Acks::Leader,
            Acks::All => proto::Acks::All,
        }
    }
}

impl std::str::FromStr for Acks {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "none" | "0" => Ok(Acks::None),
            "leader" | "1" => Ok(Acks::Leader),
            "all" | "-1" => Ok(Acks::All),
            other => Err(Error::InvalidArgument(format!(
                "acks {other:?} is not one of none, leader, all"
            ))),
        }
    }
}

/// Producer settings. The defaults suit throughput with low latency.
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    /// How long a batch waits for more records before it is sent.
    pub linger: Duration,
    /// A batch is sent once its records reach this many bytes.
    pub batch_bytes: usize,
    pub compression: Compression,
    pub acks: Acks,
    /// Resends of a batch after a retriable error before giving up. The
    /// default (30, about 14 s with the default backoff) rides through a
    /// leader failover or a rolling restart.
    pub retries: u32,
    /// First backoff between resends; it doubles up to 500 ms.
    pub retry_backoff: Duration,
    /// Sealed batches queued per partition before `send` waits.
    pub max_queued_batches: usize,
    /// Batches per partition sent but not yet answered. More than one
    /// hides the round trip; order is kept either way. At most 5 with
    /// idempotence (the broker recognises resends among a producer's last 5
    /// batches).
    pub max_in_flight: usize,
    /// How long a sent batch may go unanswered before the stream is given
    /// up and the batch resent (a broker that hangs, or a host that went
    /// away without closing the connection).
    pub request_timeout: Duration,
    /// Stamp batches with a producer id and sequence numbers, so that a
    /// batch resent after a lost answer is stored once (exactly-once
    /// appends). On by default, as in Kafka.
    pub idempotence: bool,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            linger: Duration::from_millis(5),
            batch_bytes: 64 * 1024,
            compression: Compression::None,
            acks: Acks::Leader,
            retries: 30,
            retry_backoff: Duration::from_millis(100),
            max_queued_batches: 8,
            max_in_flight: 5,
            request_timeout: Duration::from_secs(10),
            idempotence: true,
        }
    }
}

/// Where a record was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordMetadata {
    pub partition: u32,
    /// -1 with acks=none.
    pub offset: i64,
}

/// Sends records to mq. Cheap to clone; clones share batches and tasks.
#[derive(Clone)]
pub struct Producer {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    config: ProducerConfig,
    /// Looked up by `&str` once per record; everything else a send needs
    /// hangs off the topic's state without further locks.
    topics: Mutex<HashMap<String, Arc<TopicState>>>,
    failed: Arc<Mutex<Option<Error>>>,
    /// The producer id and epoch, from the broker on first use.
    identity: Arc<tokio::sync::OnceCell<ProducerStamp>>,
}

/// What the producer knows of one topic.
struct TopicState {
    partitions: u32,
    /// The partition keyless records go to until its batch is sealed;
    /// shared with every queue of the topic.
    sticky: Arc<AtomicU32>,
    /// One queue and sender task per partition, created on first use.
    queues: Vec<OnceLock<Arc<PartitionQueue>>>,
}

struct PartitionQueue {
    partition: u32,
    /// The topic's partition count when this queue was made.
    partitions: u32,
    sticky: Arc<AtomicU32>,
    accumulator: tokio::sync::Mutex<Accumulator>,
    sealed: mpsc::Sender<SealedBatch>,
}

#[derive(Default)]
struct Accumulator {
    records: Vec<Record>,
    bytes: usize,
    generation: u64,
    outcome: Option<Arc<Outcome>>,
    last_sent: Option<Arc<Outcome>>,
}

/// The result of one batch: its base offset, shared by all its records.
struct Outcome {
    result: watch::Sender<Option<Result<i64>>>,
    /// The producer's first failure since the last flush.
    failed: Arc<Mutex<Option<Error>>>,
}

impl Outcome {
    fn finish(&self, result: Result<i64>) {
        if let Err(e) = &result {
            self.failed.lock().get_or_insert_with(|| e.clone());
        }
        self.result.send_replace(Some(result));
    }
}

struct SealedBatch {
    records: Vec<Record>,
    outcome: Arc<Outcome>,
}

impl Producer {
    pub fn new(client: Client, config: ProducerConfig) -> Self {
        Producer {
            inner: Arc::new(Inner {
                client,
                config,
                topics: Mutex::new(HashMap::new()),
                failed: Arc::new(Mutex::new(None)),
                identity: Arc::new(tokio::sync::OnceCell::new()),
            }),
        }
    }

    /// Queues a record, choosing its partition from its key (or stickily for
    /// keyless records). Returns once the record is in a batch; await the
    /// returned [`Delivery`] to learn where it was stored.
    pub async fn send(&self, topic: &str, record: Record) -> Result<Delivery> {
        let state = self.topic(topic).await?;
        let partition = match &record.key {
            Some(key) => partition_for_key(key, state.partitions),
            None => state.sticky.load(Ordering::Relaxed) % state.partitions,
        };
        self.send_in(&state, topic, partition, record).await
    }

    /// Queues a record for a given partition.
    pub async fn send_to(&self, topic: &str, partition: u32, record: Record) -> Result<Delivery> {
        let mut state = self.topic(topic).await?;
        if partition >= state.partitions {
            // Partitions may have been added since the producer looked.
            state = self.refresh(topic).await?;
            if partition >= state.partitions {
                return Err(Error::Broker {
                    code: tonic::Code::NotFound,
                    reason: Some(crate::reason::PARTITION_NOT_FOUND.to_string()),
                    message: format!(
                        "topic {topic:?} has partitions 0..{}, not {partition}",
                        state.partitions
                    ),
                    metadata: Vec::new(),
                });
            }
        }
        self.send_in(&state, topic, partition, record).await
    }

    async fn send_in(
        &self,
        state: &TopicState,
        topic: &str,
        partition: u32,
        record: Record,
    ) -> Result<Delivery> {
        let queue = self.queue(state, topic, partition);
        let mut acc = queue.accumulator.lock().await;
        let size = record.approx_size();
        // A batch stores timestamps as 32-bit deltas from its first record.
        let far_in_time = acc.records.first().is_some_and(|first| {
            (record.timestamp_ms - first.timestamp_ms).abs() > i32::MAX as i64 / 2
        });
        if !acc.records.is_empty()
            && (acc.bytes + size > self.inner.config.batch_bytes || far_in_time)
        {
            self.seal(&queue, &mut acc).await?;
        }
        let outcome = match &acc.outcome {
            Some(outcome) => outcome.clone(),
            None => {
                let outcome = Arc::new(Outcome {
                    result: watch::channel(None).0,
                    failed: self.inner.failed.clone(),
                });
                acc.outcome = Some(outcome.clone());
                self.start_linger_timer(queue.clone(), acc.generation);
                outcome
            }
        };
        let index = acc.records.len() as i64;
        acc.records.push(record);
        acc.bytes += size;
        let delivery = Delivery {
            partition,
            index,
            result: outcome.result.subscribe(),
        };
        if acc.bytes >= self.inner.config.batch_bytes {
            self.seal(&queue, &mut acc).await?;
        }
        Ok(delivery)
    }

    /// Sends every queued record and waits until the broker answered for all
    /// of them. Returns the first batch failure since the previous flush, if
    /// any (each record's own [`Delivery`] says whether it was stored).
    pub async fn flush(&self) -> Result<()> {
        let queues: Vec<Arc<PartitionQueue>> = self
            .inner
            .topics
            .lock()
            .values()
            .flat_map(|state| state.queues.iter().filter_map(OnceLock::get).cloned())
            .collect();
        let mut waits = Vec::new();
        for queue in queues {
            let mut acc = queue.accumulator.lock().await;
            if !acc.records.is_empty() {
                self.seal(&queue, &mut acc).await?;
            }
            if let Some(last) = &acc.last_sent {
                waits.push(last.result.subscribe());
            }
        }
        for mut rx in waits {
            let _ = wait_outcome(&mut rx).await;
        }
        match self.inner.failed.lock().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    async fn topic(&self, topic: &str) -> Result<Arc<TopicState>> {
        if let Some(state) = self.inner.topics.lock().get(topic) {
            return Ok(state.clone());
        }
        self.refresh(topic).await
    }

    /// Learns the topic's partition count from the broker, keeping the
    /// queues (and their batches) of partitions it already had.
    async fn refresh(&self, topic: &str) -> Result<Arc<TopicState>> {
        let response = self
            .inner
            .client
            .broker()
            .metadata(MetadataRequest {
                topics: vec![topic.to_string()],
            })
            .await?
            .into_inner();
        let count = response
            .topics
            .iter()
            .find(|t| t.name == topic)
            .map(|t| t.partitions.len() as u32)
            .filter(|n| *n > 0)
            .ok_or_else(|| Error::Broker {
                code: tonic::Code::NotFound,
                reason: Some(crate::reason::TOPIC_NOT_FOUND.to_string()),
                message: format!("topic {topic:?} does not exist; create it first"),
                metadata: Vec::new(),
            })?;
        let mut topics = self.inner.topics.lock();
        let old = topics.get(topic);
        let sticky = old
            .map(|o| o.sticky.clone())
            .unwrap_or_else(|| Arc::new(AtomicU32::new(crate::record::now_ms() as u32 % count)));
        let queues = (0..count as usize)
            .map(|i| {
                let cell = OnceLock::new();
                if let Some(q) = old.and_then(|o| o.queues.get(i)).and_then(OnceLock::get) {
                    let _ = cell.set(q.clone());
                }
                cell
            })
            .collect();
        let state = Arc::new(TopicState {
            partitions: count,
            sticky,
            queues,
        });
        topics.insert(topic.to_string(), state.clone());
        Ok(state)
    }

    fn queue(&self, state: &TopicState, topic: &str, partition: u32) -> Arc<PartitionQueue> {
        state.queues[partition as usize]
            .get_or_init(|| {
                let (tx, rx) = mpsc::channel(self.inner.config.max_queued_batches.max(1));
                tokio::spawn(run_sender(
                    self.inner.client.clone(),
                    self.inner.config.clone(),
                    self.inner.identity.clone(),
                    topic.to_string(),
                    partition,
                    rx,
                ));
                Arc::new(PartitionQueue {
                    partition,
                    partitions: state.partitions,
                    sticky: state.sticky.clone(),
                    accumulator: tokio::sync::Mutex::new(Accumulator::default()),
                    sealed: tx,
                })
            })
            .clone()
    }

    /// Hands the open batch to the partition's sender task.
    async fn seal(&self, queue: &PartitionQueue, acc: &mut Accumulator) -> Result<()> {
        let Some(outcome) = acc.outcome.take() else {
            return Ok(());
        };
        let records = std::mem::take(&mut acc.records);
        acc.bytes = 0;
        acc.generation += 1;
        acc.last_sent = Some(outcome.clone());
        // Once the sticky partition's batch is sealed, keyless records of
        // the topic move on to the next partition.
        let next = (queue.partition + 1) % queue.partitions.max(1);
        let _ = queue.sticky.compare_exchange(
            queue.partition,
            next,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
        queue
            .sealed
            .send(SealedBatch { records, outcome })
            .await
            .map_err(|_| Error::Closed)
    }

    fn start_linger_timer(&self, queue: Arc<PartitionQueue>, generation: u64) {
        let producer = self.clone();
        let linger = self.inner.config.linger;
        tokio::spawn(async move {
            tokio::time::sleep(linger).await;
            let mut acc = queue.accumulator.lock().await;
            if acc.generation == generation && !acc.records.is_empty() {
                if let Err(e) = producer.seal(&queue, &mut acc).await {
                    tracing::debug!(error = %e, "linger seal failed");
                }
            }
        });
    }
}

/// Where one record ended up; await it.
pub struct Delivery {
    partition: u32,
    index: i64,
    result: watch::Receiver<Option<Result<i64>>>,
}

impl IntoFuture for Delivery {
    type Output = Result<RecordMetadata>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(mut self) -> Self::IntoFuture {
        Box::pin(async move {
            let base = wait_outcome(&mut self.result).await?;
            Ok(RecordMetadata {
                partition: self.partition,
                offset: if base < 0 { -1 } else { base + self.index },
            })
        })
    }
}

async fn wait_outcome(rx: &mut watch::Receiver<Option<Result<i64>>>) -> Result<i64> {
    match rx.wait_for(Option::is_some).await {
        Ok(value) => value.clone().unwrap_or(Err(Error::Closed)),
        Err(_) => Err(Error::Closed),
    }
}

/// One sealed batch on its way: encoded once, resent as it is.
struct InFlight {
    id: u64,
    /// When it was last sent, for the request timeout.
    sent: tokio::time::Instant,
    records: Bytes,
    outcome: Arc<Outcome>,
    attempts: u32,
    /// Sequence of the first record, -1 without idempotence.
    first_seq: i32,
    count: i32,
}

type ResponseStream = tonic::Streaming<proto::ProduceStreamResponse>;

/// The open ProduceStream of one partition sender.
struct Lane {
    requests: mpsc::Sender<proto::ProduceStreamRequest>,
    responses: ResponseStream,
}

/// How often a sender looks for a batch past its request timeout.
const REQUEST_CHECK: Duration = Duration::from_millis(500);

/// How long an idle partition keeps its stream open.
const IDLE_STREAM: Duration = Duration::from_secs(10);

/// Sends one partition's sealed batches in order, up to `max_in_flight` at
/// a time on one ProduceStream. On a failure the stream is dropped and the
/// unanswered batches are resent in their order on a new one: the broker
/// refuses every batch of the partition after a failed one on the same
/// stream, so none of them was written and none can land out of order.
async fn run_sender(
    client: Client,
    config: ProducerConfig,
    identity: Arc<tokio::sync::OnceCell<ProducerStamp>>,
    topic: String,
    partition: u32,
    mut sealed: mpsc::Receiver<SealedBatch>,
) {
    // The broker remembers 5 batches per producer to recognise resends.
    let max_in_flight = if config.idempotence {
        config.max_in_flight.clamp(1, 5)
    } else {
        config.max_in_flight.max(1)
    };
    let mut in_flight: VecDeque<InFlight> = VecDeque::new();
    let mut lane: Option<Lane> = None;
    let mut next_id = 0u64;
    let mut backoff = config.retry_backoff;
    let mut input_open = true;
    let mut next_seq = 0i32;
    // Checks the oldest batch against the request timeout: one timer for
    // the sender's life, not one per loop turn (the hot path).
    let mut watchdog = tokio::time::interval(REQUEST_CHECK);
    watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if lane.is_none() && !in_flight.is_empty() {
            match open_lane(
                &client,
                &topic,
                partition,
                &config,
                &mut in_flight,
                &mut next_id,
            )
            .await
            {
                Ok(opened) => lane = Some(opened),
                Err(err) => {
                    forget_if_stale(&client, &topic, partition, &err);
                    fail_or_keep(&mut in_flight, &err, &config, true, &mut next_seq);
                    if err.is_retriable() {
                        pause(&mut backoff).await;
                    }
                    continue;
                }
            }
        }
        if !input_open && in_flight.is_empty() {
            return;
        }
        tokio::select! {
            batch = sealed.recv(), if input_open && in_flight.len() < max_in_flight => {
                let Some(batch) = batch else {
                    input_open = false;
                    continue;
                };
                let count = batch.records.len() as i32;
                let stamp = if config.idempotence {
                    let init = || init_producer(&client, &topic, partition, &config);
                    match identity.get_or_try_init(init).await {
                        Ok(id) => ProducerStamp { base_sequence: next_seq, ..*id },
                        Err(e) => {
                            batch.outcome.finish(Err(e));
                            continue;
                        }
                    }
                } else {
                    ProducerStamp::NONE
                };
                let records = match encode_batch(&batch.records, config.compression, stamp) {
                    Ok(records) => records,
                    Err(e) => {
                        batch.outcome.finish(Err(e.into()));
                        continue;
                    }
                };
                if config.idempotence {
                    next_seq = add_seq(next_seq, count);
                }
                let entry = InFlight {
                    id: next_id,
                    records,
                    outcome: batch.outcome,
                    attempts: 0,
                    sent: tokio::time::Instant::now(),
                    first_seq: stamp.base_sequence,
                    count,
                };
                next_id += 1;
                if let Some(open) = &lane {
                    let request = stream_request(&topic, partition, &config, &entry);
                    if open.requests.send(request).await.is_err() {
                        lane = None; // resent with the others when reopened
                    }
                }
                in_flight.push_back(entry);
            }
            answer = next_answer(&mut lane), if lane.is_some() && !in_flight.is_empty() => {
                match answer {
                    Ok(response) => {
                        let Some(front) = in_flight.pop_front() else { continue };
                        if response.id != front.id {
                            // Cannot happen with a conforming broker; resend
                            // rather than guess which batch this answers.
                            in_flight.push_front(front);
                            tracing::warn!(topic, partition, "produce stream answered out of order; reopening it");
                            lane = None;
                            continue;
                        }
                        match answer_result(response) {
                            Ok(base) => {
                                backoff = config.retry_backoff;
                                front.outcome.finish(Ok(base));
                            }
                            Err(err) => {
                                forget_if_stale(&client, &topic, partition, &err);
                                in_flight.push_front(front);
                                lane = None;
                                fail_or_keep(&mut in_flight, &err, &config, false, &mut next_seq);
                                if err.is_retriable() {
                                    pause(&mut backoff).await;
                                }
                            }
                        }
                    }
                    Err(err) => {
                        // The stream broke: any unanswered batch may or may
                        // not be stored; resending is at-least-once.
                        forget_if_stale(&client, &topic, partition, &err);
                        lane = None;
                        fail_or_keep(&mut in_flight, &err, &config, true, &mut next_seq);
                        if err.is_retriable() {
                            pause(&mut backoff).await;
                        }
                    }
                }
            }
            _ = tokio::time::sleep(IDLE_STREAM), if lane.is_some() && in_flight.is_empty() => {
                lane = None;
            }
            _ = watchdog.tick(), if lane.is_some() && !in_flight.is_empty() => {
                let overdue = in_flight
                    .front()
                    .is_some_and(|f| f.sent.elapsed() >= config.request_timeout);
                if !overdue {
                    continue;
                }
                let err = Error::Broker {
                    code: tonic::Code::DeadlineExceeded,
                    reason: None,
                    message: format!(
                        "no answer from the broker within {:?} (request_timeout); resending on a new stream",
                        config.request_timeout
                    ),
                    metadata: Vec::new(),
                };
                tracing::warn!(topic, partition, error = %err, "produce request timed out");
                client.forget_leader(&topic, partition);
                lane = None;
                fail_or_keep(&mut in_flight, &err, &config, true, &mut next_seq);
                if err.is_retriable() {
                    pause(&mut backoff).await;
                }
            }
            else => {}
        }
    }
}

/// Opens a stream and sends every unanswered batch on it, in order.
async fn open_lane(
    client: &Client,
    topic: &str,
    partition: u32,
    config: &ProducerConfig,
    in_flight: &mut VecDeque<InFlight>,
    next_id: &mut u64,
) -> Result<Lane> {
    let leader = client.for_partition(topic, partition).await?;
    let (tx, rx) = mpsc::channel(config.max_in_flight.max(1) + 1);
    for entry in in_flight.iter_mut() {
        entry.id = *next_id;
        entry.sent = tokio::time::Instant::now();
        *next_id += 1;
        // The channel has room for every batch in flight.
        let _ = tx.try_send(stream_request(topic, partition, config, entry));
    }
    let responses = leader
        .broker()
        .produce_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await?
        .into_inner();
    Ok(Lane {
        requests: tx,
        responses,
    })
}

fn stream_request(
    topic: &str,
    partition: u32,
    config: &ProducerConfig,
    entry: &InFlight,
) -> proto::ProduceStreamRequest {
    proto::ProduceStreamRequest {
        id: entry.id,
        request: Some(ProduceRequest {
            topic: topic.to_string(),
            partition,
            acks: config.acks.to_proto() as i32,
            records: entry.records.clone(),
            timeout_ms: 0,
        }),
    }
}

async fn next_answer(lane: &mut Option<Lane>) -> Result<proto::ProduceStreamResponse> {
    let Some(open) = lane else {
        return Err(Error::Closed);
    };
    match open.responses.message().await {
        Ok(Some(response)) => Ok(response),
        Ok(None) => Err(Error::Broker {
            code: tonic::Code::Unavailable,
            reason: None,
            message: "the broker closed the produce stream".to_string(),
            metadata: Vec::new(),
        }),
        Err(status) => Err(status.into()),
    }
}

fn answer_result(response: proto::ProduceStreamResponse) -> Result<i64> {
    match (response.response, response.error) {
        (Some(ok), None) => Ok(ok.base_offset),
        (_, Some(e)) => Err(Error::Broker {
            code: tonic::Code::from_i32(e.code),
            reason: (!e.reason.is_empty()).then_some(e.reason),
            message: e.message,
            metadata: e.metadata.into_iter().collect(),
        }),
        (None, None) => Err(Error::Broker {
            code: tonic::Code::Internal,
            reason: None,
            message: "the broker sent a produce answer with neither result nor error".to_string(),
            metadata: Vec::new(),
        }),
    }
}

/// After `err`: the front batch (or, when the stream broke, every batch in
/// flight, since each was attempted) counts an attempt; a batch that may
/// not be retried, or has used its retries, fails. Batches the broker
/// refused only because an earlier one failed are kept without counting.
///
/// With idempotence the kept batches are renumbered to follow on from the
/// sequence the first of them had: a failed batch was never stored, and
/// the broker would refuse the gap it left.
fn fail_or_keep(
    in_flight: &mut VecDeque<InFlight>,
    err: &Error,
    config: &ProducerConfig,
    all: bool,
    next_seq: &mut i32,
) {
    let count = if all {
        in_flight.len()
    } else {
        1.min(in_flight.len())
    };
    let mut seq = in_flight.front().map(|e| e.first_seq).unwrap_or(-1);
    let mut kept = VecDeque::with_capacity(in_flight.len());
    for (i, mut entry) in in_flight.drain(..).enumerate() {
        if i < count && err.reason() != Some(crate::reason::PRODUCE_ABORTED) {
            entry.attempts += 1;
            if !err.is_retriable() || entry.attempts > config.retries {
                entry.outcome.finish(Err(err.clone()));
                continue;
            }
            tracing::debug!(attempt = entry.attempts, error = %err, "resending a produce batch");
        }
        if seq >= 0 {
            if entry.first_seq != seq {
                let mut bytes = entry.records.to_vec();
                crate::batch::restamp_sequence(&mut bytes, seq);
                entry.records = Bytes::from(bytes);
                entry.first_seq = seq;
            }
            seq = add_seq(seq, entry.count);
        }
        kept.push_back(entry);
    }
    if seq >= 0 {
        *next_seq = seq;
    }
    *in_flight = kept;
}

/// After an error that says the leader moved or is gone, the next attempt
/// looks the leader up again.
fn forget_if_stale(client: &Client, topic: &str, partition: u32, err: &Error) {
    if Client::is_stale_route(err) {
        client.forget_leader(topic, partition);
    }
}

/// Sequence numbers wrap to 0 after i32::MAX, as in Kafka.
fn add_seq(seq: i32, n: i32) -> i32 {
    ((seq as i64 + n as i64) % (i32::MAX as i64 + 1)) as i32
}

/// Gets a producer id, from the leader of the partition about to be sent
/// to (a broker that is alive, unlike perhaps the bootstrap one), retrying
/// retriable failures as a send would.
async fn init_producer(
    client: &Client,
    topic: &str,
    partition: u32,
    config: &ProducerConfig,
) -> Result<ProducerStamp> {
    let mut backoff = config.retry_backoff;
    let mut attempts = 0;
    let response = loop {
        let attempt = async {
            let leader = client.for_partition(topic, partition).await?;
            let answer = leader
                .broker()
                .init_producer(proto::InitProducerRequest {})
                .await?;
            Ok::<_, Error>(answer.into_inner())
        };
        match attempt.await {
            Ok(response) => break response,
            Err(e) if e.is_retriable() && attempts < config.retries => {
                forget_if_stale(client, topic, partition, &e);
                attempts += 1;
                pause(&mut backoff).await;
            }
            Err(e) => return Err(e),
        }
    };
    Ok(ProducerStamp {
        producer_id: response.producer_id,
        producer_epoch: response.producer_epoch as i16,
        base_sequence: 0,
    })
}

/// Longest pause between resends: short, so a send lands soon after a new
/// leader is elected rather than up to a long backoff later.
const MAX_BACKOFF: Duration = Duration::from_millis(500);

async fn pause(backoff: &mut Duration) {
    tokio::time::sleep(*backoff).await;
    *backoff = (*backoff * 2).min(MAX_BACKOFF);
}
