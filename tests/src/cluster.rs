//! A cluster of real mqd processes on loopback, for the cluster tests:
//! fixed ports chosen up front (every node needs the peer list before
//! any starts), one data directory per node, and kill/restart by node id.

use std::collections::BTreeMap;
use std::time::Duration;

use mq::proto::admin_client::AdminClient;
use mq::proto::{
    BrokerStatus, ClusterStatusRequest, ClusterStatusResponse, DescribePartitionsRequest,
    ListBrokersRequest, PartitionReplicas,
};
use tonic::transport::Channel;

use crate::{DataDir, Mqd};

/// Fast liveness for tests: a silent broker is fenced within 2 s, and a
/// follower that stops fetching leaves the ISR within 2 s.
pub const CLUSTER_CONFIG: &str = "[cluster]\nheartbeat_interval_ms = 250\nsession_timeout_ms = 2000\nreplica_lag_time_max_ms = 2000\n";

pub struct Cluster {
    pub dirs: BTreeMap<u32, DataDir>,
    pub nodes: BTreeMap<u32, Option<Mqd>>,
    addresses: BTreeMap<u32, String>,
    peers: String,
    /// More mqd flags for every node.
    extra: Vec<String>,
}

/// A loopback port free right now (the OS may hand it out again later,
/// which a test run tolerates: a clash fails the start loudly).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    /// Starts `n` nodes (ids 1..=n) and returns once each is listening
    /// (not once the controller is elected; see `wait_healthy`).
    pub fn start(n: u32) -> Cluster {
        Cluster::start_with(n, &[])
    }

    /// As [`start`](Self::start), passing `extra` flags to every node.
    pub fn start_with(n: u32, extra: &[&str]) -> Cluster {
        let addresses: BTreeMap<u32, String> = (1..=n)
            .map(|id| (id, format!("127.0.0.1:{}", free_port())))
            .collect();
        let peers = addresses
            .iter()
            .map(|(id, a)| format!("{id}={a}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut cluster = Cluster {
            dirs: (1..=n).map(|id| (id, DataDir::new())).collect(),
            nodes: BTreeMap::new(),
            addresses,
            peers,
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        for id in 1..=n {
            cluster.start_node(id);
        }
        cluster
    }

    pub fn start_node(&mut self, id: u32) {
        let node_id = id.to_string();
        let listen = self.addresses[&id].clone();
        let mut args = vec![
            "--node-id",
            &node_id,
            "--listen",
            &listen,
            "--peers",
            &self.peers,
        ];
        args.extend(self.extra.iter().map(String::as_str));
        let mqd = Mqd::start_with_config(&self.dirs[&id], CLUSTER_CONFIG, &args);
        self.nodes.insert(id, Some(mqd));
    }

    pub fn node(&self, id: u32) -> &Mqd {
        self.nodes[&id].as_ref().expect("node is running")
    }

    pub fn url(&self, id: u32) -> String {
        format!("http://{}", self.addresses[&id])
    }

    /// Every node's address, as a client's bootstrap list.
    pub fn bootstrap(&self) -> String {
        self.addresses
            .keys()
            .map(|id| self.url(*id))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn kill9(&mut self, id: u32) {
        if let Some(mut mqd) = self.nodes.insert(id, None).flatten() {
            mqd.kill9();
        }
    }

    /// SIGTERM, and the exit status once it has stopped.
    pub async fn terminate(&mut self, id: u32) -> std::process::ExitStatus {
        let mut mqd = self
            .nodes
            .insert(id, None)
            .flatten()
            .expect("node is running");
        mqd.terminate(Duration::from_secs(30)).await
    }

    pub fn running(&self) -> Vec<u32> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.is_some())
            .map(|(id, _)| *id)
            .collect()
    }

    /// An Admin call to node `id`; None if it is down or slow to answer.
    async fn admin<T, F>(&self, id: u32, call: impl FnOnce(AdminClient<Channel>) -> F) -> Option<T>
    where
        F: std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        let client = mq::Client::connect(&self.url(id)).await.ok()?;
        let answer = tokio::time::timeout(Duration::from_secs(2), call(client.admin_raw()));
        answer.await.ok()?.ok().map(tonic::Response::into_inner)
    }

    pub async fn status(&self, id: u32) -> Option<ClusterStatusResponse> {
        self.admin(id, async |mut a| {
            a.cluster_status(ClusterStatusRequest {}).await
        })
        .await
    }

    pub async fn brokers(&self, id: u32) -> Option<Vec<BrokerStatus>> {
        self.admin(id, async |mut a| {
            a.list_brokers(ListBrokersRequest {}).await
        })
        .await
        .map(|r| r.brokers)
    }

    /// The controller every running node agrees on, once they all do.
    pub async fn agreed_controller(&self) -> Option<u32> {
        let mut seen = None;
        for id in self.running() {
            let leader = self.status(id).await?.controller_id?;
            if *seen.get_or_insert(leader) != leader {
                return None;
            }
        }
        seen
    }

    /// Waits until the running nodes agree on a controller, have applied
    /// the same controller log (so no node answers from a stale view, such
    /// as a restarted one that has not caught up yet) and each shows
    /// exactly `alive` brokers alive; returns the controller.
    pub async fn wait_settled(&self, alive: &[u32], timeout: Duration) -> u32 {
        let what = format!("controller agreed, logs applied alike and brokers {alive:?} alive");
        crate::wait_for(timeout, &what, async || {
            let controller = self.agreed_controller().await?;
            let mut applied = None;
            for id in self.running() {
                let index = self.status(id).await?.applied_index;
                if *applied.get_or_insert(index) != index {
                    return None;
                }
                let brokers = self.brokers(id).await?;
                let up: Vec<u32> = brokers
                    .iter()
                    .filter(|b| b.alive)
                    .map(|b| b.node_id)
                    .collect();
                if up != alive {
                    return None;
                }
            }
            Some(controller)
        })
        .await
    }

    /// One partition as node `id` describes it (None if it cannot answer).
    pub async fn partition(
        &self,
        id: u32,
        topic: &str,
        partition: u32,
    ) -> Option<PartitionReplicas> {
        let topic = topic.to_string();
        self.admin(id, async |mut a| {
            a.describe_partitions(DescribePartitionsRequest {
                topic,
                ..Default::default()
            })
            .await
        })
        .await?
        .partitions
        .into_iter()
        .find(|p| p.partition == partition)
    }

    /// The leader of a partition once every running node but `except`
    /// agrees on one that is running and not in `except`, and it serves.
    pub async fn wait_leader(
        &self,
        topic: &str,
        partition: u32,
        except: &[u32],
        timeout: Duration,
    ) -> u32 {
        let what = format!("{topic}/{partition} led by a node outside {except:?}");
        crate::wait_for(timeout, &what, async || {
            let mut seen = None;
            for id in self.running().into_iter().filter(|id| !except.contains(id)) {
                let p = self.partition(id, topic, partition).await?;
                if p.offline || *seen.get_or_insert(p.leader) != p.leader {
                    return None;
                }
            }
            seen.filter(|l| !except.contains(l) && self.running().contains(l))
        })
        .await
    }

    /// Waits until the leader of a partition (asked through `via`) reports
    /// exactly `isr` in sync, and every replica in it has the leader's log
    /// end.
    pub async fn wait_in_sync(
        &self,
        via: u32,
        topic: &str,
        partition: u32,
        isr: &[u32],
        timeout: Duration,
    ) {
        let what = format!("{topic}/{partition} with ISR {isr:?} and equal log ends");
        crate::wait_for(timeout, &what, async || {
            let p = self.partition(via, topic, partition).await?;
            let mut got = p.isr.clone();
            got.sort_unstable();
            if got != isr {
                return None;
            }
            let end = self
                .partition(p.leader, topic, partition)
                .await?
                .log_end_offset;
            for r in isr {
                if self.partition(*r, topic, partition).await?.log_end_offset != end {
                    return None;
                }
            }
            Some(())
        })
        .await
    }
}
