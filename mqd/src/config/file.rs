//! The shape of the config file. Every field has a default, so an empty
//! file (or none) is a working single-node broker.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfigFile {
    pub data_dir: PathBuf,
    pub listen: String,
    pub metrics_listen: String,
    pub node_id: u32,
    pub advertise: Option<String>,
    pub peers: String,
    pub cluster: ClusterSection,
    pub log: LogSection,
    pub storage: StorageSection,
    pub limits: LimitsSection,
    pub alerts: AlertsSection,
    pub canary: CanarySection,
    /// Broker-wide defaults for topic configs (keys as in `mqctl topic create --config`).
    pub topic_defaults: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterSection {
    pub heartbeat_interval_ms: u64,
    pub session_timeout_ms: u64,
    pub replica_lag_time_max_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSection {
    pub level: String,
    pub format: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSection {
    pub fsync: String,
    pub retention_check_interval_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    pub max_partitions_per_topic: u32,
    pub max_fetch_bytes: u32,
    pub shutdown_timeout_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsSection {
    pub evaluate_interval_ms: u64,
    pub webhooks: Vec<String>,
    /// Extra CAs for https webhooks (empty: the built-in roots only).
    pub webhook_ca_file: PathBuf,
    pub rules: Vec<RuleFile>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub name: String,
    pub metric: String,
    /// A number (integer or float).
    pub threshold: toml::Value,
    #[serde(rename = "for", default)]
    pub for_: String,
    #[serde(default)]
    pub severity: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CanarySection {
    pub interval_ms: u64,
}

impl Default for CanarySection {
    fn default() -> Self {
        CanarySection { interval_ms: 1000 }
    }
}

impl Default for AlertsSection {
    fn default() -> Self {
        AlertsSection {
            evaluate_interval_ms: 5000,
            webhooks: Vec::new(),
            webhook_ca_file: PathBuf::new(),
            rules: Vec::new(),
        }
    }
}

impl Default for ConfigFile {
    fn default() -> Self {
        ConfigFile {
            data_dir: PathBuf::from("./data"),
            listen: "127.0.0.1:7420".into(),
            metrics_listen: "127.0.0.1:7421".into(),
            node_id: 1,
            advertise: None,
            peers: String::new(),
            cluster: ClusterSection::default(),
            log: LogSection::default(),
            storage: StorageSection::default(),
            limits: LimitsSection::default(),
            alerts: AlertsSection::default(),
            canary: CanarySection::default(),
            topic_defaults: BTreeMap::new(),
        }
    }
}

impl Default for ClusterSection {
    fn default() -> Self {
        ClusterSection {
            heartbeat_interval_ms: 500,
            session_timeout_ms: 2_000,
            replica_lag_time_max_ms: 10_000,
        }
    }
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

impl Default for StorageSection {
    fn default() -> Self {
        StorageSection {
            fsync: "interval:1000".into(),
            retention_check_interval_ms: 30_000,
        }
    }
}

impl Default for LimitsSection {
    fn default() -> Self {
        LimitsSection {
            max_partitions_per_topic: 10_000,
            max_fetch_bytes: 16 * 1024 * 1024,
            shutdown_timeout_ms: 20_000,
        }
    }
}
