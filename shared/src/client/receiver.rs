//! The queue receiver: the receivers of one group share a topic's records
//! one by one, as workers share a job queue.
//!
//! Each record [`Receiver::receive`] returns is leased to this receiver for
//! the visibility timeout. [`Receiver::ack`] settles it; [`Receiver::nack`]
//! gives it back (optionally after a delay) with the error that made
//! processing fail. A record not acked in time, or nacked, is delivered
//! again (to any receiver), and after `max_deliveries` deliveries it is
//! copied to the dead-letter topic instead, with `mq.dlq.*` headers saying
//! where it came from, how often it was tried and the last error.
//!
//! Delivery is at-least-once: a receiver that acks late, or a broker that
//! restarts, causes a redelivery, so processing should be idempotent.
//! [`Received::delivery_count`] above 1 says a record has been seen before.
//!
//! In a cluster each partition's leader leases its records, so a receiver
//! keeps one long-poll running per leader and acks each record at the
//! broker that leased it. A receive that ends before every poll has
//! answered leaves the others running; their records come with the next
//! receive (their leases are ticking meanwhile). Receives of one
//! `Receiver` take turns: run one receiver per task for parallel work.
//! Brokers that fail are retried (a failover, a restart); `receive`
//! reports the failure once no broker has answered for 15 s.
//!
//! ```no_run
//! # async fn demo() -> mq::Result<()> {
//! use std::time::Duration;
//! use mq::{Client, Receiver, ReceiverConfig};
//! let client = Client::connect("http://127.0.0.1:7420").await?;
//! let receiver = Receiver::new(client, ReceiverConfig::new("mailers", "emails"))?;
//! loop {
//!     let batch = receiver.receive(Duration::from_secs(5)).await?;
//!     let (done, failed): (Vec<_>, Vec<_>) = batch.into_iter().partition(|r| r.record.value.is_some());
//!     receiver.ack(&done).await?;
//!     receiver.nack(&failed, Duration::from_secs(10), "empty body").await?;
//! }
//! # }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::batch::decode_batches;
use crate::client::connection::Client;
use crate::error::{Error, Result, Unsettled};
use crate::proto::{
    AckRequest, LeasedOffsets, NackRequest, QueueDelivery, ReceiveRequest, ReceiveResponse,
    SettleFailure,
};
use crate::reason;
use crate::record::ConsumedRecord;

/// How often a receiver asks again where the topic's partitions are led
/// when nothing went wrong (partitions added, an offline one back).
const REFRESH_EVERY: Duration = Duration::from_secs(10);
/// The pause after a poll failed because a leader moved or went away.
const RETRY_AFTER: Duration = Duration::from_millis(200);
/// How long a receiver keeps retrying brokers that all fail (leaders
/// moving, brokers restarting) before `receive` reports the failure.
const GIVE_UP: Duration = Duration::from_secs(15);
/// How long past its deadline a receive waits for the answers of the
/// polls it started (the broker answers at the deadline; the network
/// takes a moment).
const ANSWER_GRACE: Duration = Duration::from_secs(1);

/// The first answer of the receives under way (the caller makes sure
/// there is one), taken out of `running`. One receive is awaited as it is:
/// the common case, a single node, pays for no selection.
async fn next_answer(running: &mut Vec<Poll>) -> (Arc<str>, Result<Option<ReceiveResponse>>) {
    if running.len() == 1 {
        let answer = running[0].as_mut().await;
        running.clear();
        return answer;
    }
    let (answer, index, _) = futures::future::select_all(running.iter_mut()).await;
    drop(running.swap_remove(index));
    answer
}

/// Whether a receive past its deadline has stopped waiting: after the
/// grace its own polls get, or at once when it started none.
fn next_is_late(polls: &Polls, wait_until: Instant) -> bool {
    polls.running.is_empty() || Instant::now() >= wait_until
}

#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    pub group: String,
    pub topic: String,
    /// Names this receiver in DescribeGroup; defaults to `<host>-<pid>`.
    pub receiver_id: String,
    /// Most records per receive.
    pub max_records: u32,
    /// Upper bound on the bytes of one receive (0 = the broker's default).
    pub max_bytes: u32,
    /// How long a received record stays leased before it is delivered again.
    pub visibility_timeout: Duration,
    /// Deliveries after which a record goes to the dead-letter topic.
    pub max_deliveries: u32,
    /// None: `<topic>.<group>.dlq`.
    pub dead_letter_topic: Option<String>,
}

