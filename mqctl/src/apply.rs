//! `mqctl diff -f FILE` and `mqctl apply -f FILE`: topics as a desired
//! state. The file names topics with their partition counts and the
//! configs that matter; `diff` prints the plan against the live cluster,
//! `apply` carries out exactly that plan. Applying twice changes nothing
//! the second time. Configs not named in the file are left as they are;
//! topics not in the file are deleted only with `--prune`.
//!
//! ```toml
//! [topics.orders]
//! partitions = 6
//! config = { "retention.ms" = 86400000, "cleanup.policy" = "delete" }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::json;

use crate::error::{CliError, Result};
use crate::output::Table;
use crate::session::Session;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DesiredState {
    #[serde(default)]
    topics: BTreeMap<String, DesiredTopic>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DesiredTopic {
    partitions: u32,
    /// 0 or absent: the cluster's default.
    #[serde(default)]
    replication_factor: u32,
    #[serde(default)]
    config: BTreeMap<String, toml::Value>,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Create {
        topic: String,
        partitions: u32,
        replication_factor: u32,
        config: BTreeMap<String, String>,
    },
    AddPartitions {
        topic: String,
        from: u32,
        to: u32,
    },
    SetConfig {
        topic: String,
        key: String,
        before: String,
        after: String,
    },
    Delete {
        topic: String,
    },
}

impl Change {
    fn row(&self) -> [String; 3] {
        match self {
            Change::Create {
                topic,
                partitions,
                replication_factor,
                config,
            } => {
                let mut detail = format!("partitions={partitions}");
                if *replication_factor > 0 {
                    detail.push_str(&format!(" replication_factor={replication_factor}"));
                }
                for (k, v) in config {
                    detail.push_str(&format!(" {k}={v}"));
                }
                ["create".into(), topic.clone(), detail]
            }
            Change::AddPartitions { topic, from, to } => [
                "add-partitions".into(),
                topic.clone(),
                format!("partitions {from} -> {to}"),
            ],
            Change::SetConfig {
                topic,
                key,
                before,
                after,
            } => [
                "set-config".into(),
                topic.clone(),
                format!("{key} {before} -> {after}"),
            ],
            Change::Delete { topic } => ["delete".into(), topic.clone(), String::new()],
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Change::Create {
                topic,
                partitions,
                replication_factor,
                config,
            } => json!({
                "action": "create", "topic": topic, "partitions": partitions,
                "replication_factor": replication_factor, "config": config,
            }),
            Change::AddPartitions { topic, from, to } => {
                json!({ "action": "add-partitions", "topic": topic, "before": from, "after": to })
            }
            Change::SetConfig {
                topic,
                key,
                before,
                after,
            } => json!({
                "action": "set-config", "topic": topic, "key": key, "before": before, "after": after,
            }),
            Change::Delete { topic } => json!({ "action": "delete", "topic": topic }),
        }
    }
}

fn load(path: &Path) -> Result<DesiredState> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Other(format!("cannot read {}: {e}", path.display())))?;
    let state: DesiredState =
        toml::from_str(&text).map_err(|e| CliError::Other(format!("{}: {e}", path.display())))?;
    for (name, t) in &state.topics {
        if t.partitions == 0 {
            return Err(CliError::Other(format!(
                "{}: topic {name:?} needs partitions = 1 or more",
                path.display()
            )));
        }
        for (key, value) in &t.config {
            config_text(value).ok_or_else(|| {
                CliError::Other(format!(
                    "{}: topic {name:?} config {key:?} must be a string, number or boolean",
                    path.display()
                ))
            })?;
        }
    }
    Ok(state)
}

