//! The systemd service protocol (`Type=notify`): READY=1 once recovery is
//! done and every listener is bound, STATUS= lines on the way, STOPPING=1
//! when shutdown starts, and WATCHDOG=1 pings from a task that checks the
//! broker works (its runtime, partition locks and metadata store answer),
//! not from a bare timer. Without NOTIFY_SOCKET every call does nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

use crate::broker::Broker;

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(false, states) {
        tracing::warn!(error = %e, "cannot notify the service manager");
    }
}

pub fn status(text: &str) {
    send(&[NotifyState::Status(text)]);
}

pub fn ready(text: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(text)]);
}

pub fn stopping() {
    send(&[
        NotifyState::Stopping,
        NotifyState::Status("draining and stopping"),
    ]);
}

/// The watchdog interval systemd asked for (WatchdogSec=), when it did.
/// WATCHDOG_PID, when set, must name this process (systemd sets both).
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID") {
        if pid.parse::<u32>().ok() != Some(std::process::id()) {
            return None;
        }
    }
    (usec > 0).then(|| Duration::from_micros(usec))
}

/// Pings the watchdog at half its interval, each time after checking that
/// the broker still works: a hung runtime, a stuck partition lock or a
/// metadata store that no longer answers stops the pings, and systemd
/// restarts mqd.
pub async fn watchdog(broker: Arc<Broker>, every: Duration, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(every / 2);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        let started = Instant::now();
        let checked = tokio::time::timeout(every / 2, check(broker.clone())).await;
        match checked {
            Ok(Ok(())) => send(&[NotifyState::Watchdog]),
            Ok(Err(why)) => tracing::error!(%why, "health check failed; not pinging the watchdog"),
            Err(_) => tracing::error!(
                waited_ms = started.elapsed().as_millis() as u64,
                "health check hung; not pinging the watchdog"
            ),
        }
    }
}

/// Touches every partition's lock and reads the metadata store, off the
/// async workers (a blocked lock must not block the runtime).
async fn check(broker: Arc<Broker>) -> Result<(), String> {
    tokio::task::spawn_blocking(move || {
        for topic in broker.topics.list() {
            for p in topic.partitions() {
                let _ = p.state();
            }
        }
        broker.meta.topics().map(|_| ()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}
