//! Makes this node's replicas match the controller: topics and the local
//! partitions placed here exist (and only those), each leads or follows at
//! the controller's epoch, a fetcher runs for every followed partition,
//! and leaders ask the controller to shrink or grow their ISR.
//!
//! Runs on every change of the applied controller state, and on a short
//! tick for ISR decisions (which depend on time, not on the state).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::fetcher::{self, Assignment, Links};
use super::state::Role;
use crate::broker::Broker;
use crate::cluster::state::{parse_offset_key, Applied, ClusterState, Command};
use crate::meta::TopicRecord;

/// How often leaders look at their followers' lag.
const ISR_TICK: Duration = Duration::from_millis(200);

/// A running fetcher: which leader and epoch it copies from.
struct Running {
    leader: u32,
    epoch: i32,
    cancel: CancellationToken,
}

type Key = (String, u32);

pub async fn run(broker: Arc<Broker>, shutdown: CancellationToken) {
    let links = Arc::new(Links::default());
    let mut fetchers: HashMap<Key, Running> = HashMap::new();
    let pending_isr: Arc<parking_lot::Mutex<HashSet<Key>>> = Default::default();
    let mut state_rx = broker.cluster.watch_state();
    let mut applied: Option<Arc<ClusterState>> = None;
    loop {
        let state = state_rx.borrow_and_update().clone();
        if broker.cluster.registered() {
            let changed = applied.as_ref().is_none_or(|a| !Arc::ptr_eq(a, &state));
            if changed {
                match apply(&broker, &state, &mut fetchers, &links).await {
                    Ok(()) => applied = Some(state.clone()),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not apply the controller's partition placement; retrying")
                    }
                }
            }
            propose_isr_changes(&broker, &pending_isr);
        }
        tokio::select! {
            _ = state_rx.changed() => {}
            _ = tokio::time::sleep(ISR_TICK) => {}
            _ = shutdown.cancelled() => break,
        }
    }
    for (_, running) in fetchers {
        running.cancel.cancel();
    }
}

async fn apply(
    broker: &Arc<Broker>,
    state: &ClusterState,
    fetchers: &mut HashMap<Key, Running>,
    links: &Arc<Links>,
) -> crate::error::Result<()> {
    let me = broker.identity.node_id;
    let mut wanted: HashSet<Key> = HashSet::new();
    for (name, meta) in &state.topics {
        let local: Vec<u32> = (0..meta.partitions.len() as u32)
            .filter(|i| meta.partitions[*i as usize].replicas.contains(&me))
            .collect();
        let record = TopicRecord {
            name: name.clone(),
            partitions: meta.partitions.len() as u32,
            replication_factor: meta.replication_factor(),
            configs: meta.configs.clone(),
            created_ms: meta.created_ms,
            local: None,
        };
        let topic = broker.topics.materialize(record, local).await?;
        for p in topic.partitions() {
            let Some(pm) = meta.partitions.get(p.id() as usize) else {
                continue;
            };
            let role = match pm.leader {
                Some(l) if l == me => Role::Leader,
                Some(l) => Role::Follower { leader: l },
                None => Role::Offline,
            };
            p.assign(
                role,
                pm.leader_epoch,
                pm.replicas.clone(),
                pm.isr.clone(),
                broker.cluster.settings().replica_lag_time_max,
            );
            let key = (name.clone(), p.id());
            let Role::Follower { leader } = role else {
                continue;
            };
            wanted.insert(key.clone());
            let current = fetchers
                .get(&key)
                .is_some_and(|r| r.leader == leader && r.epoch == pm.leader_epoch);
            if current {
                continue;
            }
            let Some(address) = state.brokers.get(&leader).map(|b| b.address.clone()) else {
                continue;
            };
            if let Some(old) = fetchers.remove(&key) {
                old.cancel.cancel();
            }
            let cancel = CancellationToken::new();
            tokio::spawn(fetcher::run(
                p.clone(),
                Assignment {
                    me,
                    leader,
                    leader_address: address,
                    epoch: pm.leader_epoch,
                    max_bytes: broker.limits.max_fetch_bytes,
                },
                links.clone(),
                cancel.clone(),
            ));
            fetchers.insert(
                key,
                Running {
                    leader,
                    epoch: pm.leader_epoch,
                    cancel,
                },
            );
        }
    }
    mirror_offsets(broker, state).await?;
    fetchers.retain(|key, running| {
        let keep = wanted.contains(key);
        if !keep {
            running.cancel.cancel();
        }
        keep
    });
    for topic in broker.topics.list() {
        let name = topic.record().name;
        if !state.topics.contains_key(&name) {
            broker.drop_local_topic(&name).await?;
        }
    }
    Ok(())
}

