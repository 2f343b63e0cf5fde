//! Connecting to a broker from a bootstrap list.

use std::time::Duration;

use tonic::transport::{Channel, Endpoint};

use crate::error::{Error, Result};
use crate::proto::admin_client::AdminClient;
use crate::proto::broker_client::BrokerClient;

/// Largest gRPC message a client accepts or sends (fetches are bounded by
/// max_bytes well below this).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// A connection to mq: the data plane and the admin API over one HTTP/2
/// channel. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Client {
    address: String,
    channel: Channel,
}

impl Client {
    /// Connects to the first reachable server of a comma-separated list
    /// (`http://127.0.0.1:7420,http://10.0.0.2:7420`). A bare `host:port`
    /// is taken as `http://host:port`.
    pub async fn connect(servers: &str) -> Result<Self> {
        Self::connect_with_timeout(servers, Duration::from_secs(5)).await
    }

    /// Checks a server list without connecting, so a tool can refuse a
    /// mistyped address at once instead of retrying it forever.
    pub fn check_servers(servers: &str) -> Result<()> {
        let mut any = false;
        for server in split(servers) {
            any = true;
            endpoint(server)?;
        }
        if any {
            Ok(())
        } else {
            Err(no_server())
        }
    }

    /// As [`Client::connect`], giving up on each address after `timeout`.
    pub async fn connect_with_timeout(servers: &str, timeout: Duration) -> Result<Self> {
        let mut last_error = None;
        for server in split(servers) {
            let (address, endpoint) = match endpoint(server) {
                Ok(parsed) => parsed,
                Err(e) => {
                    last_error = Some(e);
                    continue;
                }
            };
            let endpoint = endpoint
                .connect_timeout(timeout)
                .tcp_nodelay(true)
                .http2_adaptive_window(true)
                .initial_stream_window_size(Some(4 * 1024 * 1024))
                .initial_connection_window_size(Some(16 * 1024 * 1024));
            match endpoint.connect().await {
                Ok(channel) => return Ok(Client { address, channel }),
                Err(e) => {
                    last_error = Some(Error::Unreachable {
                        address,
                        detail: source_chain(&e),
                    })
                }
            }
        }
        Err(last_error.unwrap_or_else(no_server))
    }

    /// The address this client is connected to.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The generated data-plane client, for calls the library does not wrap.
    pub fn broker(&self) -> BrokerClient<Channel> {
        BrokerClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// The generated admin client, for calls the library does not wrap.
    pub fn admin_raw(&self) -> AdminClient<Channel> {
        AdminClient::new(self.channel.clone())
    }
}

/// The entries of a comma-separated server list.
fn split(servers: &str) -> impl Iterator<Item = &str> {
    servers.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// One server entry as an address and an endpoint, or why it is not one.
fn endpoint(server: &str) -> Result<(String, Endpoint)> {
    let address = normalize(server);
    let endpoint = Endpoint::from_shared(address.clone()).map_err(|e| {
        Error::InvalidArgument(format!(
            "server address {server:?} is not a URL ({e}); use http://HOST:PORT"
        ))
    })?;
    Ok((address, endpoint))
}

fn no_server() -> Error {
    Error::InvalidArgument("no server address given; use http://HOST:PORT".into())
}

fn normalize(server: &str) -> String {
    if server.contains("://") {
        server.to_string()
    } else {
        format!("http://{server}")
    }
}

fn source_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