impl ReceiverConfig {
    pub fn new(group: impl Into<String>, topic: impl Into<String>) -> Self {
        ReceiverConfig {
            group: group.into(),
            topic: topic.into(),
            receiver_id: default_receiver_id(),
            max_records: 500,
            max_bytes: 0,
            visibility_timeout: Duration::from_secs(30),
            max_deliveries: 5,
            dead_letter_topic: None,
        }
    }
}

/// A record leased to this receiver.
#[derive(Debug, Clone)]
pub struct Received {
    pub record: ConsumedRecord,
    /// 1 on the first delivery.
    pub delivery_count: u32,
    pub lease_id: u64,
    /// When the lease runs out, in ms since the Unix epoch.
    pub lease_deadline_ms: i64,
    /// The broker that leased it: acks and nacks go there.
    pub leased_by: Arc<str>,
}

pub struct Receiver {
    client: Client,
    config: ReceiverConfig,
    topic: Arc<str>,
    polls: tokio::sync::Mutex<Polls>,
}

/// A receive under way on one broker (None: a pause after a failure).
type Poll = Pin<Box<dyn Future<Output = (Arc<str>, Result<Option<ReceiveResponse>>)> + Send>>;

/// Receives under way, and what they brought that is not handed out yet.
#[derive(Default)]
struct Polls {
    /// In the order received; a receive hands out the front.
    ready: Vec<Received>,
    running: Vec<Poll>,
    /// Brokers with a receive under way, with the number of the
    /// `receive` call that started it.
    busy: HashMap<Arc<str>, u64>,
    /// Numbers `receive` calls.
    calls: u64,
    /// When the leaders were last looked up; None: look them up now.
    refreshed: Option<Instant>,
    /// Why the last poll (or leader lookup) failed, and since when no
    /// broker has answered: an outage longer than `GIVE_UP` is reported.
    failing: Option<(Error, Instant)>,
}

impl Polls {
    fn failed(&mut self, e: Error) {
        let since = self.failing.take().map_or_else(Instant::now, |(_, at)| at);
        self.failing = Some((e, since));
    }
}

impl Receiver {
    pub fn new(client: Client, config: ReceiverConfig) -> Result<Self> {
        if config.group.is_empty() || config.topic.is_empty() {
            return Err(Error::InvalidArgument(
                "a receiver needs a group and a topic".to_string(),
            ));
        }
        let visibility = config.visibility_timeout.as_millis();
        if !(1_000..=43_200_000).contains(&visibility) {
            return Err(Error::InvalidArgument(format!(
                "visibility timeout {visibility} ms is outside 1000..=43200000 ms"
            )));
        }
        if config.max_deliveries == 0 || config.max_records == 0 {
            return Err(Error::InvalidArgument(
                "max_deliveries and max_records must be at least 1".to_string(),
            ));
        }
        let topic = config.topic.as_str().into();
        Ok(Receiver {
            client,
            config,
            topic,
            polls: Default::default(),
        })
    }

    pub fn config(&self) -> &ReceiverConfig {
        &self.config
    }

    /// Leases up to `max_records` records, waiting up to `max_wait` for
    /// some to become available; empty when none did. A leader that moved
    /// or went away is looked up again and the wait goes on: only errors a
    /// retry cannot fix (a bad request, a missing topic) are returned.
    pub async fn receive(&self, max_wait: Duration) -> Result<Vec<Received>> {
        let mut polls = self.polls.lock().await;
        polls.calls += 1;
        let call = polls.calls;
        let deadline = Instant::now() + max_wait;
        // A receive this call starts answers by `deadline`; its answer
        // may take a moment more to arrive.
        let mut wait_until = deadline;
        let mut first = true;
        loop {
            if !polls.ready.is_empty() {
                let max = self.config.max_records as usize;
                if polls.ready.len() <= max {
                    // The usual case: hand out the whole buffer, no copy.
                    return Ok(std::mem::take(&mut polls.ready));
                }
                let rest = polls.ready.split_off(max);
                return Ok(std::mem::replace(&mut polls.ready, rest));
            }
            // Past the deadline, only answers already asked for count.
            if first || Instant::now() < deadline {
                match self.start_polls(&mut polls, call, deadline).await {
                    Ok(true) => wait_until = deadline + ANSWER_GRACE,
                    Ok(false) => {}
                    Err(e) if Client::is_stale_route(&e) => {
                        polls.refreshed = None;
                        polls.failed(e);
                    }
                    Err(e) => return Err(e),
                }
            }
            first = false;
            let next = if polls.running.is_empty() {
                // Nobody leads a partition right now: wait, then look again.
                tokio::time::sleep_until(deadline.min(Instant::now() + RETRY_AFTER)).await;
                None
            } else if polls.busy.values().all(|c| *c == call) {
                // Every receive under way was asked to answer by this
                // call's deadline: no timer of our own is needed (one costs
                // a wake-up per receive).
                Some(next_answer(&mut polls.running).await)
            } else {
                tokio::time::timeout_at(wait_until, next_answer(&mut polls.running))
                    .await
                    .ok()
            };
            if let Some((address, result)) = next {
                polls.busy.remove(&address);
                self.take(&mut polls, address, result)?;
                // Whatever else has come in goes out with it.
                let mut i = 0;
                while i < polls.running.len() {
                    match futures::FutureExt::now_or_never(polls.running[i].as_mut()) {
                        Some((address, result)) => {
                            drop(polls.running.swap_remove(i));
                            polls.busy.remove(&address);
                            self.take(&mut polls, address, result)?;
                        }
                        None => i += 1,
                    }
                }
            }
            if polls.ready.is_empty()
                && Instant::now() >= deadline
                && next_is_late(&polls, wait_until)
            {
                if let Some((_, since)) = &polls.failing {
                    if since.elapsed() >= GIVE_UP {
                        if let Some((e, _)) = polls.failing.take() {
                            return Err(e);
                        }
                    }
                }
                return Ok(Vec::new());
            }
        }
    }

