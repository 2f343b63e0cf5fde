//! `mqctl cluster`: the controller's status, the brokers with their
//! liveness, `health` as a probe (exit 6 when the cluster is not healthy),
//! `wait --healthy` and `broker safe-to-stop` for rolling-restart scripts.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mq::proto::{
    BrokerStatus, ClusterStatusRequest, ClusterStatusResponse, DescribePartitionsRequest,
    DescribeTopicRequest, ElectLeadersRequest, ListBrokersRequest, PartitionReplicas,
    ReassignPartitionRequest, StatsRequest,
};
use serde_json::{json, Value};

use crate::cli::ClusterCommand;
use crate::error::{CliError, Result};
use crate::output::Table;
use crate::session::Session;

pub async fn run(s: &Session, command: ClusterCommand) -> Result<()> {
    match command {
        ClusterCommand::Status => status(s).await,
        ClusterCommand::Brokers => brokers(s).await,
        ClusterCommand::Partitions {
            topic,
            under_replicated,
            offline,
        } => {
            let request = DescribePartitionsRequest {
                topic: topic.unwrap_or_default(),
                under_replicated,
                offline,
            };
            partitions(s, request).await
        }
        ClusterCommand::Health => health(s).await,
        ClusterCommand::Wait { timeout, .. } => wait_healthy(s, timeout).await,
        ClusterCommand::ElectLeader { topic, partition } => {
            elect_leaders(s, topic.unwrap_or_default(), partition).await
        }
        ClusterCommand::Reassign {
            topic,
            partition,
            replicas,
            wait,
            timeout,
        } => reassign(s, topic, partition, replicas, wait.then_some(timeout)).await,
    }
}

async fn elect_leaders(s: &Session, topic: String, partition: Option<u32>) -> Result<()> {
    let client = s.client().await?;
    let answer = s
        .rpc(
            client
                .admin_raw()
                .elect_leaders(ElectLeadersRequest { topic, partition }),
        )
        .await?;
    let mut table = Table::new(["TOPIC", "PARTITION", "LEADER", "EPOCH", "RESULT"]);
    for p in &answer.partitions {
        table.row([
            p.topic.clone(),
            p.partition.to_string(),
            p.leader.to_string(),
            p.leader_epoch.to_string(),
            if p.moved {
                "moved to the preferred replica".to_string()
            } else {
                p.reason.clone()
            },
        ]);
    }
    let json: Vec<Value> = answer
        .partitions
        .iter()
        .map(|p| {
            json!({
                "topic": p.topic,
                "partition": p.partition,
                "leader": p.leader,
                "leader_epoch": p.leader_epoch,
                "moved": p.moved,
                "reason": p.reason,
            })
        })
        .collect();
    s.out.emit(&table, &Value::Array(json))
}