fn config_text(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The plan from the live cluster to `desired`.
async fn plan(s: &Session, desired: &DesiredState, prune: bool) -> Result<Vec<Change>> {
    let admin = s.admin().await?;
    let live = s.call(admin.list_topics("")).await?;
    let mut changes = Vec::new();
    for (name, want) in &desired.topics {
        let config: BTreeMap<String, String> = want
            .config
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), config_text(v)?)))
            .collect();
        if !live.iter().any(|t| &t.name == name) {
            changes.push(Change::Create {
                topic: name.clone(),
                partitions: want.partitions,
                replication_factor: want.replication_factor,
                config,
            });
            continue;
        }
        let d = s.call(admin.describe_topic(name)).await?;
        let have = d.partitions.len() as u32;
        if want.partitions < have {
            return Err(CliError::Conflict(format!(
                "topic {name:?} has {have} partitions and the file says {}; partitions cannot be removed (raise the count in the file)",
                want.partitions
            )));
        }
        if want.replication_factor != 0 && want.replication_factor != d.replication_factor {
            return Err(CliError::Conflict(format!(
                "topic {name:?} has replication factor {} and the file says {}; changing it is not supported",
                d.replication_factor, want.replication_factor
            )));
        }
        if want.partitions > have {
            changes.push(Change::AddPartitions {
                topic: name.clone(),
                from: have,
                to: want.partitions,
            });
        }
        for (key, after) in config {
            let before = d.configs.get(&key).cloned().unwrap_or_default();
            if before != after {
                changes.push(Change::SetConfig {
                    topic: name.clone(),
                    key,
                    before,
                    after,
                });
            }
        }
    }
    if prune {
        for t in &live {
            if !desired.topics.contains_key(&t.name) {
                changes.push(Change::Delete {
                    topic: t.name.clone(),
                });
            }
        }
    }
    Ok(changes)
}

fn print_plan(s: &Session, changes: &[Change], applied: bool) -> Result<()> {
    let mut table = Table::new(["ACTION", "TOPIC", "CHANGE"]);
    for c in changes {
        table.row(c.row());
    }
    if changes.is_empty() {
        s.out.note("no changes: the cluster matches the file");
    } else if !applied {
        s.out.note(&format!(
            "{} change(s); `mqctl apply -f FILE` carries them out",
            changes.len()
        ));
    }
    if changes.is_empty() {
        return s.out.json(&json!({ "changes": [], "applied": applied }));
    }
    s.out.emit(
        &table,
        &json!({ "changes": changes.iter().map(Change::json).collect::<Vec<_>>(), "applied": applied }),
    )
}

pub async fn diff(s: &Session, file: &Path, prune: bool) -> Result<()> {
    let desired = load(file)?;
    let changes = plan(s, &desired, prune).await?;
    print_plan(s, &changes, false)
}

pub async fn apply(s: &Session, file: &Path, prune: bool, dry_run: bool) -> Result<()> {
    let desired = load(file)?;
    if dry_run {
        return diff(s, file, prune).await;
    }
    s.target.check_writable("apply")?;
    let changes = plan(s, &desired, prune).await?;
    let client = s.client().await?;
    let admin = mq::Admin::new(&client);
    for change in &changes {
        match change {
            Change::Create {
                topic,
                partitions,
                replication_factor,
                config,
            } => {
                let request = mq::proto::CreateTopicRequest {
                    name: topic.clone(),
                    partitions: *partitions,
                    replication_factor: *replication_factor,
                    configs: config.clone().into_iter().collect(),
                };
                s.rpc(client.admin_raw().create_topic(request)).await?;
            }
            Change::AddPartitions { topic, to, .. } => {
                s.call(admin.add_partitions(topic, *to)).await?;
            }
            Change::SetConfig {
                topic, key, after, ..
            } => {
                s.call(admin.alter_topic_config(topic, &[(key, after)], &[]))
                    .await?;
            }
            Change::Delete { topic } => {
                s.call(admin.delete_topic(topic)).await?;
            }
        }
    }
    print_plan(s, &changes, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_format_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(
            &path,
            "[topics.a]\npartitions = 2\nconfig = { \"retention.ms\" = 1000 }\n",
        )
        .unwrap();
        let state = load(&path).unwrap();
        assert_eq!(
            config_text(&state.topics["a"].config["retention.ms"]).as_deref(),
            Some("1000")
        );
        for bad in [
            "[topics.a]\npartitions = 0\n",
            "[topics.a]\npartitions = 1\nbogus = 2\n",
            "[topics.a]\npartitions = 1\nconfig = { x = [1] }\n",
            "[topics.a]\n",
        ] {
            std::fs::write(&path, bad).unwrap();
            assert!(load(&path).is_err(), "{bad}");
        }
    }
}
