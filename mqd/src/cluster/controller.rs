//! The controller as the rest of mqd uses it: metadata writes (forwarded
//! to the Raft leader from any node), the replicated state, broker
//! heartbeats and fencing, and the figures behind ClusterStatus and
//! ListBrokers.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::liveness::{Heartbeat, HeartbeatReply, Liveness};
use super::raft::{Proposal, RaftNode, RaftStatus};
use super::state::{Applied, ClusterState, Command};
use super::transport::{PeerCall, PeerTransport};
use super::{ClusterError, ClusterSettings};

/// Longest a metadata write waits for a commit.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a clean shutdown waits to tell the controller it is leaving.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(3);

/// Who this node is, as it announces itself.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    pub node_id: u32,
    /// This node's own cluster id (kept in its metadata store), given to
    /// the cluster if it is the first controller leader.
    pub cluster_id: String,
    pub address: String,
    pub version: String,
}

/// A broker as ListBrokers shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerView {
    pub node_id: u32,
    pub address: String,
    pub version: String,
    /// Registered and not fenced.
    pub alive: bool,
    pub last_heartbeat: Option<Duration>,
    pub partitions_led: u32,
    pub incarnation: u64,
    /// Why it is not alive, in words.
    pub down_reason: Option<String>,
    /// A voter not registered yet while this node is in its first session
    /// timeout: probably still starting, not yet worth an alert.
    pub starting: bool,
    pub is_controller: bool,
}

pub struct Controller {
    raft: RaftNode,
    state: watch::Receiver<Arc<ClusterState>>,
    transport: Arc<dyn PeerTransport>,
    liveness: Mutex<Liveness>,
    me: NodeInfo,
    boot_id: u64,
    started: Instant,
    /// Started without peers: the only voter.
    alone: bool,
    settings: ClusterSettings,
}

impl Controller {
    pub async fn start(
        me: NodeInfo,
        voters: &BTreeMap<u32, String>,
        dir: &Path,
        transport: Arc<dyn PeerTransport>,
        settings: ClusterSettings,
    ) -> Result<Arc<Self>, ClusterError> {
        let (raft, state) = RaftNode::start(
            me.node_id,
            voters,
            dir,
            transport.clone(),
            settings.compaction,
        )
        .await?;
        let boot_id = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Ok(Arc::new(Controller {
            raft,
            state,
            transport,
            liveness: Mutex::new(Liveness::new(settings.session_timeout)),
            me,
            boot_id,
            started: Instant::now(),
            alone: voters.len() == 1,
            settings,
        }))
    }