async fn reassign(
    s: &Session,
    topic: String,
    partition: u32,
    replicas: Vec<u32>,
    wait: Option<Duration>,
) -> Result<()> {
    let client = s.client().await?;
    let request = ReassignPartitionRequest {
        topic: topic.clone(),
        partition,
        replicas: replicas.clone(),
    };
    let mut p = s
        .rpc(client.admin_raw().reassign_partition(request))
        .await?;
    if let Some(timeout) = wait {
        let deadline = Instant::now() + timeout;
        let spinner = progress_spinner(s);
        while !p.reassigning_to.is_empty() {
            if let Some(bar) = &spinner {
                let waiting: Vec<u32> = p
                    .reassigning_to
                    .iter()
                    .copied()
                    .filter(|r| !p.isr.contains(r))
                    .collect();
                bar.set_message(format!(
                    "moving {topic}/{partition} to {}: in sync {}, catching up {}",
                    crate::output::node_list(&p.reassigning_to),
                    crate::output::node_list(&p.isr),
                    crate::output::node_list(&waiting),
                ));
            }
            if Instant::now() >= deadline {
                return Err(CliError::Unhealthy(format!(
                    "{topic}/{partition} is still moving to {} after {}; the new replicas may be down or far behind (see `mqctl cluster partitions --topic {topic}`)",
                    crate::output::node_list(&replicas),
                    mq::human::duration_secs(timeout.as_secs_f64())
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            let request = DescribePartitionsRequest {
                topic: topic.clone(),
                ..Default::default()
            };
            let all = s
                .rpc(client.admin_raw().describe_partitions(request))
                .await?;
            if let Some(now) = all
                .partitions
                .into_iter()
                .find(|q| q.partition == partition)
            {
                p = now;
            }
        }
        if let Some(bar) = spinner {
            bar.finish_and_clear();
        }
    }
    let state = if p.reassigning_to.is_empty() {
        "done".to_string()
    } else {
        format!("moving to {}", crate::output::node_list(&p.reassigning_to))
    };
    let mut table = Table::new([
        "TOPIC",
        "PARTITION",
        "LEADER",
        "REPLICAS",
        "ISR",
        "REASSIGNMENT",
    ]);
    table.row([
        p.topic.clone(),
        p.partition.to_string(),
        p.leader.to_string(),
        crate::output::node_list(&p.replicas),
        crate::output::node_list(&p.isr),
        state,
    ]);
    let json = json!({
        "topic": p.topic,
        "partition": p.partition,
        "leader": p.leader,
        "replicas": p.replicas,
        "isr": p.isr,
        "reassigning_to": p.reassigning_to,
        "done": p.reassigning_to.is_empty(),
    });
    s.out.emit(&table, &json)
}

async fn status(s: &Session) -> Result<()> {
    let client = s.client().await?;
    let st = s
        .rpc(client.admin_raw().cluster_status(ClusterStatusRequest {}))
        .await?;
    let mut table = Table::new(["FIELD", "VALUE"]);
    for (field, value) in [
        ("cluster", st.cluster_id.clone()),
        ("answered by", format!("node {} ({})", st.node_id, st.role)),
        ("controller", controller(&st)),
        ("raft term", st.raft_term.to_string()),
        ("commit index", index(st.commit_index)),
        ("applied index", index(st.applied_index)),
        ("snapshot index", index(st.snapshot_index)),
        ("purged through", index(st.purged_index)),
        (
            "voters",
            st.voters
                .iter()
                .map(|v| format!("{}={}", v.node_id, v.address))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "brokers alive",
            format!("{} of {}", st.brokers_alive, st.brokers_total),
        ),
    ] {
        table.row([field.to_string(), value]);
    }
    s.out.emit(&table, &status_json(&st))
}

fn controller(st: &ClusterStatusResponse) -> String {
    st.controller_id.map_or_else(
        || "none (election under way or no quorum)".to_string(),
        |id| format!("node {id}"),
    )
}

fn index(i: Option<u64>) -> String {
    i.map_or_else(|| "-".to_string(), |i| i.to_string())
}

fn status_json(st: &ClusterStatusResponse) -> Value {
    json!({
        "cluster_id": st.cluster_id,
        "node_id": st.node_id,
        "role": st.role,
        "controller_id": st.controller_id,
        "raft_term": st.raft_term,
        "commit_index": st.commit_index,
        "applied_index": st.applied_index,
        "snapshot_index": st.snapshot_index,
        "purged_index": st.purged_index,
        "voters": st.voters.iter().map(|v| json!({"node_id": v.node_id, "address": v.address})).collect::<Vec<_>>(),
        "brokers_alive": st.brokers_alive,
        "brokers_total": st.brokers_total,
    })
}

async fn list(s: &Session) -> Result<Vec<BrokerStatus>> {
    let client = s.client().await?;
    Ok(
        s.rpc(client.admin_raw().list_brokers(ListBrokersRequest {}))
            .await?
            .brokers,
    )
}

async fn brokers(s: &Session) -> Result<()> {
    let brokers = list(s).await?;
    s.out.emit(
        &brokers_table(&brokers),
        &Value::Array(brokers.iter().map(broker_json).collect()),
    )
}

fn brokers_table(brokers: &[BrokerStatus]) -> Table {
    let mut table = Table::new([
        "ID",
        "ADDRESS",
        "STATE",
        "HEARTBEAT",
        "LEADS",
        "VERSION",
        "ROLE",
    ]);
    for b in brokers {
        table.row([
            b.node_id.to_string(),
            b.address.clone(),
            if b.alive {
                "alive".to_string()
            } else {
                format!("DOWN: {}", b.down_reason)
            },
            b.last_heartbeat_ms_ago.map_or_else(
                || "never".to_string(),
                |ms| format!("{} ago", mq::human::duration_secs(ms as f64 / 1000.0)),
            ),
            b.partitions_led.to_string(),
            b.version.clone(),
            if b.controller { "controller" } else { "" }.to_string(),
        ]);
    }
    table
}

fn broker_json(b: &BrokerStatus) -> Value {
    json!({
        "node_id": b.node_id,
        "address": b.address,
        "alive": b.alive,
        "last_heartbeat_ms_ago": b.last_heartbeat_ms_ago,
        "partitions_led": b.partitions_led,
        "version": b.version,
        "incarnation": b.incarnation,
        "down_reason": b.down_reason,
        "controller": b.controller,
    })
}

async fn partitions(s: &Session, request: DescribePartitionsRequest) -> Result<()> {
    let client = s.client().await?;
    let answer = s
        .rpc(client.admin_raw().describe_partitions(request))
        .await?;
    let mut table = Table::new([
        "TOPIC",
        "PARTITION",
        "LEADER",
        "REPLICAS",
        "ISR",
        "EPOCH",
        "STATE",
    ]);
    for p in &answer.partitions {
        table.row([
            p.topic.clone(),
            p.partition.to_string(),
            if p.offline {
                "-".to_string()
            } else {
                p.leader.to_string()
            },
            crate::output::node_list(&p.replicas),
            crate::output::node_list(&p.isr),
            p.leader_epoch.to_string(),
            replica_state(p).to_string(),
        ]);
    }
    let json: Vec<Value> = answer
        .partitions
        .iter()
        .map(|p| {
            json!({
                "topic": p.topic,
                "partition": p.partition,
                "leader": p.leader,
                "replicas": p.replicas,
                "isr": p.isr,
                "leader_epoch": p.leader_epoch,
                "under_replicated": p.under_replicated,
                "offline": p.offline,
                "log_end_offset": p.log_end_offset,
                "high_watermark": p.high_watermark,
                "reassigning_to": p.reassigning_to,
            })
        })
        .collect();
    s.out.emit(&table, &Value::Array(json))
}

/// A spinner on stderr while `--wait` polls, when stderr is a terminal.
fn progress_spinner(s: &Session) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if s.out.quiet || s.out.mode == crate::cli::Output::Json || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}

fn replica_state(p: &PartitionReplicas) -> &'static str {
    if p.offline {
        "OFFLINE"
    } else if p.under_replicated {
        "under-replicated"
    } else {
        "ok"
    }
}

/// What is wrong with the cluster now, in words (empty: healthy): no
/// controller, a broker down, a partition under-replicated or offline.
struct Health {
    status: ClusterStatusResponse,
    brokers: Vec<BrokerStatus>,
    problems: Vec<String>,
}

async fn check(s: &Session) -> Result<Health> {
    let client = s.client().await?;
    let status = s
        .rpc(client.admin_raw().cluster_status(ClusterStatusRequest {}))
        .await?;
    let brokers = list(s).await?;
    let stats = s
        .rpc(client.admin_raw().stats(StatsRequest::default()))
        .await?;
    let mut problems = Vec::new();
    if status.controller_id.is_none() {
        problems.push("no controller is elected".to_string());
    }
    for b in brokers.iter().filter(|b| !b.alive) {
        problems.push(format!("broker {} is down ({})", b.node_id, b.down_reason));
    }
    let offline = stats.partitions.iter().filter(|p| p.offline).count();
    let under = stats
        .partitions
        .iter()
        .filter(|p| !p.offline && p.isr.len() < p.replicas.len())
        .count();
    if offline > 0 {
        problems.push(format!("{offline} partition(s) offline"));
    }
    if under > 0 {
        problems.push(format!("{under} partition(s) under-replicated"));
    }
    Ok(Health {
        status,
        brokers,
        problems,
    })
}

fn emit_health(s: &Session, h: &Health) -> Result<()> {
    s.out.emit(
        &brokers_table(&h.brokers),
        &json!({
            "healthy": h.problems.is_empty(),
            "problems": h.problems,
            "status": status_json(&h.status),
            "brokers": h.brokers.iter().map(broker_json).collect::<Vec<_>>(),
        }),
    )?;
    if h.problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::Unhealthy(h.problems.join("; ")))
    }
}

