//! Webhook delivery: each URL has its own queue and task, so a slow or dead
//! receiver delays nothing but its own notifications. A POST that fails is
//! retried with exponential backoff (1 s doubling to 60 s) until it is
//! delivered; events wait in order behind it, up to a bound.
//!
//! https endpoints are verified against the Mozilla roots built into the
//! binary (no system certificate store needed, so the sandboxed service
//! works anywhere) plus, for private endpoints, the CAs of
//! `alerts.webhook_ca_file`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;
use tokio_util::sync::CancellationToken;

/// Events queued per webhook before new ones are dropped (and logged).
pub const QUEUE: usize = 1000;
const TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The certificates https webhooks are verified against.
#[derive(Clone)]
pub struct Trust {
    /// The extra CA file, if any (what the config named).
    pub ca_file: Option<PathBuf>,
    /// Its certificates, so a reload notices a file rewritten in place.
    ca_certs: Vec<CertificateDer<'static>>,
    config: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust")
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// Two trusts are the same when they add the same certificates from the
/// same file.
impl PartialEq for Trust {
    fn eq(&self, other: &Trust) -> bool {
        self.ca_file == other.ca_file && self.ca_certs == other.ca_certs
    }
}

impl Trust {
    /// The built-in roots, plus every certificate in `ca_file` (PEM).
    pub fn load(ca_file: Option<&Path>) -> Result<Trust, String> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let mut ca_certs = Vec::new();
        if let Some(path) = ca_file {
            let shown = path.display();
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("cannot read {shown}: {e}"))?
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{shown} is not a PEM certificate file: {e}"))?;
            if certs.is_empty() {
                return Err(format!(
                    "{shown} holds no certificate (expected PEM \"BEGIN CERTIFICATE\" blocks)"
                ));
            }
            for cert in certs {
                roots
                    .add(cert.clone())
                    .map_err(|e| format!("{shown}: a certificate cannot be a trust anchor: {e}"))?;
                ca_certs.push(cert);
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Trust {
            ca_file: ca_file.map(Path::to_path_buf),
            ca_certs,
            config: Arc::new(config),
        })
    }
}

/// An `http://` or `https://` `host:port/path` URL, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    host: String,
    port: u16,
    path: String,
    tls: bool,
}

impl Webhook {
    pub fn parse(url: &str) -> Result<Webhook, String> {
        let (rest, tls) = if let Some(rest) = url.strip_prefix("http://") {
            (rest, false)
        } else if let Some(rest) = url.strip_prefix("https://") {
            (rest, true)
        } else {
            return Err(format!("webhook {url:?} is not an http:// or https:// URL"));
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
            None => (authority, if tls { 443 } else { 80 }),
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
            tls,
        })
    }

    async fn post(&self, body: Bytes, trust: &Trust) -> Result<(), String> {
        let connect = TcpStream::connect((self.host.as_str(), self.port));
        let stream = tokio::time::timeout(TIMEOUT, connect)
            .await
            .map_err(|_| "connect timed out".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        if !self.tls {
            return self.exchange(TokioIo::new(stream), body).await;
        }
        let name = ServerName::try_from(self.host.clone())
            .map_err(|e| format!("{:?} is not a valid TLS server name: {e}", self.host))?;
        let handshake = TlsConnector::from(trust.config.clone()).connect(name, stream);
        let stream = tokio::time::timeout(TIMEOUT, handshake)
            .await
            .map_err(|_| "TLS handshake timed out".to_string())?
            .map_err(|e| format!("TLS: {e}"))?;
        self.exchange(TokioIo::new(stream), body).await
    }

    /// One POST over an open connection.
    async fn exchange<T>(&self, io: TokioIo<T>, body: Bytes) -> Result<(), String>
    where
        T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let default_port = if self.tls { 443 } else { 80 };
        let host = if self.port == default_port {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        };
        let request = http::Request::post(self.path.as_str())
            .header(http::header::HOST, host)
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
    trust: Trust,
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
            match webhook.post(body.clone(), &trust).await {
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
        let https = Webhook::parse("https://hooks.example.com/x").unwrap();
        assert_eq!((https.port, https.tls), (443, true));
        assert!(Webhook::parse("http://h:port/x").is_err());
        assert!(Webhook::parse("http://:80/").is_err());
    }

    #[test]
    fn a_ca_file_must_hold_certificates() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Trust::load(None).is_ok());
        let missing = Trust::load(Some(&dir.path().join("none.pem"))).unwrap_err();
        assert!(
            missing.contains("cannot read") && missing.contains("none.pem"),
            "{missing}"
        );
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = Trust::load(Some(&empty)).unwrap_err();
        assert!(err.contains("holds no certificate"), "{err}");
    }
}
