//! The data feed: one Watch stream for the stats and a ListAlerts call per
//! interval, reconnecting with backoff when the broker is unreachable or
//! goes quiet. It reports to the event loop through a channel and runs
//! the acknowledgements the operator asks for.

use std::time::Duration;

use mq::proto::{AckAlertRequest, ListAlertsRequest, WatchRequest};
use mq::Client;
use tokio::sync::mpsc;

use crate::app::Feed;

#[derive(Debug)]
pub enum Command {
    Ack { id: String, note: String },
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const MAX_BACKOFF: Duration = Duration::from_secs(15);

/// Runs until the event loop hangs up.
pub async fn run(
    address: String,
    interval: Duration,
    tx: mpsc::Sender<Feed>,
    mut commands: mpsc::Receiver<Command>,
) {
    let mut attempt = 1u32;
    loop {
        if tx.send(Feed::Connecting { attempt }).await.is_err() {
            return;
        }
        let error = match session(&address, interval, &tx, &mut commands, &mut attempt).await {
            Ok(()) => return,
            Err(e) => e,
        };
        let retry_in = backoff(attempt);
        let report = Feed::Unreachable {
            error,
            attempt,
            retry_in,
        };
        if tx.send(report).await.is_err() {
            return;
        }
        // Acknowledgements asked for while disconnected fail at once.
        let sleep = tokio::time::sleep(retry_in);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => break,
                cmd = commands.recv() => match cmd {
                    Some(Command::Ack { id, .. }) => {
                        let answer = Feed::Acked(Err(format!("{id}: not connected to the broker")));
                        if tx.send(answer).await.is_err() {
                            return;
                        }
                    }
                    None => return,
                },
            }
        }
        attempt = attempt.saturating_add(1);
    }
}

/// 1 s, 2 s, 4 s ... up to 15 s.
pub fn backoff(attempt: u32) -> Duration {
    let secs = 1u64 << attempt.saturating_sub(1).min(4);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

/// One connection's life. Ok when the event loop hung up; Err with what
/// went wrong otherwise.
async fn session(
    address: &str,
    interval: Duration,
    tx: &mpsc::Sender<Feed>,
    commands: &mut mpsc::Receiver<Command>,
    attempt: &mut u32,
) -> Result<(), String> {
    let client = match tokio::time::timeout(
        CONNECT_TIMEOUT + Duration::from_millis(200),
        Client::connect_with_timeout(address, CONNECT_TIMEOUT),
    )
    .await
    {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => {
            return Err(format!(
                "no connection to {address} within {CONNECT_TIMEOUT:?}"
            ))
        }
    };
    let request = WatchRequest {
        request: None,
        interval_ms: interval.as_millis().min(u32::MAX as u128) as u32,
    };
    let mut stream = client
        .admin_raw()
        .watch(request)
        .await
        .map_err(|s| mq::Error::from(s).to_string())?
        .into_inner();
    // A broker that stops sending (stopped, overloaded, or a network that
    // drops packets silently) is as good as gone.
    let quiet_limit = interval * 3 + Duration::from_secs(2);
    let mut alerts_tick = tokio::time::interval(interval);
    alerts_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            next = tokio::time::timeout(quiet_limit, stream.message()) => match next {
                Ok(Ok(Some(snapshot))) => {
                    *attempt = 1;
                    if tx.send(Feed::Snapshot(Box::new(snapshot))).await.is_err() {
                        return Ok(());
                    }
                }
                Ok(Ok(None)) => return Err("the broker ended the stream (shutting down?)".into()),
                Ok(Err(status)) => return Err(mq::Error::from(status).to_string()),
                Err(_) => return Err(format!("no data for {}s", quiet_limit.as_secs())),
            },
            _ = alerts_tick.tick() => {
                let mut admin = client.admin_raw();
                let call = admin.list_alerts(ListAlertsRequest::default());
                // A failing alerts call leaves the old list; the stream
                // notices a dead broker.
                if let Ok(Ok(r)) = tokio::time::timeout(interval.max(Duration::from_secs(1)), call).await {
                    if tx.send(Feed::Alerts(r.into_inner().alerts)).await.is_err() {
                        return Ok(());
                    }
                }
            },
            cmd = commands.recv() => match cmd {
                Some(Command::Ack { id, note }) => {
                    let mut admin = client.admin_raw();
                    let call = admin.ack_alert(AckAlertRequest { id: id.clone(), note });
                    let answer = match tokio::time::timeout(Duration::from_secs(5), call).await {
                        Ok(Ok(_)) => Ok(format!("acknowledged {id}")),
                        Ok(Err(status)) => Err(mq::Error::from(status).to_string()),
                        Err(_) => Err(format!("{id}: no answer within 5s")),
                    };
                    if tx.send(Feed::Acked(answer)).await.is_err() {
                        return Ok(());
                    }
                    alerts_tick.reset_immediately();
                }
                None => return Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_limit() {
        let secs: Vec<u64> = (1..=7).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 15, 15, 15]);
    }

    #[tokio::test]
    async fn an_absent_broker_is_reported_unreachable_with_a_retry() {
        // A port nothing listens on: bind, read the port, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let (tx, mut rx) = mpsc::channel(8);
        let (_cmd_tx, cmd_rx) = mpsc::channel(1);
        let task = tokio::spawn(run(
            format!("http://127.0.0.1:{port}"),
            Duration::from_secs(1),
            tx,
            cmd_rx,
        ));
        assert!(matches!(
            rx.recv().await,
            Some(Feed::Connecting { attempt: 1 })
        ));
        match rx.recv().await {
            Some(Feed::Unreachable {
                attempt,
                retry_in,
                error,
            }) => {
                assert_eq!((attempt, retry_in), (1, Duration::from_secs(1)));
                assert!(!error.is_empty());
            }
            other => panic!("expected unreachable, got {other:?}"),
        }
        drop(rx);
        task.abort();
    }
}
