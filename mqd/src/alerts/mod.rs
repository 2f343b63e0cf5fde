//! Alerts: rules evaluated against the broker's figures (the same ones
//! Stats and /metrics show), alerts with a subject and a state (pending,
//! firing, acknowledged, resolved) that survive restarts, and webhooks told
//! of every firing and resolving. See docs/alerts.md.

pub mod evaluate;
pub mod rules;
pub mod webhook;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use self::rules::{Rule, Severity};
use self::webhook::Webhook;
use crate::broker::Broker;
use crate::error::{BrokerError, Result};
use crate::meta::Meta;

/// Resolved alerts stay listed this long.
const KEEP_RESOLVED_MS: i64 = 3_600_000;
const STORE_KEY: &str = "alerts/state";
const RULES_KEY: &str = "alerts/rules";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Pending,
    Firing,
    Acknowledged,
    Resolved,
}

impl AlertState {
    pub fn name(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: String,
    pub rule: String,
    pub severity: Severity,
    pub subject: String,
    pub state: AlertState,
    /// When the current state began (ms since the epoch).
    pub since_ms: i64,
    pub value: f64,
    pub threshold: f64,
    pub message: String,
    #[serde(default)]
    pub ack_note: String,
    #[serde(default)]
    pub fired_ms: i64,
}

/// One measured value of a rule's metric for one subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub subject: String,
    pub value: f64,
    pub message: String,
}

/// Settings from the config file.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSettings {
    pub interval: Duration,
    pub rules: Vec<Rule>,
    pub webhooks: Vec<Webhook>,
    pub trust: webhook::Trust,
}

pub struct Alerting {
    config_rules: Mutex<Vec<Rule>>,
    stored_rules: Mutex<BTreeMap<String, Rule>>,
    alerts: Mutex<BTreeMap<String, Alert>>,
    meta: Meta,
    /// Replaced whole on reload; the old queues drain into their old
    /// delivery tasks, which end once empty.
    webhooks: Mutex<Vec<mpsc::Sender<serde_json::Value>>>,
    pub(crate) memory: Mutex<evaluate::Memory>,
    pub interval: Duration,
    /// An alert changed since it was last stored.
    dirty: std::sync::atomic::AtomicBool,
}

impl Alerting {
    /// Loads stored alerts and rules; returns the webhook queues to start.
    pub fn open(meta: Meta, settings: &AlertSettings) -> Result<(Alerting, Vec<WebhookQueue>)> {
        let alerts: Vec<Alert> = meta.get_json(STORE_KEY)?.unwrap_or_default();
        let stored: Vec<Rule> = meta.get_json(RULES_KEY)?.unwrap_or_default();
        let (senders, receivers) = queues(&settings.webhooks);
        Ok((
            Alerting {
                config_rules: Mutex::new(settings.rules.clone()),
                stored_rules: Mutex::new(stored.into_iter().map(|r| (r.name.clone(), r)).collect()),
                alerts: Mutex::new(alerts.into_iter().map(|a| (a.id.clone(), a)).collect()),
                meta,
                webhooks: Mutex::new(senders),
                memory: Mutex::new(evaluate::Memory::default()),
                interval: settings.interval,
                dirty: std::sync::atomic::AtomicBool::new(false),
            },
            receivers,
        ))
    }

    /// New webhooks (a reload): notifications go to these from now on;
    /// returns their queues for delivery tasks to start.
    pub fn replace_webhooks(&self, webhooks: &[Webhook]) -> Vec<WebhookQueue> {
        let (senders, receivers) = queues(webhooks);
        *self.webhooks.lock() = senders;
        receivers
    }

