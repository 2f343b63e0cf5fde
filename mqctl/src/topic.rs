//! `mqctl topic`: create, list, describe, alter-config, add-partitions,
//! delete.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use mq::proto::TopicDescription;
use serde_json::{json, Value};

use crate::cli::TopicCommand;
use crate::error::{CliError, Result};
use crate::output::{human_bytes, Table};
use crate::session::Session;

pub async fn run(s: &Session, command: TopicCommand) -> Result<()> {
    match command {
        TopicCommand::Create {
            name,
            partitions,
            replication_factor,
            configs,
            if_not_exists,
            dry_run,
        } => {
            s.target.check_writable("topic create")?;
            create(
                s,
                &name,
                partitions,
                replication_factor,
                configs,
                if_not_exists,
                dry_run,
            )
            .await
        }
        TopicCommand::List { filter, internal } => list(s, &filter, internal).await,
        TopicCommand::Describe { name } => {
            let admin = s.admin().await?;
            let d = s.call(admin.describe_topic(&name)).await?;
            print_description(s, &d)
        }
        TopicCommand::AlterConfig {
            name,
            set,
            delete,
            dry_run,
        } => {
            s.target.check_writable("topic alter-config")?;
            alter_config(s, &name, set, delete, dry_run).await
        }
        TopicCommand::AddPartitions {
            name,
            total,
            dry_run,
        } => {
            s.target.check_writable("topic add-partitions")?;
            let admin = s.admin().await?;
            let before = s.call(admin.describe_topic(&name)).await?.partitions.len();
            if !dry_run {
                s.call(admin.add_partitions(&name, total)).await?;
            }
            let mut table = Table::new(["TOPIC", "PARTITIONS BEFORE", "PARTITIONS AFTER"]);
            table.row([name.clone(), before.to_string(), total.to_string()]);
            if dry_run {
                s.out.note("dry run: nothing changed");
            }
            s.out.emit(
                &table,
                &json!({ "name": name, "before": before, "after": total, "applied": !dry_run }),
            )
        }
        TopicCommand::Delete { name, yes, dry_run } => {
            s.target.check_writable("topic delete")?;
            delete(s, &name, yes, dry_run).await
        }
    }
}

async fn create(
    s: &Session,
    name: &str,
    partitions: u32,
    replication_factor: u32,
    configs: Vec<(String, String)>,
    if_not_exists: bool,
    dry_run: bool,
) -> Result<()> {
    let admin = s.admin().await?;
    let pairs: Vec<(&str, &str)> = configs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let exists = match s.call(admin.describe_topic(name)).await {
        Ok(_) => true,
        Err(e) if e.exit() == crate::error::Exit::NotFound => false,
        Err(e) => return Err(e),
    };
    if exists {
        if if_not_exists {
            s.out.note(&format!("topic {name:?} exists; nothing to do"));
            return s.out.json(&json!({ "name": name, "created": false }));
        }
        return Err(CliError::Conflict(format!(
            "topic {name:?} already exists; pick another name, or pass --if-not-exists"
        )));
    }
    if dry_run {
        let mut table = Table::new(["ACTION", "TOPIC", "PARTITIONS", "REPLICATION", "CONFIGS"]);
        table.row([
            "create".to_string(),
            name.to_string(),
            partitions.to_string(),
            replication_factor.to_string(),
            configs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(","),
        ]);
        s.out.note("dry run: nothing changed");
        let configs: BTreeMap<&str, &str> = pairs.iter().copied().collect();
        return s.out.emit(
            &table,
            &json!({
                "name": name, "partitions": partitions, "replication_factor": replication_factor,
                "configs": configs, "created": false, "dry_run": true,
            }),
        );
    }
    let mut request = mq::proto::CreateTopicRequest {
        name: name.to_string(),
        partitions,
        replication_factor,
        configs: Default::default(),
    };
    request.configs = configs.into_iter().collect();
    let client = s.client().await?;
    let d = s.rpc(client.admin_raw().create_topic(request)).await?;
    s.out.note(&format!(
        "created topic {name:?} with {} partition(s)",
        d.partitions.len()
    ));
    s.out.json(&description_json(&d))
}

async fn list(s: &Session, filter: &str, internal: bool) -> Result<()> {
    let client = s.client().await?;
    let request = mq::proto::ListTopicsRequest {
        filter: filter.to_string(),
        include_internal: internal,
    };
    let topics = s.rpc(client.admin_raw().list_topics(request)).await?.topics;
    let mut table = Table::new(["NAME", "PARTITIONS", "REPLICATION"]);
    let mut out = Vec::new();
    for t in &topics {
        table.row([
            t.name.clone(),
            t.partitions.to_string(),
            t.replication_factor.to_string(),
        ]);
        out.push(json!({
            "name": t.name, "partitions": t.partitions, "replication_factor": t.replication_factor,
        }));
    }
    s.out.emit(&table, &Value::Array(out))
}

pub fn description_json(d: &TopicDescription) -> Value {
    let configs: BTreeMap<&String, &String> = d.configs.iter().collect();
    json!({
        "name": d.name,
        "replication_factor": d.replication_factor,
        "configs": configs,
        "partitions": d.partitions.iter().map(|p| json!({
            "partition": p.partition,
            "leader": p.leader,
            "replicas": p.replicas,
            "isr": p.isr,
            "leader_epoch": p.leader_epoch,
            "log_start_offset": p.log_start_offset,
            "log_end_offset": p.log_end_offset,
            "high_watermark": p.high_watermark,
            "size_bytes": p.size_bytes,
            "segments": p.segment_count,
        })).collect::<Vec<_>>(),
    })
}

