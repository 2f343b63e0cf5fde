//! `mqctl group`: list, describe (consumer groups with lag, queue groups
//! with deliveries), reset-offsets, delete.

use mq::client::admin::ResetTo;
use mq::human::{group_state as state_name, lag_trend as trend_name};
use mq::proto::{GroupDescription, GroupPartitionStats, GroupStats, StatsRequest};
use serde_json::{json, Value};

use crate::cli::{GroupCommand, Output, ResetArgs};
use crate::error::{CliError, Exit, Result};
use crate::output::{suggest, write_out, Table};
use crate::session::Session;

pub async fn run(s: &Session, command: GroupCommand) -> Result<()> {
    match command {
        GroupCommand::List => list(s).await,
        GroupCommand::Check { groups } => crate::stats::check(s, &groups).await,
        GroupCommand::Describe { group } => {
            let d = describe(s, &group).await?;
            let lag = if d.kind == "queue" {
                None
            } else {
                lag_stats(s, &group).await?
            };
            print_description(s, &d, lag.as_ref())
        }
        GroupCommand::ResetOffsets(args) => {
            if args.execute {
                s.target.check_writable("group reset-offsets --execute")?;
            }
            reset(s, args).await
        }
        GroupCommand::Delete {
            group,
            yes,
            dry_run,
        } => {
            s.target.check_writable("group delete")?;
            let d = describe(s, &group).await?;
            let doc = json!({ "group": group, "kind": d.kind, "deleted": false });
            if dry_run {
                let mut table = Table::new(["ACTION", "GROUP", "KIND", "STATE"]);
                table.row([
                    "delete".to_string(),
                    group.clone(),
                    d.kind.clone(),
                    state_name(d.state).to_string(),
                ]);
                s.out.note("dry run: nothing changed");
                return s.out.emit(&table, &doc);
            }
            if !yes {
                crate::topic::confirm(
                    &format!("Delete {} group {group:?} and its offsets? Type the group name to confirm: ", d.kind),
                    &group,
                )?;
            }
            let admin = s.admin().await?;
            s.call(admin.delete_group(&group)).await?;
            s.out.note(&format!("deleted group {group:?}"));
            let mut doc = doc;
            doc["deleted"] = json!(true);
            s.out.json(&doc)
        }
    }
}

async fn list(s: &Session) -> Result<()> {
    let admin = s.admin().await?;
    let groups = s.call(admin.list_groups()).await?;
    let mut table = Table::new(["GROUP", "KIND", "STATE", "MEMBERS", "TOPICS"]);
    let mut out = Vec::new();
    for g in &groups {
        table.row([
            g.group.clone(),
            g.kind.clone(),
            state_name(g.state).to_string(),
            g.members.to_string(),
            g.topics.join(","),
        ]);
        out.push(json!({
            "group": g.group, "kind": g.kind, "state": state_name(g.state),
            "members": g.members, "topics": g.topics,
        }));
    }
    s.out.emit(&table, &Value::Array(out))
}

/// DescribeGroup, with a near-miss suggestion when the group is unknown.
async fn describe(s: &Session, group: &str) -> Result<GroupDescription> {
    let admin = s.admin().await?;
    match s.call(admin.describe_group(group)).await {
        Ok(d) => Ok(d),
        Err(e) if e.exit() == Exit::NotFound => {
            let known = s.call(admin.list_groups()).await.unwrap_or_default();
            let hint = suggest(group, known.iter().map(|g| g.group.as_str()))
                .map(|g| format!("; did you mean {g:?}?"))
                .unwrap_or_default();
            Err(CliError::NotFound(format!("{e}{hint}")))
        }
        Err(e) => Err(e),
    }
}

/// The broker's lag evaluation of a consumer group (Admin Stats).
async fn lag_stats(s: &Session, group: &str) -> Result<Option<GroupStats>> {
    let client = s.client().await?;
    let request = StatsRequest {
        groups: vec![group.to_string()],
    };
    let snapshot = s.rpc(client.admin_raw().stats(request)).await?;
    Ok(snapshot.groups.into_iter().find(|g| g.group == group))
}

fn partition_lag<'a>(
    lag: Option<&'a GroupStats>,
    topic: &str,
    partition: u32,
) -> Option<&'a GroupPartitionStats> {
    lag?.partitions
        .iter()
        .find(|p| p.topic == topic && p.partition == partition)
}

fn description_json(d: &GroupDescription, lag: Option<&GroupStats>) -> Value {
    let mut doc = description_json_base(d);
    if let Some(g) = lag {
        doc["lag_status"] = json!(crate::stats::status_name(g.status));
        doc["lag_reason"] = json!(g.reason);
        doc["max_lag_seconds"] = json!(g.max_lag_seconds);
    }
    if let Some(parts) = doc["partitions"].as_array_mut() {
        for (p, row) in d.partitions.iter().zip(parts.iter_mut()) {
            if let Some(l) = partition_lag(lag, &p.topic, p.partition) {
                row["lag_seconds"] = json!(l.lag_seconds);
                row["lag_status"] = json!(crate::stats::status_name(l.status));
                row["trend"] = json!(trend_name(l.trend));
                row["time_to_drain_seconds"] = json!(l.time_to_drain_seconds);
            }
        }
    }
    doc
}