    /// Starts a receive on every leader of the topic that has none under
    /// way, each naming the partitions it leads; true when it started one.
    async fn start_polls(&self, polls: &mut Polls, call: u64, deadline: Instant) -> Result<bool> {
        let refresh = polls
            .refreshed
            .is_none_or(|at| at.elapsed() >= REFRESH_EVERY);
        let leaders = self
            .client
            .partition_leaders(&self.config.topic, refresh)
            .await?;
        if refresh {
            polls.refreshed = Some(Instant::now());
        }
        let single = leaders.len() == 1;
        let mut started = false;
        for (broker, partitions) in leaders {
            let address: Arc<str> = broker.address().into();
            if polls.busy.contains_key(&address) {
                continue;
            }
            let c = &self.config;
            let wait = deadline.saturating_duration_since(Instant::now());
            let request = ReceiveRequest {
                group: c.group.clone(),
                topic: c.topic.clone(),
                receiver_id: c.receiver_id.clone(),
                max_records: c.max_records,
                max_bytes: c.max_bytes,
                max_wait_ms: wait.as_millis().min(u32::MAX as u128) as u32,
                visibility_timeout_ms: c.visibility_timeout.as_millis() as u32,
                max_deliveries: c.max_deliveries,
                dead_letter_topic: c.dead_letter_topic.clone().unwrap_or_default(),
                // One leader for everything (a single node): it serves all
                // it leads, partitions added later included.
                partitions: if single { Vec::new() } else { partitions },
            };
            polls.busy.insert(address.clone(), call);
            polls.running.push(Box::pin(async move {
                let result = broker.broker().receive(request).await;
                (
                    address,
                    result.map(|r| Some(r.into_inner())).map_err(Error::from),
                )
            }));
            started = true;
        }
        Ok(started)
    }

