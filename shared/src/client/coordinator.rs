//! Finding the broker that coordinates a consumer group. On a single node
//! it is that node. In a cluster one broker holds each group's members;
//! any other answers `NOT_COORDINATOR` naming it, and a coordinator that
//! stops answering (it died; the group moves once the cluster fences it)
//! is replaced by asking another known broker.

use std::future::Future;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::reason;
use crate::Client;

/// How long a group call keeps following redirects and retrying other
/// brokers before it reports the failure (a failover: a session timeout
/// and an election).
const PATIENCE: Duration = Duration::from_secs(15);
/// The pause before asking again when the answer brought nothing new.
const PAUSE: Duration = Duration::from_millis(200);

pub(crate) struct Coordinator {
    current: Mutex<Client>,
}

impl Coordinator {
    pub(crate) fn new(client: Client) -> Self {
        Coordinator {
            current: Mutex::new(client),
        }
    }

    /// Where the group's calls go now.
    pub(crate) fn client(&self) -> Client {
        self.current.lock().clone()
    }

    /// Learns from a failed call where to send the next: the coordinator a
    /// `NOT_COORDINATOR` answer names, or another broker when this one is
    /// gone. Returns whether a retry can succeed, and whether it should
    /// wait first (nothing new was learnt).
    pub(crate) fn follow(&self, err: &Error) -> Option<bool> {
        let mut current = self.current.lock();
        if err.reason() == Some(reason::NOT_COORDINATOR) {
            return Some(match err.metadata("coordinator_address") {
                Some(address) => {
                    *current = current.on_address(&crate::client::connection::normalize(address));
                    false
                }
                // No broker is alive to coordinate: ask again shortly.
                None => true,
            });
        }
        if Client::is_stale_route(err) {
            let next = current.other_broker()?;
            *current = next;
            return Some(true);
        }
        None
    }

    /// Runs a group call, following redirects and moving past dead
    /// brokers for up to `PATIENCE`.
    pub(crate) async fn call<T, F, Fut>(&self, mut call: F) -> Result<T>
    where
        F: FnMut(Client) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let give_up = Instant::now() + PATIENCE;
        loop {
            let err = match call(self.client()).await {
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            match self.follow(&err) {
                Some(pause) if Instant::now() < give_up => {
                    if pause {
                        tokio::time::sleep(PAUSE).await;
                    }
                }
                _ => return Err(err),
            }
        }
    }
}