/// Healthy: a controller is elected, every broker is alive, and no
/// partition is under-replicated or offline.
async fn health(s: &Session) -> Result<()> {
    emit_health(s, &check(s).await?)
}

/// Polls until healthy (exit 0) or `timeout` (exit 6, with what is still
/// wrong). An unreachable broker counts as not healthy yet.
async fn wait_healthy(s: &Session, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let last = check(s).await;
        match &last {
            Ok(h) if h.problems.is_empty() => return emit_health(s, h),
            _ if Instant::now() >= deadline => {
                return match last {
                    Ok(h) => emit_health(s, &h),
                    Err(e) => Err(CliError::Unhealthy(format!(
                        "not healthy within {timeout:?}: {e}"
                    ))),
                };
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

/// Would stopping broker `id` now cost the controller its majority, or
/// take a partition offline or below its min.insync.replicas? Exit 0 when
/// safe, 6 (with the reasons) when not.
pub async fn safe_to_stop(s: &Session, id: u32) -> Result<()> {
    let h = check(s).await?;
    let Some(target) = h.brokers.iter().find(|b| b.node_id == id) else {
        return Err(CliError::NotFound(format!(
            "broker {id} is not in this cluster (mqctl cluster brokers lists them)"
        )));
    };
    let mut reasons = Vec::new();
    let voters: Vec<u32> = h.status.voters.iter().map(|v| v.node_id).collect();
    let alive_voters = h
        .brokers
        .iter()
        .filter(|b| b.alive && voters.contains(&b.node_id) && b.node_id != id)
        .count();
    let majority = voters.len() / 2 + 1;
    if target.alive && voters.contains(&id) && alive_voters < majority {
        reasons.push(format!(
            "the controller would lose its majority: {alive_voters} of {} voters would be left, {majority} are needed",
            voters.len()
        ));
    }
    let client = s.client().await?;
    let stats = s
        .rpc(client.admin_raw().stats(StatsRequest::default()))
        .await?;
    let mut min_isr: BTreeMap<String, usize> = BTreeMap::new();
    let (mut offline, mut below) = (0, 0);
    for p in stats.partitions.iter().filter(|p| p.isr.contains(&id)) {
        let left = p.isr.iter().filter(|r| **r != id).count();
        if !min_isr.contains_key(&p.topic) {
            let topic = s
                .rpc(client.admin_raw().describe_topic(DescribeTopicRequest {
                    name: p.topic.clone(),
                }))
                .await?;
            let min = topic
                .configs
                .get("min.insync.replicas")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            min_isr.insert(p.topic.clone(), min);
        }
        if left == 0 {
            offline += 1;
        } else if left < min_isr[&p.topic] {
            below += 1;
        }
    }
    if offline > 0 {
        reasons.push(format!(
            "{offline} partition(s) have no other in-sync replica and would go offline"
        ));
    }
    if below > 0 {
        reasons.push(format!(
            "{below} partition(s) would fall below min.insync.replicas (acks=all writes refused)"
        ));
    }
    let mut table = Table::new(["BROKER", "SAFE TO STOP", "WHY NOT"]);
    table.row([
        id.to_string(),
        if reasons.is_empty() { "yes" } else { "no" }.to_string(),
        reasons.join("; "),
    ]);
    s.out.emit(
        &table,
        &json!({"node_id": id, "safe": reasons.is_empty(), "reasons": reasons}),
    )?;
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(CliError::Unhealthy(format!(
            "stopping broker {id} now is not safe: {}",
            reasons.join("; ")
        )))
    }
}
