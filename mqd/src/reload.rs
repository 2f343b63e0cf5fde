//! SIGHUP: the config is read again and what can change while mqd runs is
//! applied (the log filter, broker-wide topic defaults, alert rules,
//! webhooks and their CA file); every other change
//! is logged as needing a restart, so nothing is silently ignored. A config
//! that does not validate changes nothing.

use tokio::sync::mpsc;

use crate::broker::Broker;
use crate::config::ValidConfig;

/// Applies reloaded configs as they arrive, until the sender is dropped.
pub async fn serve(
    broker: std::sync::Arc<Broker>,
    mut running: ValidConfig,
    mut reloads: mpsc::Receiver<ValidConfig>,
) {
    while let Some(new) = reloads.recv().await {
        apply(&broker, &mut running, new).await;
    }
}

async fn apply(broker: &Broker, running: &mut ValidConfig, new: ValidConfig) {
    let mut applied = Vec::new();
    if new.log_level != running.log_level {
        match crate::logging::set_level(&new.log_level, false) {
            Ok(_) => applied.push("log.level"),
            Err(e) => tracing::error!(error = %e, "reload: log.level not applied"),
        }
    }
    if new.topic_defaults != running.topic_defaults {
        match broker.topics.set_defaults(new.topic_defaults.clone()).await {
            Ok(changed) => {
                tracing::info!(topics_changed = changed, "reload: topic defaults applied");
                applied.push("topic defaults");
            }
            Err(e) => {
                tracing::error!(error = %e, "reload: topic defaults not applied (a topic's config would be invalid)");
            }
        }
    }
    if new.alerts.rules != running.alerts.rules {
        broker.alerting.set_config_rules(new.alerts.rules.clone());
        applied.push("alerts.rules");
    }
    if new.alerts.webhooks != running.alerts.webhooks || new.alerts.trust != running.alerts.trust {
        for (webhook, events) in broker.alerting.replace_webhooks(&new.alerts.webhooks) {
            tokio::spawn(crate::alerts::webhook::deliver(
                webhook,
                new.alerts.trust.clone(),
                events,
                broker.shutdown.clone(),
            ));
        }
        applied.push("alerts.webhooks");
    }
    let restart: Vec<&str> = [
        (
            "alerts.evaluate_interval_ms",
            new.alerts.interval != running.alerts.interval,
        ),
        ("data_dir", new.data_dir != running.data_dir),
        ("listen", new.listen != running.listen),
        (
            "metrics_listen",
            new.metrics_listen != running.metrics_listen,
        ),
        ("node_id", new.node_id != running.node_id),
        ("advertise", new.advertise != running.advertise),
        ("peers", new.peers != running.peers),
        ("log.format", new.log_format != running.log_format),
        ("storage.fsync", new.fsync != running.fsync),
        (
            "storage.retention_check_interval_ms",
            new.retention_check_interval != running.retention_check_interval,
        ),
        (
            "limits.max_partitions_per_topic",
            new.max_partitions_per_topic != running.max_partitions_per_topic,
        ),
        (
            "limits.max_fetch_bytes",
            new.max_fetch_bytes != running.max_fetch_bytes,
        ),
        (
            "limits.shutdown_timeout_ms",
            new.shutdown_timeout != running.shutdown_timeout,
        ),
    ]
    .into_iter()
    .filter(|(_, changed)| *changed)
    .map(|(key, _)| key)
    .collect();
    for key in &restart {
        tracing::warn!(
            key,
            "reload: {key} changed; it takes effect after a restart"
        );
    }
    tracing::info!(
        applied = %applied.join(", "),
        need_restart = %restart.join(", "),
        "config reloaded"
    );
    // What was applied is what runs now; the rest still runs as before.
    running.log_level = new.log_level;
    running.topic_defaults = broker.topics.defaults();
    running.alerts.rules = new.alerts.rules;
    running.alerts.webhooks = new.alerts.webhooks;
    running.alerts.trust = new.alerts.trust;
}