fn print_description(s: &Session, d: &TopicDescription) -> Result<()> {
    if s.out.mode == crate::cli::Output::Json {
        return s.out.json(&description_json(d));
    }
    if s.out.quiet {
        return Ok(());
    }
    let (size, records) = totals(d);
    crate::output::write_out(&format!(
        "Topic:       {}\nPartitions:  {}\nReplication: {}\nRecords:     {records} retained, {}\n",
        d.name,
        d.partitions.len(),
        d.replication_factor,
        human_bytes(size)
    ))?;
    let mut configs = Table::new(["CONFIG", "VALUE"]);
    let sorted: BTreeMap<&String, &String> = d.configs.iter().collect();
    for (k, v) in sorted {
        configs.row([k.clone(), v.clone()]);
    }
    crate::output::write_out(&format!("{}\n", configs.render(s.out.color)))?;
    let mut header = vec![
        "PARTITION",
        "LEADER",
        "REPLICAS",
        "ISR",
        "START",
        "END",
        "HW",
        "SIZE",
    ];
    if s.out.wide() {
        header.extend(["SEGMENTS", "EPOCH"]);
    }
    let mut parts = Table::with_header(header);
    for p in &d.partitions {
        let mut row = vec![
            p.partition.to_string(),
            p.leader.to_string(),
            crate::output::node_list(&p.replicas),
            crate::output::node_list(&p.isr),
            p.log_start_offset.to_string(),
            p.log_end_offset.to_string(),
            p.high_watermark.to_string(),
            human_bytes(p.size_bytes),
        ];
        if s.out.wide() {
            row.extend([p.segment_count.to_string(), p.leader_epoch.to_string()]);
        }
        parts.row(row);
    }
    crate::output::write_out(&parts.render(s.out.color))
}

async fn alter_config(
    s: &Session,
    name: &str,
    set: Vec<(String, String)>,
    delete: Vec<String>,
    dry_run: bool,
) -> Result<()> {
    if set.is_empty() && delete.is_empty() {
        return Err(CliError::Other(
            "nothing to change: pass --set KEY=VALUE or --delete KEY".to_string(),
        ));
    }
    let admin = s.admin().await?;
    let before = s.call(admin.describe_topic(name)).await?.configs;
    let after = if dry_run {
        None
    } else {
        let pairs: Vec<(&str, &str)> = set.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let deletes: Vec<&str> = delete.iter().map(String::as_str).collect();
        Some(
            s.call(admin.alter_topic_config(name, &pairs, &deletes))
                .await?
                .configs,
        )
    };
    let mut table = Table::new(["CONFIG", "BEFORE", "AFTER"]);
    let mut changes = Vec::new();
    let keys: Vec<(&String, Option<&String>)> = set
        .iter()
        .map(|(k, v)| (k, Some(v)))
        .chain(delete.iter().map(|k| (k, None)))
        .collect();
    for (key, wanted) in keys {
        let old = before.get(key).cloned().unwrap_or_default();
        let new = match (&after, wanted) {
            (Some(after), _) => after.get(key).cloned().unwrap_or_default(),
            (None, Some(v)) => v.clone(),
            (None, None) => "(default)".to_string(),
        };
        table.row([key.clone(), old.clone(), new.clone()]);
        changes.push(json!({ "key": key, "before": old, "after": new }));
    }
    if dry_run {
        s.out.note("dry run: nothing changed");
    }
    s.out.emit(
        &table,
        &json!({ "name": name, "changes": changes, "applied": !dry_run }),
    )
}

async fn delete(s: &Session, name: &str, yes: bool, dry_run: bool) -> Result<()> {
    let admin = s.admin().await?;
    let d = s.call(admin.describe_topic(name)).await?;
    let (size, records) = totals(&d);
    let summary = json!({
        "name": name, "partitions": d.partitions.len(), "records": records, "size_bytes": size,
    });
    if dry_run {
        let mut table = Table::new(["ACTION", "TOPIC", "PARTITIONS", "RECORDS", "SIZE"]);
        table.row([
            "delete".to_string(),
            name.to_string(),
            d.partitions.len().to_string(),
            records.to_string(),
            human_bytes(size),
        ]);
        s.out.note("dry run: nothing changed");
        let mut doc = summary;
        doc["deleted"] = json!(false);
        return s.out.emit(&table, &doc);
    }
    if !yes {
        confirm(&format!(
            "Delete topic {name:?} with {} partition(s), {records} record(s), {}? Type the topic name to confirm: ",
            d.partitions.len(),
            human_bytes(size)
        ), name)?;
    }
    s.call(admin.delete_topic(name)).await?;
    s.out.note(&format!("deleted topic {name:?}"));
    let mut doc = summary;
    doc["deleted"] = json!(true);
    s.out.json(&doc)
}

/// Bytes stored and records retained across a topic's partitions.
fn totals(d: &TopicDescription) -> (u64, i64) {
    let size = d.partitions.iter().map(|p| p.size_bytes).sum();
    let records = d
        .partitions
        .iter()
        .map(|p| p.high_watermark - p.log_start_offset)
        .sum();
    (size, records)
}

/// Asks on a terminal for `expected` to be typed; refuses off a terminal.
pub fn confirm(question: &str, expected: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Other(
            "refusing to delete without --yes: stdin is not a terminal, so nobody can confirm"
                .to_string(),
        ));
    }
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| CliError::Other(format!("reading the answer: {e}")))?;
    if answer.trim() == expected {
        Ok(())
    } else {
        Err(CliError::Other(
            "not confirmed; nothing deleted".to_string(),
        ))
    }
}