    /// A node that is its own only voter leads at once; it registers
    /// before it reports ready, so it never lists itself as down. (In a
    /// cluster, registration waits for a quorum and the first heartbeat.)
    pub async fn register_alone(&self) -> Result<(), ClusterError> {
        // The configured voters: openraft's metrics may not show the
        // membership yet this early.
        if !self.alone {
            return Ok(());
        }
        let deadline = Instant::now() + WRITE_TIMEOUT;
        while !self.raft.is_leader() {
            if Instant::now() >= deadline {
                return Err(ClusterError::Timeout(WRITE_TIMEOUT));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.on_heartbeat(self.heartbeat(0)).await.map(|_| ())
    }

    fn heartbeat(&self, partitions_led: u32) -> Heartbeat {
        Heartbeat {
            node_id: self.me.node_id,
            address: self.me.address.clone(),
            version: self.me.version.clone(),
            boot_id: self.boot_id,
            partitions_led,
        }
    }

    pub fn node_id(&self) -> u32 {
        self.me.node_id
    }

    /// The cluster's id: the controller's once it has named the cluster,
    /// this node's own until then (and on a single node, always the same).
    pub fn cluster_id(&self) -> String {
        self.state
            .borrow()
            .cluster_id
            .clone()
            .unwrap_or_else(|| self.me.cluster_id.clone())
    }

    /// The replicated metadata as of the last applied entry.
    pub fn state(&self) -> Arc<ClusterState> {
        self.state.borrow().clone()
    }

    /// A receiver that changes whenever an applied entry changes the state.
    pub fn watch_state(&self) -> watch::Receiver<Arc<ClusterState>> {
        self.state.clone()
    }

    /// Whether the state this node has applied includes its registration
    /// in this process's life: before that, its view may be far behind
    /// (a restart replaying the log) and must not delete anything.
    pub fn registered(&self) -> bool {
        self.state
            .borrow()
            .brokers
            .get(&self.me.node_id)
            .is_some_and(|b| b.boot_id == self.boot_id)
    }

    pub fn settings(&self) -> &ClusterSettings {
        &self.settings
    }

    pub fn status(&self) -> RaftStatus {
        self.raft.status()
    }

    /// Commits a metadata change through the Raft leader, wherever it is.
    pub async fn write(&self, command: Command) -> Result<Applied, ClusterError> {
        tokio::time::timeout(WRITE_TIMEOUT, self.write_inner(command))
            .await
            .map_err(|_| ClusterError::Timeout(WRITE_TIMEOUT))?
    }

    async fn write_inner(&self, command: Command) -> Result<Applied, ClusterError> {
        let leader = match self.raft.propose(command.clone()).await? {
            Proposal::Applied(applied) => return Ok(applied),
            Proposal::NotLeader(leader) => leader,
        };
        let Some((_, address)) = leader else {
            return Err(self.no_controller());
        };
        let body = serde_json::to_vec(&command).map_err(|e| ClusterError::Codec(e.to_string()))?;
        let reply = self
            .transport
            .call(&address, PeerCall::Forward, body, WRITE_TIMEOUT)
            .await
            .map_err(|reason| ClusterError::Unreachable {
                address: address.clone(),
                reason,
            })?;
        let result: Result<Applied, String> =
            serde_json::from_slice(&reply).map_err(|e| ClusterError::Codec(e.to_string()))?;
        result.map_err(|reason| ClusterError::Unreachable { address, reason })
    }

    fn no_controller(&self) -> ClusterError {
        ClusterError::NoController {
            voters: self.raft.status().voters.len(),
        }
    }

    /// Answers a peer: Raft messages go to Raft; forwarded writes and
    /// heartbeats are served here, and only while this node leads (no
    /// second hop, so a stale leader hint cannot loop a request).
    pub async fn serve_peer(&self, call: PeerCall, body: &[u8]) -> Result<Vec<u8>, ClusterError> {
        match call {
            PeerCall::Forward => {
                let command: Command =
                    serde_json::from_slice(body).map_err(|e| ClusterError::Codec(e.to_string()))?;
                let result = match self.raft.propose(command).await {
                    Ok(Proposal::Applied(applied)) => Ok(applied),
                    Ok(Proposal::NotLeader(leader)) => Err(ClusterError::NotController {
                        node_id: self.me.node_id,
                        leader: leader.map(|(id, _)| id),
                    }
                    .to_string()),
                    Err(e) => Err(e.to_string()),
                };
                encode(&result)
            }
            PeerCall::Heartbeat => {
                let heartbeat: Heartbeat =
                    serde_json::from_slice(body).map_err(|e| ClusterError::Codec(e.to_string()))?;
                let result = self
                    .on_heartbeat(heartbeat)
                    .await
                    .map_err(|e| e.to_string());
                encode(&result)
            }
            raft => self.raft.serve(raft, body).await,
        }
    }

    /// The leader's side of a heartbeat: note the broker alive, register it
    /// if it is new, fenced, restarted or moved, and reply with everyone's
    /// liveness.
    async fn on_heartbeat(&self, heartbeat: Heartbeat) -> Result<HeartbeatReply, ClusterError> {
        if !self.raft.is_leader() {
            return Err(ClusterError::NotController {
                node_id: self.me.node_id,
                leader: self.raft.status().leader,
            });
        }
        self.liveness.lock().record(&heartbeat, Instant::now());
        let state = self.state();
        let current = state.brokers.get(&heartbeat.node_id).is_some_and(|b| {
            b.fenced.is_none()
                && b.address == heartbeat.address
                && b.version == heartbeat.version
                && b.boot_id == heartbeat.boot_id
        });
        if !current {
            let applied = self
                .write(Command::Register {
                    node_id: heartbeat.node_id,
                    address: heartbeat.address.clone(),
                    version: heartbeat.version.clone(),
                    boot_id: heartbeat.boot_id,
                    at_ms: mq::record::now_ms(),
                })
                .await?;
            if let Applied::Registered { incarnation } = applied {
                tracing::info!(
                    node_id = heartbeat.node_id,
                    address = %heartbeat.address,
                    incarnation,
                    "broker registered"
                );
            }
        }
        Ok(HeartbeatReply {
            brokers: self.liveness.lock().table(Instant::now()),
        })
    }

    /// Sends this broker's heartbeats and, while this node leads, fences
    /// brokers that fall silent. Runs until shutdown.
    pub async fn run(
        self: Arc<Self>,
        partitions_led: impl Fn() -> u32 + Send + 'static,
        shutdown: CancellationToken,
    ) {
        let every = self.settings.heartbeat_interval;
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Failures are normal while the first election runs, so only a
        // run of them longer than a session is worth a warning.
        let mut failing_since: Option<Instant> = None;
        let mut warned = false;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.cancelled() => return,
            }
            match self.send_heartbeat(self.heartbeat(partitions_led())).await {
                Ok(()) => {
                    if std::mem::take(&mut warned) {
                        tracing::info!("heartbeats reach the controller again");
                    }
                    failing_since = None;
                }
                Err(e) => {
                    let since = *failing_since.get_or_insert_with(Instant::now);
                    if !warned && since.elapsed() >= self.settings.session_timeout {
                        warned = true;
                        tracing::warn!(error = %e, "heartbeats have not reached the controller for {:.0} s; retrying every {every:?}", since.elapsed().as_secs_f64());
                    } else {
                        tracing::debug!(error = %e, "heartbeat failed");
                    }
                }
            }
            self.name_cluster().await;
            self.fence_silent().await;
        }
    }

