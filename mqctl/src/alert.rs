//! `mqctl alert`: list alerts, acknowledge one, list and set rules.

use mq::human::{age_ms as age, alert_state as state_name};
use mq::proto::{AckAlertRequest, AlertRule, AlertState, ListAlertRulesRequest, ListAlertsRequest};
use serde_json::{json, Value};

use crate::cli::{AlertCommand, AlertStateArg, RulesCommand};
use crate::error::Result;
use crate::output::Table;
use crate::session::Session;

fn alert_json(a: &mq::proto::Alert) -> Value {
    json!({
        "id": a.id, "rule": a.rule, "severity": a.severity, "subject": a.subject,
        "state": state_name(a.state), "since_ms": a.since_ms, "fired_ms": a.fired_ms,
        "value": a.value, "threshold": a.threshold, "message": a.message, "ack_note": a.ack_note,
    })
}

fn rule_json(r: &AlertRule) -> Value {
    json!({ "name": r.name, "metric": r.metric, "threshold": r.threshold, "for": r.r#for, "severity": r.severity })
}

async fn list_rules(s: &Session, client: &mq::Client) -> Result<Vec<AlertRule>> {
    Ok(s.rpc(
        client
            .admin_raw()
            .list_alert_rules(ListAlertRulesRequest {}),
    )
    .await?
    .rules)
}

pub async fn run(s: &Session, command: AlertCommand) -> Result<()> {
    let client = s.client().await?;
    match command {
        AlertCommand::List { state } => {
            let state = match state {
                None => AlertState::Unspecified,
                Some(AlertStateArg::Pending) => AlertState::Pending,
                Some(AlertStateArg::Firing) => AlertState::Firing,
                Some(AlertStateArg::Acknowledged) => AlertState::Acknowledged,
                Some(AlertStateArg::Resolved) => AlertState::Resolved,
            };
            let alerts = s
                .rpc(client.admin_raw().list_alerts(ListAlertsRequest {
                    state: state as i32,
                }))
                .await?
                .alerts;
            let mut table = Table::new(["ID", "SEVERITY", "STATE", "SINCE", "VALUE", "MESSAGE"]);
            for a in &alerts {
                table.row([
                    a.id.clone(),
                    a.severity.clone(),
                    state_name(a.state).to_string(),
                    age(a.since_ms),
                    format!("{:.1}", a.value),
                    a.message.clone(),
                ]);
            }
            s.out.emit(
                &table,
                &Value::Array(alerts.iter().map(alert_json).collect()),
            )
        }
        AlertCommand::Ack { id, note } => {
            s.target.check_writable("alert ack")?;
            let a = s
                .rpc(client.admin_raw().ack_alert(AckAlertRequest { id, note }))
                .await?;
            s.out.note(&format!("acknowledged {}", a.id));
            s.out.json(&alert_json(&a))
        }
        AlertCommand::Rules(RulesCommand::List) => {
            let rules = list_rules(s, &client).await?;
            let mut table = Table::new(["NAME", "METRIC", "THRESHOLD", "FOR", "SEVERITY"]);
            for r in &rules {
                table.row([
                    r.name.clone(),
                    r.metric.clone(),
                    r.threshold.to_string(),
                    r.r#for.clone(),
                    r.severity.clone(),
                ]);
            }
            s.out
                .emit(&table, &Value::Array(rules.iter().map(rule_json).collect()))
        }
        AlertCommand::Rules(RulesCommand::Set {
            name,
            metric,
            threshold,
            for_,
            severity,
            dry_run,
        }) => {
            let rule = AlertRule {
                name,
                metric,
                threshold,
                r#for: for_,
                severity,
            };
            let current = list_rules(s, &client)
                .await?
                .into_iter()
                .find(|r| r.name == rule.name);
            let describe = |r: &AlertRule| {
                format!(
                    "{} > {} for {} ({})",
                    r.metric, r.threshold, r.r#for, r.severity
                )
            };
            let mut table = Table::new(["RULE", "BEFORE", "AFTER"]);
            let before = current.as_ref().map_or("(none)".to_string(), describe);
            if dry_run {
                table.row([rule.name.clone(), before, describe(&rule)]);
                s.out.note("dry run: nothing changed");
                return s.out.emit(
                    &table,
                    &json!({ "rule": rule_json(&rule), "applied": false }),
                );
            }
            s.target.check_writable("alert rules set")?;
            let stored = s.rpc(client.admin_raw().set_alert_rule(rule)).await?;
            table.row([stored.name.clone(), before, describe(&stored)]);
            s.out.emit(
                &table,
                &json!({ "rule": rule_json(&stored), "applied": true }),
            )
        }
    }
}