/// Stores the controller's committed group offsets in this node's `meta/`,
/// where a group coordinated here reads them: members that reconnect to
/// this node after their coordinator died resume where they were. Groups
/// gone from the controller lose their offsets here too (unless members
/// are live here).
async fn mirror_offsets(broker: &Broker, state: &ClusterState) -> crate::error::Result<()> {
    for (group, stored) in &state.offsets {
        let local: HashMap<(String, u32), crate::meta::CommittedOffset> = broker
            .meta
            .offsets(group)?
            .into_iter()
            .map(|(t, p, c)| ((t, p), c))
            .collect();
        let newer: Vec<(String, u32, crate::meta::CommittedOffset)> = stored
            .iter()
            .filter_map(|(key, committed)| {
                let (topic, partition) = parse_offset_key(key)?;
                let current = local.get(&(topic.to_string(), partition));
                current
                    .is_none_or(|c| c.commit_ms < committed.commit_ms)
                    .then(|| (topic.to_string(), partition, committed.clone()))
            })
            .collect();
        if !newer.is_empty() {
            broker.meta.put_offsets(group, &newer).await?;
        }
    }
    for group in broker.meta.groups_with_offsets()? {
        if !state.offsets.contains_key(&group) && !broker.groups.has_live_members(&group) {
            broker.meta.delete_offsets(&group).await?;
        }
    }
    Ok(())
}

/// Leaders whose followers have fallen behind, or caught up, ask the
/// controller to change the ISR; one request per partition at a time.
fn propose_isr_changes(broker: &Arc<Broker>, pending: &Arc<parking_lot::Mutex<HashSet<Key>>>) {
    let lag = broker.cluster.settings().replica_lag_time_max;
    let now = Instant::now();
    for topic in broker.topics.list() {
        for p in topic.partitions() {
            let r = p.replica_state();
            let hw = p.state().high_watermark;
            let Some(isr) = r.wanted_isr(hw, lag, now) else {
                continue;
            };
            let key = (p.topic().to_string(), p.id());
            if !pending.lock().insert(key.clone()) {
                continue;
            }
            let command = Command::ChangeIsr {
                topic: key.0.clone(),
                partition: key.1,
                leader: r.me,
                leader_epoch: r.epoch,
                isr: isr.clone(),
            };
            let broker = broker.clone();
            let pending = pending.clone();
            tokio::spawn(async move {
                match broker.cluster.write(command).await {
                    Ok(Applied::Done) => {
                        tracing::info!(topic = %key.0, partition = key.1, from = ?r.isr, to = ?isr, "ISR changed");
                        let counter = if isr.len() < r.isr.len() {
                            &broker.instruments.isr_shrinks
                        } else {
                            &broker.instruments.isr_expands
                        };
                        counter.inc();
                    }
                    Ok(other) => {
                        tracing::debug!(topic = %key.0, partition = key.1, result = ?other, "ISR change not applied");
                    }
                    Err(e) => {
                        tracing::warn!(topic = %key.0, partition = key.1, error = %e, "could not change the ISR");
                    }
                }
                // The applied state reaches this node's partition through
                // `apply`; let it land before asking again.
                tokio::time::sleep(ISR_TICK).await;
                pending.lock().remove(&key);
            });
        }
    }
}