    async fn send_heartbeat(&self, heartbeat: Heartbeat) -> Result<(), ClusterError> {
        let status = self.raft.status();
        let reply = match status.leader {
            None => return Err(self.no_controller()),
            Some(leader) if leader == self.me.node_id => self.on_heartbeat(heartbeat).await?,
            Some(leader) => {
                let address =
                    status
                        .voters
                        .get(&leader)
                        .cloned()
                        .ok_or(ClusterError::NoController {
                            voters: status.voters.len(),
                        })?;
                let body = serde_json::to_vec(&heartbeat)
                    .map_err(|e| ClusterError::Codec(e.to_string()))?;
                let reply = self
                    .transport
                    .call(
                        &address,
                        PeerCall::Heartbeat,
                        body,
                        self.settings.session_timeout / 2,
                    )
                    .await
                    .map_err(|reason| ClusterError::Unreachable {
                        address: address.clone(),
                        reason,
                    })?;
                let reply: Result<HeartbeatReply, String> = serde_json::from_slice(&reply)
                    .map_err(|e| ClusterError::Codec(e.to_string()))?;
                reply.map_err(|reason| ClusterError::Unreachable { address, reason })?
            }
        };
        self.liveness
            .lock()
            .set_table(reply.brokers, Instant::now());
        Ok(())
    }

    /// The first leader names the cluster.
    async fn name_cluster(&self) {
        if !self.raft.is_leader() || self.state.borrow().cluster_id.is_some() {
            return;
        }
        let command = Command::InitCluster {
            cluster_id: self.me.cluster_id.clone(),
        };
        if let Err(e) = self.write(command).await {
            tracing::warn!(error = %e, "naming the cluster failed; retrying");
        }
    }

