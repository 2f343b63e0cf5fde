//! Webhook delivery: each URL has its own queue and task, so a slow or dead
//! receiver delays nothing but its own notifications. A POST that fails is
//! retried with exponential backoff (1 s doubling to 60 s) until it is
//! delivered; events wait in order behind it, up to a bound.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Events queued per webhook before new ones are dropped (and logged).
pub const QUEUE: usize = 1000;
const TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// An `http://host:port/path` URL, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    host: String,
    port: u16,
    path: String,
}

impl Webhook {
    pub fn parse(url: &str) -> Result<Webhook, String> {
        let rest = if let Some(rest) = url.strip_prefix("http://") {
            rest
        } else if url.starts_with("https://") {
            return Err(format!(
                "webhook {url:?}: https is not supported yet; use an http:// endpoint (a relay on the host, for example)"
            ));
        } else {
            return Err(format!("webhook {url:?} is not an http:// URL"));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| format!("webhook {url:?}: port {p:?} is not a number"))?,
            ),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(format!("webhook {url:?} has no host"));
        }
        Ok(Webhook {
            url: url.to_string(),
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
            path: path.to_string(),
        })
    }

    async fn post(&self, body: Bytes) -> Result<(), String> {
        let connect = TcpStream::connect((self.host.as_str(), self.port));
        let stream = tokio::time::timeout(TIMEOUT, connect)
            .await
            .map_err(|_| "connect timed out".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let request = http::Request::post(self.path.as_str())
            .header(http::header::HOST, format!("{}:{}", self.host, self.port))
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("mqd/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(body))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(TIMEOUT, sender.send_request(request))
            .await
            .map_err(|_| "no answer in time".to_string())?
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered {}", response.status()))
        }
    }
}

/// Delivers `events` to `webhook` in order until shutdown.
pub async fn deliver(
    webhook: Webhook,
    mut events: mpsc::Receiver<serde_json::Value>,
    shutdown: CancellationToken,
) {
    loop {
        let event = tokio::select! {
            e = events.recv() => match e { Some(e) => e, None => return },
            _ = shutdown.cancelled() => return,
        };
        let body = Bytes::from(event.to_string());
        let mut backoff = Duration::from_secs(1);
        loop {
            match webhook.post(body.clone()).await {
                Ok(()) => break,
                Err(why) => {
                    tracing::warn!(url = %webhook.url, %why, retry_in_ms = backoff.as_millis() as u64, "webhook delivery failed");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = shutdown.cancelled() => return,
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        let w = Webhook::parse("http://hooks.local:9000/mq/alerts").unwrap();
        assert_eq!(
            (w.host.as_str(), w.port, w.path.as_str()),
            ("hooks.local", 9000, "/mq/alerts")
        );
        assert_eq!(Webhook::parse("http://h").unwrap().port, 80);
        assert!(Webhook::parse("ftp://h/x")
            .unwrap_err()
            .contains("not an http"));
        assert!(Webhook::parse("https://h/x")
            .unwrap_err()
            .contains("https is not supported"));
        assert!(Webhook::parse("http://h:port/x").is_err());
        assert!(Webhook::parse("http://:80/").is_err());
    }
}
