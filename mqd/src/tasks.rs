//! Background work: retention, interval fsync, the queue sweeper and the
//! stats sampler. Each task runs until the
//! shutdown token is cancelled.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::broker::Broker;

/// Deletes old segments of every partition every `every`.
pub async fn retention(broker: Arc<Broker>, every: Duration, shutdown: CancellationToken) {
    let mut tick = ticker(every);
    while next_tick(&mut tick, &shutdown).await {
        let now = mq::record::now_ms();
        for topic in broker.topics.list() {
            let config = topic.config();
            for p in topic.partitions() {
                if let Err(e) = p.apply_retention(&config, now) {
                    tracing::error!(topic = p.topic(), partition = p.id(), error = %e, "retention failed");
                }
            }
        }
    }
}

/// Fsyncs partitions with unflushed appends every `every` (policy `interval`).
pub async fn interval_fsync(broker: Arc<Broker>, every: Duration, shutdown: CancellationToken) {
    let mut tick = ticker(every);
    while next_tick(&mut tick, &shutdown).await {
        for topic in broker.topics.list() {
            for p in topic.partitions() {
                if p.is_dirty() {
                    if let Err(e) = p.flush().await {
                        tracing::error!(topic = p.topic(), partition = p.id(), error = %e, "interval fsync failed");
                    }
                }
            }
        }
    }
}

/// How often queue leases are expired and ledgers stored when nobody is
/// receiving: bounds how late an expired lease is redelivered to a waiting
/// receiver, and how much an unclean stop forgets of receives.
const QUEUE_SWEEP: Duration = Duration::from_millis(250);

/// Expires queue leases, sends dead letters and stores changed ledgers.
pub async fn queue_sweeper(broker: Arc<Broker>, shutdown: CancellationToken) {
    let mut tick = ticker(QUEUE_SWEEP);
    while next_tick(&mut tick, &shutdown).await {
        broker.queues.sweep(&broker.topics).await;
    }
}

/// Samples traffic counters and group positions once a second, for the
/// rates and lag trends of Stats.
pub async fn stats_sampler(broker: Arc<Broker>, shutdown: CancellationToken) {
    let mut tick = ticker(Duration::from_secs(1));
    while next_tick(&mut tick, &shutdown).await {
        broker.stats.take(&broker);
    }
}

/// An interval that skips missed ticks instead of bursting after a stall.
fn ticker(every: Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// Waits for the next tick; false once shutdown has started.
async fn next_tick(tick: &mut tokio::time::Interval, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = tick.tick() => true,
        _ = shutdown.cancelled() => false,
    }
}