    async fn fence_silent(&self) {
        let now = Instant::now();
        let expired = {
            let mut liveness = self.liveness.lock();
            liveness.set_leader(self.raft.is_leader(), now);
            liveness.expired(&self.state(), now)
        };
        for e in expired {
            let reason = format!(
                "no heartbeat for {:.1} s (session timeout {:.1} s)",
                e.silent.as_secs_f64(),
                self.settings.session_timeout.as_secs_f64()
            );
            match self
                .write(Command::Fence {
                    node_id: e.node_id,
                    incarnation: e.incarnation,
                    at_ms: mq::record::now_ms(),
                    reason: reason.clone(),
                })
                .await
            {
                Ok(Applied::Fenced) => {
                    tracing::warn!(node_id = e.node_id, %reason, "broker fenced")
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(node_id = e.node_id, error = %err, "fencing a silent broker failed")
                }
            }
        }
    }

    /// Every registered broker and every voter, with liveness.
    pub fn brokers(&self) -> Vec<BrokerView> {
        let state = self.state();
        let status = self.raft.status();
        let liveness = self.liveness.lock();
        let now = Instant::now();
        let mut ids: Vec<u32> = state.brokers.keys().copied().collect();
        ids.extend(status.voters.keys());
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|id| {
                let heard = liveness.last_heard(id, now);
                let is_controller = status.leader == Some(id);
                match state.brokers.get(&id) {
                    Some(b) => BrokerView {
                        node_id: id,
                        address: b.address.clone(),
                        version: b.version.clone(),
                        alive: b.fenced.is_none(),
                        last_heartbeat: heard.map(|h| h.0),
                        partitions_led: heard.map_or(0, |h| h.1),
                        incarnation: b.incarnation,
                        down_reason: b.fenced.as_ref().map(|f| format!("fenced: {}", f.reason)),
                        starting: false,
                        is_controller,
                    },
                    None => BrokerView {
                        node_id: id,
                        address: status.voters.get(&id).cloned().unwrap_or_default(),
                        version: String::new(),
                        alive: false,
                        last_heartbeat: heard.map(|h| h.0),
                        partitions_led: 0,
                        incarnation: 0,
                        down_reason: Some("has not registered with the controller yet".into()),
                        starting: self.started.elapsed() < self.settings.session_timeout,
                        is_controller,
                    },
                }
            })
            .collect()
    }

    /// At a clean shutdown: tell the controller this broker is going, so
    /// it is fenced now rather than after a session of silence. Best
    /// effort: without a controller the session timeout does it later.
    pub async fn leave(&self) {
        if self.alone {
            return;
        }
        let Some(me) = self.state().brokers.get(&self.me.node_id).cloned() else {
            return;
        };
        if me.boot_id != self.boot_id || me.fenced.is_some() {
            return;
        }
        let fence = Command::Fence {
            node_id: me.node_id,
            incarnation: me.incarnation,
            at_ms: mq::record::now_ms(),
            reason: "shut down cleanly".into(),
        };
        let led_before = self.partitions_led_in_state();
        match tokio::time::timeout(LEAVE_TIMEOUT, self.write(fence)).await {
            Ok(Ok(_)) => {
                // Fencing moved the partitions it led to in-sync replicas;
                // wait until this node has applied that, so its last
                // answers already point clients at the new leaders.
                let deadline = Instant::now() + LEAVE_TIMEOUT;
                while self.partitions_led_in_state() > 0 && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                tracing::info!(
                    partitions_handed_over = led_before.saturating_sub(self.partitions_led_in_state()),
                    still_led = self.partitions_led_in_state(),
                    "told the controller this broker is leaving"
                );
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "could not tell the controller this broker is leaving; it will be fenced after the session timeout"),
            Err(_) => tracing::warn!("the controller did not confirm this broker's leaving within {LEAVE_TIMEOUT:?}; it will be fenced after the session timeout"),
        }
    }

    /// Partitions the applied state has this node leading.
    fn partitions_led_in_state(&self) -> usize {
        let me = self.me.node_id;
        self.state()
            .topics
            .values()
            .flat_map(|t| &t.partitions)
            .filter(|p| p.leader == Some(me) && p.isr.len() > 1)
            .count()
    }

    pub async fn shutdown(&self) {
        self.raft.shutdown().await;
    }
}

fn encode<T: serde::Serialize>(result: &Result<T, String>) -> Result<Vec<u8>, ClusterError> {
    serde_json::to_vec(result).map_err(|e| ClusterError::Codec(e.to_string()))
}