fn description_json_base(d: &GroupDescription) -> Value {
    json!({
        "group": d.group,
        "kind": d.kind,
        "state": state_name(d.state),
        "generation": d.generation,
        "assignor": d.assignor,
        "coordinator": d.coordinator,
        "total_lag": d.total_lag,
        "members": d.members.iter().map(|m| json!({
            "member_id": m.member_id,
            "client_id": m.client_id,
            "topics": m.topics,
            "assignment": m.assignment.iter().map(|t| json!({"topic": t.topic, "partitions": t.partitions})).collect::<Vec<_>>(),
            "last_heartbeat_age_ms": m.last_heartbeat_age_ms,
            "session_timeout_ms": m.session_timeout_ms,
        })).collect::<Vec<_>>(),
        "partitions": d.partitions.iter().map(|p| json!({
            "topic": p.topic,
            "partition": p.partition,
            "committed_offset": p.committed_offset,
            "log_start_offset": p.log_start_offset,
            "high_watermark": p.high_watermark,
            "lag": p.lag,
            "member_id": p.member_id,
            "metadata": p.metadata,
        })).collect::<Vec<_>>(),
        "receivers": d.receivers.iter().map(|r| json!({
            "receiver_id": r.receiver_id,
            "in_flight": r.in_flight,
            "last_seen_age_ms": r.last_seen_age_ms,
        })).collect::<Vec<_>>(),
        "queue_partitions": d.queue_partitions.iter().map(|p| json!({
            "topic": p.topic,
            "partition": p.partition,
            "log_start_offset": p.log_start_offset,
            "high_watermark": p.high_watermark,
            "ack_floor": p.ack_floor,
            "backlog": p.backlog,
            "in_flight": p.in_flight,
            "waiting_redelivery": p.waiting_redelivery,
            "max_delivery_count": p.max_delivery_count,
            "delivered": p.delivered,
            "redelivered": p.redelivered,
            "acked": p.acked,
            "nacked": p.nacked,
            "expired": p.expired,
            "dead_lettered": p.dead_lettered,
            "oldest_unacked_age_ms": p.oldest_unacked_age_ms,
        })).collect::<Vec<_>>(),
    })
}

