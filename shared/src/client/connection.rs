//! Connecting to a broker from a bootstrap list, and to the broker that
//! leads each partition.
//!
//! A client keeps a metadata cache (partition → leader address) and one
//! channel per broker. Produce and fetch calls go to the leader; when a
//! broker answers NOT_LEADER or cannot be reached, the entry is forgotten
//! and the next call refreshes metadata, so a leader moving (a failover, a
//! rolling restart) costs a retry, not an error.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tonic::transport::{Channel, Endpoint};

use crate::proto::MetadataRequest;

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
    routes: Arc<Routes>,
}

/// What a client and its clones know of the cluster.
struct Routes {
    /// The server list given to `connect`, for when every known broker fails.
    bootstrap: String,
    connect_timeout: Duration,
    /// Leader address by partition.
    leaders: Mutex<HashMap<(String, u32), String>>,
    /// Channel by broker address (connected lazily).
    channels: Mutex<HashMap<String, Channel>>,
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
            let endpoint = keep_alive(endpoint)
                .connect_timeout(timeout)
                .tcp_nodelay(true)
                .http2_adaptive_window(true)
                .initial_stream_window_size(Some(4 * 1024 * 1024))
                .initial_connection_window_size(Some(16 * 1024 * 1024));
            match endpoint.connect().await {
                Ok(channel) => {
                    let routes = Arc::new(Routes {
                        bootstrap: servers.to_string(),
                        connect_timeout: timeout,
                        leaders: Mutex::new(HashMap::new()),
                        channels: Mutex::new(HashMap::from([(address.clone(), channel.clone())])),
                    });
                    return Ok(Client {
                        address,
                        channel,
                        routes,
                    });
                }
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

    /// A client on the broker that leads `topic`/`partition`, from the
    /// metadata cache (refreshed when it has no entry). On a single node,
    /// this client itself.
    pub async fn for_partition(&self, topic: &str, partition: u32) -> Result<Client> {
        let key = (topic.to_string(), partition);
        let cached = self.routes.leaders.lock().get(&key).cloned();
        let address = match cached {
            Some(address) => address,
            None => {
                self.refresh_leaders(topic).await?;
                self.routes
                    .leaders
                    .lock()
                    .get(&key)
                    .cloned()
                    .ok_or_else(|| Error::Broker {
                        code: tonic::Code::Unavailable,
                        reason: Some(crate::reason::NOT_LEADER.to_string()),
                        message: format!(
                            "{topic}/{partition} has no leader right now (its in-sync replicas are down); retrying"
                        ),
                        metadata: Vec::new(),
                    })?
            }
        };
        Ok(self.on_address(&address))
    }

    /// The brokers leading `topic`'s partitions, each with the partitions
    /// it leads, from the metadata cache (looked up afresh with `refresh`,
    /// or when the cache knows none). Partitions with no leader right now
    /// are left out.
    pub async fn partition_leaders(
        &self,
        topic: &str,
        refresh: bool,
    ) -> Result<Vec<(Client, Vec<u32>)>> {
        let cached = |routes: &Routes| {
            let mut by_address: BTreeMap<String, Vec<u32>> = BTreeMap::new();
            for ((t, partition), address) in routes.leaders.lock().iter() {
                if t == topic {
                    by_address
                        .entry(address.clone())
                        .or_default()
                        .push(*partition);
                }
            }
            by_address
        };
        let mut by_address = if refresh {
            BTreeMap::new()
        } else {
            cached(&self.routes)
        };
        if by_address.is_empty() {
            self.refresh_leaders(topic).await?;
            by_address = cached(&self.routes);
        }
        Ok(by_address
            .into_iter()
            .map(|(address, mut partitions)| {
                partitions.sort_unstable();
                (self.on_address(&address), partitions)
            })
            .collect())
    }

    /// A client on another broker this client knows of (from the bootstrap
    /// list or metadata), taken in turn after this one; None when it knows
    /// no other.
    pub fn other_broker(&self) -> Option<Client> {
        let mut known: Vec<String> = self.routes.channels.lock().keys().cloned().collect();
        known.extend(split(&self.routes.bootstrap).map(normalize));
        known.sort();
        known.dedup();
        let next = known
            .iter()
            .find(|a| a.as_str() > self.address.as_str())
            .or_else(|| known.first())
            .filter(|a| **a != self.address)?;
        Some(self.on_address(next))
    }

    /// Forgets where `topic`/`partition` is led (after NOT_LEADER or a
    /// failed connection), so the next call asks again.
    pub fn forget_leader(&self, topic: &str, partition: u32) {
        self.routes
            .leaders
            .lock()
            .remove(&(topic.to_string(), partition));
    }

    /// Whether an error means the cached leader is wrong or gone.
    pub fn is_stale_route(err: &Error) -> bool {
        matches!(err, Error::Unreachable { .. })
            || err.reason() == Some(crate::reason::NOT_LEADER)
            || err.reason() == Some(crate::reason::SHUTTING_DOWN)
            || matches!(err, Error::Broker { code, .. } if matches!(code, tonic::Code::Unavailable | tonic::Code::Cancelled | tonic::Code::Unknown))
    }

    /// A client on `address` (as a broker advertised it), sharing this
    /// one's caches and channels.
    pub fn on_address(&self, address: &str) -> Client {
        if address == self.address {
            return self.clone();
        }
        let channel = {
            let mut channels = self.routes.channels.lock();
            match channels.get(address) {
                Some(c) => c.clone(),
                None => match endpoint(address) {
                    Ok((_, endpoint)) => {
                        let channel = keep_alive(endpoint)
                            .connect_timeout(self.routes.connect_timeout)
                            .tcp_nodelay(true)
                            .http2_adaptive_window(true)
                            .initial_stream_window_size(Some(4 * 1024 * 1024))
                            .initial_connection_window_size(Some(16 * 1024 * 1024))
                            .connect_lazy();
                        channels.insert(address.to_string(), channel.clone());
                        channel
                    }
                    // An address the broker advertised that is not a URL:
                    // stay on this connection rather than fail.
                    Err(_) => return self.clone(),
                },
            }
        };
        Client {
            address: address.to_string(),
            channel,
            routes: self.routes.clone(),
        }
    }

    /// Asks for `topic`'s leaders: this broker first, then every other
    /// broker this client knows, then the bootstrap list.
    async fn refresh_leaders(&self, topic: &str) -> Result<()> {
        let mut candidates = vec![self.address.clone()];
        candidates.extend(self.routes.channels.lock().keys().cloned());
        candidates.extend(split(&self.routes.bootstrap).map(normalize));
        candidates.dedup();
        let mut last_error = None;
        for address in candidates {
            let client = self.on_address(&address);
            let request = MetadataRequest {
                topics: vec![topic.to_string()],
            };
            let response = match client.broker().metadata(request).await {
                Ok(r) => r.into_inner(),
                Err(status) => {
                    let err = Error::from(status);
                    // A missing topic is the answer, not a broker problem.
                    if !Client::is_stale_route(&err) {
                        return Err(err);
                    }
                    last_error = Some(err);
                    continue;
                }
            };
            let addresses: HashMap<u32, String> = response
                .brokers
                .iter()
                .map(|b| (b.node_id, normalize(&b.address)))
                .collect();
            // One broker: stay on the connection the application made.
            let single = response.brokers.len() <= 1;
            let mut leaders = self.routes.leaders.lock();
            for t in &response.topics {
                for p in &t.partitions {
                    let key = (t.name.clone(), p.partition);
                    let address = if single {
                        Some(client.address.clone())
                    } else {
                        addresses.get(&p.leader).cloned()
                    };
                    match address {
                        Some(a) if p.leader != 0 || single => {
                            leaders.insert(key, a);
                        }
                        _ => {
                            leaders.remove(&key);
                        }
                    }
                }
            }
            return Ok(());
        }
        Err(last_error.unwrap_or_else(no_server))
    }
}

/// HTTP/2 pings on every connection, idle or not: a broker host that
/// vanished (or a process that hangs) without closing the connection is
/// noticed within seconds, so calls move to another broker.
fn keep_alive(endpoint: Endpoint) -> Endpoint {
    endpoint
        .http2_keep_alive_interval(Duration::from_secs(2))
        .keep_alive_timeout(Duration::from_secs(3))
        .keep_alive_while_idle(true)
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

pub(crate) fn normalize(server: &str) -> String {
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
