//! `mqctl stats` (a snapshot, or `--watch` for one per interval) and
//! `mqctl group check` (exit 6 when a group's lag status is WARNING or
//! worse), both from the broker's Admin Stats: the rates and lag statuses
//! are the broker's, the same ones mqtop and Prometheus see.

use std::time::Duration;

use mq::proto::{LagStatus, StatsRequest, StatsSnapshot, WatchRequest};
use serde_json::{json, Value};

pub use mq::human::lag_status as status_name;

use crate::cli::Output;
use crate::error::{CliError, Result};
use crate::output::{human_bytes, write_out, Table};
use crate::session::Session;

pub async fn run(s: &Session, watch: bool, interval: Duration) -> Result<()> {
    let client = s.client().await?;
    if !watch {
        let snapshot = s
            .rpc(client.admin_raw().stats(StatsRequest::default()))
            .await?;
        return print(s, &snapshot);
    }
    let mut stream = s
        .rpc(client.admin_raw().watch(WatchRequest {
            request: None,
            interval_ms: interval.as_millis().min(u32::MAX as u128) as u32,
        }))
        .await?;
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let next = tokio::select! {
            n = stream.message() => n,
            _ = &mut interrupted => return Ok(()),
        };
        match next {
            Ok(Some(snapshot)) => {
                if s.out.mode == Output::Json {
                    // One document per line while watching.
                    write_out(&snapshot_json(&snapshot).to_string())?;
                } else {
                    print(s, &snapshot)?;
                    write_out("")?;
                }
            }
            Ok(None) => return Ok(()),
            Err(status) => return Err(s.error(status.into())),
        }
    }
}

fn print(s: &Session, snap: &StatsSnapshot) -> Result<()> {
    if s.out.mode == Output::Json {
        return s.out.json(&snapshot_json(snap));
    }
    if s.out.quiet {
        return Ok(());
    }
    let b = snap.broker.unwrap_or_default();
    let r = b.rates.unwrap_or_default();
    write_out(&format!(
        "Broker {}: {} topics, {} partitions, {} connections, data {}, disk free {} of {}\nIn {:.0} rec/s {}/s, out {:.0} rec/s {}/s (over {:.1}s)\n",
        b.node_id,
        b.topics,
        b.partitions,
        b.connections,
        human_bytes(b.data_bytes),
        human_bytes(b.disk_free_bytes),
        human_bytes(b.disk_total_bytes),
        r.records_in_per_sec,
        human_bytes(r.bytes_in_per_sec as u64),
        r.records_out_per_sec,
        human_bytes(r.bytes_out_per_sec as u64),
        snap.window_ms as f64 / 1000.0
    ))?;
    if let Some(c) = b.canary.filter(|c| c.sent > 0 || c.failures > 0) {
        write_out(&format!(
            "Canary: sent {}, received {}, lost {}, duplicated {}, failures {}, latency {:.1} ms\n",
            c.sent, c.received, c.lost, c.duplicated, c.failures, c.last_latency_ms
        ))?;
    }
    let mut parts = Table::new(["TOPIC", "PARTITION", "HW", "SIZE", "IN REC/S", "OUT REC/S"]);
    for p in &snap.partitions {
        let r = p.rates.unwrap_or_default();
        parts.row([
            p.topic.clone(),
            p.partition.to_string(),
            p.high_watermark.to_string(),
            human_bytes(p.size_bytes),
            format!("{:.0}", r.records_in_per_sec),
            format!("{:.0}", r.records_out_per_sec),
        ]);
    }
    write_out(&format!("{}\n", parts.render(s.out.color)))?;
    write_out(&groups_table(snap).render(s.out.color))?;
    if !snap.queues.is_empty() {
        write_out(&format!("\n{}", queues_table(snap).render(s.out.color)))?;
    }
    Ok(())
}

fn queues_table(snap: &StatsSnapshot) -> Table {
    let mut queues = Table::new([
        "QUEUE GROUP",
        "TOPICS",
        "RECEIVERS",
        "BACKLOG",
        "IN FLIGHT",
        "DEAD-LETTERED",
        "OLDEST",
    ]);
    for q in &snap.queues {
        queues.row([
            q.group.clone(),
            q.topics.join(","),
            q.live_receivers.to_string(),
            q.backlog.to_string(),
            q.in_flight.to_string(),
            q.dead_lettered.to_string(),
            format!("{:.1}s", q.oldest_unacked_seconds),
        ]);
    }
    queues
}

fn groups_table(snap: &StatsSnapshot) -> Table {
    let mut groups = Table::new(["GROUP", "MEMBERS", "LAG", "LAG-TIME", "STATUS", "REASON"]);
    for g in &snap.groups {
        groups.row([
            g.group.clone(),
            g.members.to_string(),
            g.total_lag.to_string(),
            format!("{:.1}s", g.max_lag_seconds),
            status_name(g.status).to_string(),
            g.reason.clone(),
        ]);
    }
    groups
}