    /// Config rules, replaced by stored rules of the same name.
    pub fn rules(&self) -> Vec<Rule> {
        let stored = self.stored_rules.lock();
        let mut out: Vec<Rule> = self
            .config_rules
            .lock()
            .iter()
            .filter(|r| !stored.contains_key(&r.name))
            .cloned()
            .collect();
        out.extend(stored.values().cloned());
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Replaces the config file's rules (a reload); stored rules still win.
    pub fn set_config_rules(&self, rules: Vec<Rule>) {
        *self.config_rules.lock() = rules;
    }

    pub async fn set_rule(&self, rule: Rule) -> Result<Rule> {
        let all: Vec<Rule> = {
            let mut stored = self.stored_rules.lock();
            stored.insert(rule.name.clone(), rule.clone());
            stored.values().cloned().collect()
        };
        self.meta.put_json(RULES_KEY, &all)?;
        self.meta.sync().await?;
        tracing::info!(rule = %rule.name, metric = rule.metric.name(), threshold = rule.threshold, "alert rule set");
        Ok(rule)
    }

    pub fn list(&self, state: Option<AlertState>) -> Vec<Alert> {
        self.alerts
            .lock()
            .values()
            .filter(|a| state.is_none_or(|s| a.state == s))
            .cloned()
            .collect()
    }

    pub async fn acknowledge(&self, id: &str, note: &str) -> Result<Alert> {
        let alert = {
            let mut alerts = self.alerts.lock();
            let Some(alert) = alerts.get_mut(id) else {
                return Err(BrokerError::AlertNotFound(id.to_string()));
            };
            if !matches!(alert.state, AlertState::Firing | AlertState::Acknowledged) {
                return Err(BrokerError::AlertNotFiring {
                    id: id.to_string(),
                    state: alert.state.name(),
                });
            }
            alert.state = AlertState::Acknowledged;
            alert.ack_note = note.to_string();
            alert.clone()
        };
        self.store().await?;
        tracing::info!(alert = id, note, "alert acknowledged");
        Ok(alert)
    }

    async fn store(&self) -> Result<()> {
        let all: Vec<Alert> = self.alerts.lock().values().cloned().collect();
        self.meta.put_json(STORE_KEY, &all)?;
        self.meta.sync().await?;
        Ok(())
    }

    /// Moves alerts along given this round's observations (breaching ones
    /// only), returning the events to send.
    pub fn advance(
        &self,
        now_ms: i64,
        breaching: &[(Rule, Observation)],
    ) -> Vec<serde_json::Value> {
        let mut events = Vec::new();
        let mut alerts = self.alerts.lock();
        let mut seen = std::collections::HashSet::new();
        let mut changed = false;
        for (rule, obs) in breaching {
            let id = format!("{}/{}", rule.name, obs.subject);
            seen.insert(id.clone());
            let entry = alerts.entry(id.clone()).or_insert_with(|| Alert {
                id: id.clone(),
                rule: rule.name.clone(),
                severity: rule.severity,
                subject: obs.subject.clone(),
                state: AlertState::Resolved,
                since_ms: now_ms,
                value: obs.value,
                threshold: rule.threshold,
                message: obs.message.clone(),
                ack_note: String::new(),
                fired_ms: 0,
            });
            let old = entry.clone();
            entry.value = obs.value;
            entry.threshold = rule.threshold;
            entry.severity = rule.severity;
            entry.message = obs.message.clone();
            if entry.state == AlertState::Resolved {
                entry.state = AlertState::Pending;
                entry.since_ms = now_ms;
                entry.ack_note.clear();
            }
            if entry.state == AlertState::Pending
                && now_ms - entry.since_ms >= rule.for_.as_millis() as i64
            {
                entry.state = AlertState::Firing;
                entry.since_ms = now_ms;
                entry.fired_ms = now_ms;
                tracing::warn!(alert = %id, value = obs.value, threshold = rule.threshold, "alert firing: {}", obs.message);
                events.push(event("firing", entry));
            }
            changed |= *entry != old;
        }
        alerts.retain(|id, alert| {
            if seen.contains(id) {
                return true;
            }
            match alert.state {
                AlertState::Pending => {
                    changed = true;
                    false
                }
                AlertState::Firing | AlertState::Acknowledged => {
                    changed = true;
                    alert.state = AlertState::Resolved;
                    alert.since_ms = now_ms;
                    tracing::info!(alert = %id, "alert resolved");
                    events.push(event("resolved", alert));
                    true
                }
                AlertState::Resolved => {
                    let keep = now_ms - alert.since_ms < KEEP_RESOLVED_MS;
                    changed |= !keep;
                    keep
                }
            }
        });
        if changed {
            self.dirty.store(true, std::sync::atomic::Ordering::Release);
        }
        events
    }

    fn notify(&self, events: Vec<serde_json::Value>) {
        let webhooks = self.webhooks.lock().clone();
        for e in events {
            for tx in &webhooks {
                if tx.try_send(e.clone()).is_err() {
                    tracing::warn!(
                        "webhook queue full or closed; an alert notification was dropped"
                    );
                }
            }
        }
    }
}

fn event(kind: &str, alert: &Alert) -> serde_json::Value {
    serde_json::json!({ "event": kind, "alert": alert })
}

/// Evaluates the rules every interval until shutdown.
pub async fn run(broker: Arc<Broker>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(broker.alerting.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        let rules = broker.alerting.rules();
        let observations = evaluate::observe(&broker, &rules).await;
        let breaching: Vec<(Rule, Observation)> = observations
            .into_iter()
            .filter(|(rule, obs)| obs.value > rule.threshold)
            .collect();
        let events = broker.alerting.advance(mq::record::now_ms(), &breaching);
        broker.alerting.notify(
            events
                .into_iter()
                .map(|mut e| {
                    e["broker"] = serde_json::json!({
                        "node_id": broker.identity.node_id,
                        "cluster_id": broker.cluster_id(),
                    });
                    e
                })
                .collect(),
        );
        if broker
            .alerting
            .dirty
            .swap(false, std::sync::atomic::Ordering::AcqRel)
        {
            if let Err(e) = broker.alerting.store().await {
                tracing::error!(error = %e, "storing alerts failed");
            }
        }
    }
}

/// A webhook with the receiving end of its event queue.
pub type WebhookQueue = (Webhook, mpsc::Receiver<serde_json::Value>);

type Senders = Vec<mpsc::Sender<serde_json::Value>>;

fn queues(webhooks: &[Webhook]) -> (Senders, Vec<WebhookQueue>) {
    webhooks
        .iter()
        .map(|w| {
            let (tx, rx) = mpsc::channel(webhook::QUEUE);
            (tx, (w.clone(), rx))
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::rules::Metric;

    fn alerting() -> (tempfile::TempDir, Alerting) {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        let settings = AlertSettings {
            interval: Duration::from_secs(1),
            rules: Vec::new(),
            webhooks: Vec::new(),
            trust: webhook::Trust::load(None).unwrap(),
        };
        (dir, Alerting::open(meta, &settings).unwrap().0)
    }

    fn rule(for_secs: u64) -> Rule {
        Rule {
            name: "lag".into(),
            metric: Metric::GroupLagRecords,
            threshold: 10.0,
            for_: Duration::from_secs(for_secs),
            severity: Severity::Warning,
        }
    }

    fn obs(value: f64) -> Observation {
        Observation {
            subject: "group g".into(),
            value,
            message: format!("lag {value}"),
        }
    }

    #[test]
    fn pending_then_firing_after_the_for_duration_then_resolved() {
        let (_d, a) = alerting();
        let r = rule(60);
        assert!(a.advance(0, &[(r.clone(), obs(20.0))]).is_empty());
        assert_eq!(a.list(None)[0].state, AlertState::Pending);
        assert!(a.advance(30_000, &[(r.clone(), obs(25.0))]).is_empty());
        let fired = a.advance(60_000, &[(r.clone(), obs(30.0))]);
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0]["event"], "firing");
        assert_eq!(fired[0]["alert"]["value"], 30.0);
        assert_eq!(a.list(Some(AlertState::Firing)).len(), 1);
        let resolved = a.advance(61_000, &[]);
        assert_eq!(resolved[0]["event"], "resolved");
        assert_eq!(a.list(None)[0].state, AlertState::Resolved);
        // Resolved alerts are forgotten after an hour.
        a.advance(61_000 + KEEP_RESOLVED_MS, &[]);
        assert!(a.list(None).is_empty());
    }

    #[test]
    fn a_blip_shorter_than_the_for_duration_never_fires() {
        let (_d, a) = alerting();
        let r = rule(60);
        a.advance(0, &[(r.clone(), obs(20.0))]);
        assert!(a.advance(10_000, &[]).is_empty());
        assert!(a.list(None).is_empty());
    }

    #[tokio::test]
    async fn acknowledging_needs_a_firing_alert() {
        let (_d, a) = alerting();
        let r = rule(0);
        assert!(a.acknowledge("lag/group g", "x").await.is_err());
        a.advance(0, &[(r.clone(), obs(20.0))]);
        let acked = a.acknowledge("lag/group g", "looking").await.unwrap();
        assert_eq!(
            (acked.state, acked.ack_note.as_str()),
            (AlertState::Acknowledged, "looking")
        );
        // Still breaching: stays acknowledged; then resolves.
        assert!(a.advance(1000, &[(r.clone(), obs(21.0))]).is_empty());
        assert_eq!(a.advance(2000, &[])[0]["event"], "resolved");
        let err = a.acknowledge("lag/group g", "late").await.unwrap_err();
        assert!(err.to_string().contains("resolved"), "{err}");
    }
}
