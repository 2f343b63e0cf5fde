//! `mqctl cluster`: the controller's status, the brokers with their
//! liveness, and `health` as a probe (exit 6 when the cluster is not
//! healthy).

use mq::proto::{BrokerStatus, ClusterStatusRequest, ClusterStatusResponse, ListBrokersRequest};
use serde_json::{json, Value};

use crate::cli::ClusterCommand;
use crate::error::{CliError, Result};
use crate::output::Table;
use crate::session::Session;

pub async fn run(s: &Session, command: ClusterCommand) -> Result<()> {
    match command {
        ClusterCommand::Status => status(s).await,
        ClusterCommand::Brokers => brokers(s).await,
        ClusterCommand::Health => health(s).await,
    }
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

/// Healthy: a controller is elected and every broker is alive.
async fn health(s: &Session) -> Result<()> {
    let client = s.client().await?;
    let st = s
        .rpc(client.admin_raw().cluster_status(ClusterStatusRequest {}))
        .await?;
    let brokers = list(s).await?;
    let mut problems = Vec::new();
    if st.controller_id.is_none() {
        problems.push("no controller is elected".to_string());
    }
    for b in brokers.iter().filter(|b| !b.alive) {
        problems.push(format!("broker {} is down ({})", b.node_id, b.down_reason));
    }
    s.out.emit(
        &brokers_table(&brokers),
        &json!({
            "healthy": problems.is_empty(),
            "problems": problems,
            "status": status_json(&st),
            "brokers": brokers.iter().map(broker_json).collect::<Vec<_>>(),
        }),
    )?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::Unhealthy(problems.join("; ")))
    }
}