/// The JSON form (documented in docs/mqctl.md): the proto's field names.
fn snapshot_json(snap: &StatsSnapshot) -> Value {
    let rates = |r: &Option<mq::proto::Rates>| {
        let r = r.unwrap_or_default();
        json!({
            "records_in": r.records_in, "bytes_in": r.bytes_in,
            "records_out": r.records_out, "bytes_out": r.bytes_out,
            "records_in_per_sec": r.records_in_per_sec, "bytes_in_per_sec": r.bytes_in_per_sec,
            "records_out_per_sec": r.records_out_per_sec, "bytes_out_per_sec": r.bytes_out_per_sec,
        })
    };
    let b = snap.broker.unwrap_or_default();
    json!({
        "timestamp_ms": snap.timestamp_ms,
        "window_ms": snap.window_ms,
        "broker": {
            "node_id": b.node_id, "topics": b.topics, "partitions": b.partitions,
            "connections": b.connections, "data_bytes": b.data_bytes,
            "disk_free_bytes": b.disk_free_bytes, "disk_total_bytes": b.disk_total_bytes,
            "rates": rates(&b.rates),
            "canary": b.canary.map(|c| json!({
                "sent": c.sent, "received": c.received, "lost": c.lost,
                "duplicated": c.duplicated, "failures": c.failures, "last_latency_ms": c.last_latency_ms,
            })),
        },
        "partitions": snap.partitions.iter().map(|p| json!({
            "topic": p.topic, "partition": p.partition,
            "log_start_offset": p.log_start_offset, "log_end_offset": p.log_end_offset,
            "high_watermark": p.high_watermark, "size_bytes": p.size_bytes,
            "segments": p.segment_count, "rates": rates(&p.rates),
            "leader": p.leader, "replicas": p.replicas, "isr": p.isr,
            "leader_epoch": p.leader_epoch, "offline": p.offline,
        })).collect::<Vec<_>>(),
        "groups": snap.groups.iter().map(group_json).collect::<Vec<_>>(),
        "queues": snap.queues.iter().map(|q| json!({
            "group": q.group, "topics": q.topics, "live_receivers": q.live_receivers,
            "backlog": q.backlog, "in_flight": q.in_flight, "dead_lettered": q.dead_lettered,
            "oldest_unacked_seconds": q.oldest_unacked_seconds,
        })).collect::<Vec<_>>(),
        "topics": snap.topics.iter().map(|t| json!({
            "name": t.name, "partitions": t.partitions, "replication_factor": t.replication_factor,
            "retention_ms": t.retention_ms, "retention_bytes": t.retention_bytes, "internal": t.internal,
        })).collect::<Vec<_>>(),
        "cluster": snap.cluster.as_ref().map(|c| json!({
            "cluster_id": c.cluster_id, "controller_id": c.controller_id,
            "brokers": c.brokers.iter().map(|b| json!({
                "node_id": b.node_id, "address": b.address, "alive": b.alive,
                "last_heartbeat_ms": b.last_heartbeat_ms, "partitions_led": b.partitions_led,
                "version": b.version, "down_reason": b.down_reason,
            })).collect::<Vec<_>>(),
        })),
    })
}

fn group_json(g: &mq::proto::GroupStats) -> Value {
    json!({
        "group": g.group, "state": mq::human::group_state(g.state), "members": g.members, "total_lag": g.total_lag,
        "max_lag_seconds": g.max_lag_seconds, "status": status_name(g.status), "reason": g.reason,
        "partitions": g.partitions.iter().map(|p| json!({
            "topic": p.topic, "partition": p.partition,
            "committed_offset": p.committed_offset, "high_watermark": p.high_watermark,
            "lag": p.lag, "lag_seconds": p.lag_seconds,
            "trend": match mq::proto::LagTrend::try_from(p.trend) {
                Ok(mq::proto::LagTrend::Growing) => "growing",
                Ok(mq::proto::LagTrend::Shrinking) => "shrinking",
                _ => "steady",
            },
            "consume_per_sec": p.consume_per_sec, "produce_per_sec": p.produce_per_sec,
            "time_to_drain_seconds": p.time_to_drain_seconds,
            "status": status_name(p.status), "reason": p.reason,
        })).collect::<Vec<_>>(),
    })
}

/// `group check`: exit 6 when any named group is WARNING or worse.
pub async fn check(s: &Session, groups: &[String]) -> Result<()> {
    let client = s.client().await?;
    let snapshot = s
        .rpc(client.admin_raw().stats(StatsRequest {
            groups: groups.to_vec(),
        }))
        .await?;
    for name in groups {
        if !snapshot.groups.iter().any(|g| &g.group == name) {
            return Err(CliError::NotFound(format!(
                "consumer group {name:?} does not exist (no members and no committed offsets)"
            )));
        }
    }
    s.out.emit(
        &groups_table(&snapshot),
        &Value::Array(snapshot.groups.iter().map(group_json).collect()),
    )?;
    let unhealthy: Vec<String> = snapshot
        .groups
        .iter()
        .filter(|g| g.status >= LagStatus::Warning as i32)
        .map(|g| format!("{} is {}: {}", g.group, status_name(g.status), g.reason))
        .collect();
    if unhealthy.is_empty() {
        Ok(())
    } else {
        Err(CliError::Unhealthy(unhealthy.join("; ")))
    }
}