fn print_description(s: &Session, d: &GroupDescription, lag: Option<&GroupStats>) -> Result<()> {
    if s.out.mode == Output::Json {
        return s.out.json(&description_json(d, lag));
    }
    if s.out.quiet {
        return Ok(());
    }
    let wide = s.out.wide();
    if d.kind == "queue" {
        write_out(&format!(
            "Group:     {}\nKind:      queue\nState:     {}\nReceivers: {}\nBacklog:   {}\n",
            d.group,
            state_name(d.state),
            d.receivers.len(),
            d.total_lag
        ))?;
        let mut receivers = Table::new(["RECEIVER", "IN-FLIGHT", "LAST-SEEN"]);
        for r in &d.receivers {
            receivers.row([
                r.receiver_id.clone(),
                r.in_flight.to_string(),
                format!("{:.1}s ago", r.last_seen_age_ms as f64 / 1000.0),
            ]);
        }
        if !d.receivers.is_empty() {
            write_out(&format!("{}\n", receivers.render(s.out.color)))?;
        }
        let mut header = vec![
            "TOPIC",
            "PARTITION",
            "ACK-FLOOR",
            "HW",
            "BACKLOG",
            "IN-FLIGHT",
            "WAITING",
            "DEAD-LETTERED",
            "OLDEST-UNACKED",
        ];
        if wide {
            header.extend([
                "DELIVERED",
                "REDELIVERED",
                "ACKED",
                "NACKED",
                "EXPIRED",
                "MAX-DELIVERIES",
            ]);
        }
        let mut parts = Table::with_header(header);
        for p in &d.queue_partitions {
            let mut row = vec![
                p.topic.clone(),
                p.partition.to_string(),
                p.ack_floor.to_string(),
                p.high_watermark.to_string(),
                p.backlog.to_string(),
                p.in_flight.to_string(),
                p.waiting_redelivery.to_string(),
                p.dead_lettered.to_string(),
                format!("{:.1}s", p.oldest_unacked_age_ms as f64 / 1000.0),
            ];
            if wide {
                row.extend([
                    p.delivered.to_string(),
                    p.redelivered.to_string(),
                    p.acked.to_string(),
                    p.nacked.to_string(),
                    p.expired.to_string(),
                    p.max_delivery_count.to_string(),
                ]);
            }
            parts.row(row);
        }
        return write_out(&parts.render(s.out.color));
    }
    let status = lag.map_or(String::new(), |g| {
        format!(
            "Lag status:  {} ({})\n",
            crate::stats::status_name(g.status),
            g.reason
        )
    });
    write_out(&format!(
        "Group:       {}\nKind:        consumer\nState:       {}\nGeneration:  {}\nAssignor:    {}\nCoordinator: node {}\nMembers:     {}\nTotal lag:   {}\n{status}",
        d.group,
        state_name(d.state),
        d.generation,
        d.assignor,
        d.coordinator,
        d.members.len(),
        d.total_lag
    ))?;
    let mut members = Table::new(["MEMBER", "CLIENT", "PARTITIONS", "LAST-HEARTBEAT"]);
    for m in &d.members {
        let assigned = m
            .assignment
            .iter()
            .map(|t| {
                let ps: Vec<String> = t.partitions.iter().map(u32::to_string).collect();
                format!("{}:{}", t.topic, ps.join(","))
            })
            .collect::<Vec<_>>()
            .join(" ");
        members.row([
            m.member_id.clone(),
            m.client_id.clone(),
            assigned,
            format!("{:.1}s ago", m.last_heartbeat_age_ms as f64 / 1000.0),
        ]);
    }
    if !d.members.is_empty() {
        write_out(&format!("{}\n", members.render(s.out.color)))?;
    }
    let mut header = vec![
        "TOPIC",
        "PARTITION",
        "COMMITTED",
        "END",
        "LAG",
        "LAG-TIME",
        "STATUS",
        "MEMBER",
    ];
    if wide {
        header.extend(["TREND", "DRAIN", "LOG-START", "METADATA"]);
    }
    let mut parts = Table::with_header(header);
    for p in &d.partitions {
        let committed = if p.committed_offset < 0 {
            "-".to_string()
        } else {
            p.committed_offset.to_string()
        };
        let l = partition_lag(lag, &p.topic, p.partition);
        let mut row = vec![
            p.topic.clone(),
            p.partition.to_string(),
            committed,
            p.high_watermark.to_string(),
            p.lag.to_string(),
            l.map_or("-".to_string(), |l| format!("{:.1}s", l.lag_seconds)),
            l.map_or("-", |l| crate::stats::status_name(l.status))
                .to_string(),
            p.member_id.clone(),
        ];
        if wide {
            row.extend([
                l.map_or("-", |l| trend_name(l.trend)).to_string(),
                l.map_or("-".to_string(), |l| {
                    if l.time_to_drain_seconds < 0.0 {
                        "never".to_string()
                    } else {
                        format!("{:.0}s", l.time_to_drain_seconds)
                    }
                }),
                p.log_start_offset.to_string(),
                p.metadata.clone(),
            ]);
        }
        parts.row(row);
    }
    write_out(&parts.render(s.out.color))
}

async fn reset(s: &Session, args: ResetArgs) -> Result<()> {
    let to = if args.to_earliest {
        ResetTo::Earliest(true)
    } else if args.to_latest {
        ResetTo::Latest(true)
    } else if let Some(o) = args.to_offset {
        ResetTo::Offset(o)
    } else if let Some(t) = &args.to_datetime {
        ResetTo::TimestampMs(crate::consume::parse_time(t)?)
    } else if let Some(n) = args.shift_by {
        ResetTo::ShiftBy(n)
    } else {
        return Err(CliError::Other(
            "say where to: --to-earliest, --to-latest, --to-offset, --to-datetime or --shift-by"
                .to_string(),
        ));
    };
    let mut targets: Vec<(String, Vec<u32>)> = Vec::new();
    for t in &args.topics {
        match t.split_once(':') {
            Some((topic, list)) => {
                let partitions = list
                    .split(',')
                    .map(|p| {
                        p.trim().parse::<u32>().map_err(|_| {
                            CliError::Other(format!(
                                "{t:?}: {p:?} is not a partition number; use TOPIC or TOPIC:0,1,2"
                            ))
                        })
                    })
                    .collect::<Result<Vec<u32>>>()?;
                targets.push((topic.to_string(), partitions));
            }
            None => targets.push((t.clone(), Vec::new())),
        }
    }
    let refs: Vec<(&str, &[u32])> = targets
        .iter()
        .map(|(t, p)| (t.as_str(), p.as_slice()))
        .collect();
    let admin = s.admin().await?;
    let plan = s
        .call(admin.reset_offsets(&args.group, &refs, to, !args.execute))
        .await?;
    let mut table = Table::new(["TOPIC", "PARTITION", "BEFORE", "AFTER"]);
    let mut changes = Vec::new();
    for c in &plan.changes {
        let before = if c.before < 0 {
            "-".to_string()
        } else {
            c.before.to_string()
        };
        table.row([
            c.topic.clone(),
            c.partition.to_string(),
            before,
            c.after.to_string(),
        ]);
        changes.push(json!({ "topic": c.topic, "partition": c.partition, "before": c.before, "after": c.after }));
    }
    if !plan.applied {
        s.out
            .note("plan only: run again with --execute to apply it");
    }
    s.out.emit(
        &table,
        &json!({ "group": args.group, "applied": plan.applied, "changes": changes }),
    )
}