    /// Takes one finished receive's records; a leader that moved or went
    /// away means looking the leaders up again after a pause.
    fn take(
        &self,
        polls: &mut Polls,
        address: Arc<str>,
        result: Result<Option<ReceiveResponse>>,
    ) -> Result<()> {
        match result {
            Ok(None) => Ok(()),
            Ok(Some(response)) => {
                polls.failing = None;
                for delivery in response.deliveries {
                    self.pick(delivery, &address, &mut polls.ready)?;
                }
                Ok(())
            }
            Err(e) if Client::is_stale_route(&e) => {
                polls.refreshed = None;
                polls.failed(e);
                let address_for_busy = address.clone();
                let pause: Poll = Box::pin(async move {
                    tokio::time::sleep(RETRY_AFTER).await;
                    (address, Ok(None))
                });
                // The broker stays busy for the pause, so it is not asked
                // again at once.
                let call = polls.calls;
                polls.busy.insert(address_for_busy, call);
                polls.running.push(pause);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Keeps the leased records of one delivery's batches.
    fn pick(&self, d: QueueDelivery, leased_by: &Arc<str>, out: &mut Vec<Received>) -> Result<()> {
        let new_end = d.first_offset + d.count as i64;
        let from = d
            .redeliveries
            .first()
            .map_or(d.first_offset, |r| r.offset.min(d.first_offset));
        let records = decode_batches(d.records, &self.topic, d.partition, from)?;
        out.reserve(d.count as usize + d.redeliveries.len());
        let mut last = i64::MIN;
        for record in records {
            let offset = record.offset;
            if offset <= last {
                continue;
            }
            let delivery_count = if offset >= d.first_offset && offset < new_end {
                1
            } else {
                match d.redeliveries.binary_search_by_key(&offset, |r| r.offset) {
                    Ok(at) => d.redeliveries[at].delivery_count,
                    Err(_) => continue,
                }
            };
            last = offset;
            out.push(Received {
                record,
                delivery_count,
                lease_id: d.lease_id,
                lease_deadline_ms: d.lease_deadline_ms,
                leased_by: leased_by.clone(),
            });
        }
        Ok(())
    }

    /// Settles `records`. When some cannot be (their lease ran out, so they
    /// will be delivered again), the others are still settled and the
    /// error lists the refused ones.
    pub async fn ack(&self, records: &[Received]) -> Result<()> {
        self.settle(records, None).await
    }

    /// Gives `records` back: each is delivered again after `delay`, or
    /// dead-lettered (with `error` in its headers) when its deliveries are
    /// used up.
    pub async fn nack(&self, records: &[Received], delay: Duration, error: &str) -> Result<()> {
        self.settle(records, Some((delay, error))).await
    }

    /// Sends the acks (or nacks) of each broker's leases to that broker.
    async fn settle(&self, records: &[Received], nack: Option<(Duration, &str)>) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut by_broker: BTreeMap<&str, Vec<&Received>> = BTreeMap::new();
        for r in records {
            by_broker.entry(&r.leased_by).or_default().push(r);
        }
        let calls = by_broker.into_iter().map(|(address, records)| async move {
            let mut broker = self.client.on_address(address).broker();
            let (group, topic) = (self.config.group.clone(), self.config.topic.clone());
            let leases = leases(&records);
            let answer = match nack {
                None => broker.ack(AckRequest { group, topic, leases }).await,
                Some((delay, error)) => {
                    broker
                        .nack(NackRequest {
                            group,
                            topic,
                            leases,
                            delay_ms: delay.as_millis().min(u32::MAX as u128) as u32,
                            error: error.to_string(),
                        })
                        .await
                }
            };
            match answer.map_err(Error::from) {
                Ok(response) => Ok(response.into_inner().failures),
                // The broker that leased them is gone or leads no more:
                // so are its leases, and the records come again. (Other
                // errors, such as no controller to make the acks durable,
                // are the caller's to retry.)
                Err(e) if lease_is_gone(&e) => Ok(records
                    .iter()
                    .map(|r| SettleFailure {
                        partition: r.record.partition,
                        offset: r.record.offset,
                        reason: reason::DELIVERY_EXPIRED.to_string(),
                        message: format!(
                            "the broker that leased this record cannot settle it ({e}); it will be delivered again"
                        ),
                    })
                    .collect()),
                Err(e) => Err(e),
            }
        });
        let mut failures = Vec::new();
        for answer in futures::future::join_all(calls).await {
            failures.extend(answer?);
        }
        settled(records.len(), failures)
    }
}

/// Whether a settle error means the broker that granted the leases can no
/// longer honour them.
fn lease_is_gone(e: &Error) -> bool {
    match e {
        Error::Unreachable { .. } => true,
        // No reason: the connection failed, not the broker.
        Error::Broker {
            reason: None, code, ..
        } => matches!(
            code,
            tonic::Code::Unavailable | tonic::Code::Cancelled | tonic::Code::Unknown
        ),
        _ => matches!(
            e.reason(),
            Some(reason::NOT_LEADER) | Some(reason::SHUTTING_DOWN)
        ),
    }
}

/// Groups offsets by partition and lease.
fn leases(records: &[&Received]) -> Vec<LeasedOffsets> {
    let mut by_lease: BTreeMap<(u32, u64), Vec<i64>> = BTreeMap::new();
    for r in records {
        by_lease
            .entry((r.record.partition, r.lease_id))
            .or_default()
            .push(r.record.offset);
    }
    by_lease
        .into_iter()
        .map(|((partition, lease_id), offsets)| LeasedOffsets {
            partition,
            lease_id,
            offsets,
        })
        .collect()
}

fn settled(total: usize, failures: Vec<crate::proto::SettleFailure>) -> Result<()> {
    if failures.is_empty() {
        return Ok(());
    }
    Err(Error::Unsettled {
        total,
        refused: failures
            .into_iter()
            .map(|f| Unsettled {
                partition: f.partition,
                offset: f.offset,
                reason: f.reason,
                message: f.message,
            })
            .collect(),
    })
}

fn default_receiver_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "receiver".to_string());
    format!("{host}-{}", std::process::id())
}
