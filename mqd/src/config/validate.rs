//! Turning a config file (plus overrides) into settings the broker trusts.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

use super::file::ConfigFile;
use crate::alerts::rules::{Rule, RuleText};
use crate::alerts::webhook::Webhook;
use crate::alerts::AlertSettings;
use crate::cluster::ClusterSettings;
use crate::fsync::FsyncPolicy;
use crate::topic_config::{self, TopicConfig};

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{origin}: {key} = {value:?} is invalid: {expected}")]
    Invalid {
        origin: String,
        key: &'static str,
        value: String,
        expected: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub node_id: u32,
    pub address: String,
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub struct ValidConfig {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub metrics_listen: SocketAddr,
    pub node_id: u32,
    pub advertise: Option<String>,
    pub peers: Vec<Peer>,
    pub cluster: ClusterSettings,
    pub log_level: String,
    pub log_format: LogFormat,
    pub fsync: FsyncPolicy,
    pub retention_check_interval: Duration,
    pub max_partitions_per_topic: u32,
    pub max_fetch_bytes: u32,
    pub shutdown_timeout: Duration,
    pub topic_defaults: BTreeMap<String, String>,
    pub alerts: AlertSettings,
    /// None: the canary is off.
    pub canary_interval: Option<Duration>,
}

impl ConfigFile {
    /// Reads and parses a config file; unknown keys are errors that name
    /// the key, line and column.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    /// Checks every value. `origin` names where values came from, for errors.
    pub fn validate(&self, origin: &str) -> Result<ValidConfig, ConfigError> {
        let invalid = |key: &'static str, value: &str, expected: &str| ConfigError::Invalid {
            origin: origin.to_string(),
            key,
            value: value.to_string(),
            expected: expected.to_string(),
        };
        let addr = |key: &'static str, value: &str| {
            value
                .parse::<SocketAddr>()
                .map_err(|_| invalid(key, value, "an IP address and port such as 127.0.0.1:7420"))
        };
        if self.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "", "a directory path"));
        }
        let log_format = match self.log.format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => return Err(invalid("log.format", other, "text or json")),
        };
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(invalid(
                "log.level",
                &self.log.level,
                "error, warn, info, debug, trace, or a tracing filter such as mqd=debug",
            ));
        }
        let fsync = self
            .storage
            .fsync
            .parse::<FsyncPolicy>()
            .map_err(|e| invalid("storage.fsync", &self.storage.fsync, &e))?;
        if self.storage.retention_check_interval_ms == 0 {
            return Err(invalid(
                "storage.retention_check_interval_ms",
                "0",
                "a positive number of ms",
            ));
        }
        if self.limits.max_partitions_per_topic == 0
            || self.limits.max_partitions_per_topic > 100_000
        {
            return Err(invalid(
                "limits.max_partitions_per_topic",
                &self.limits.max_partitions_per_topic.to_string(),
                "from 1 to 100000",
            ));
        }
        if self.limits.max_fetch_bytes < 1024 || self.limits.max_fetch_bytes > 64 << 20 {
            return Err(invalid(
                "limits.max_fetch_bytes",
                &self.limits.max_fetch_bytes.to_string(),
                "from 1024 to 67108864",
            ));
        }
        let mut topic_defaults = BTreeMap::new();
        for (k, v) in &self.topic_defaults {
            let value = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(invalid(
                        "topic_defaults",
                        &other.to_string(),
                        "a string or an integer",
                    ))
                }
            };
            topic_defaults.insert(k.clone(), value);
        }
        TopicConfig::parse(&topic_config::effective(&topic_defaults, &BTreeMap::new()))
            .map_err(|e| invalid("topic_defaults", "", &e.to_string()))?;
        let alerts = self.alert_settings(&invalid)?;
        let canary_interval = match self.canary.interval_ms {
            0 => None,
            ms if (100..=3_600_000).contains(&ms) => Some(Duration::from_millis(ms)),
            ms => {
                return Err(invalid(
                    "canary.interval_ms",
                    &ms.to_string(),
                    "0 (off) or from 100 to 3600000",
                ))
            }
        };
        let peers = parse_peers(&self.peers).map_err(|e| invalid("peers", &self.peers, &e))?;
        if !peers.is_empty() && !peers.iter().any(|p| p.node_id == self.node_id) {
            return Err(invalid(
                "peers",
                &self.peers,
                &format!(
                    "a list that includes this node (node_id {}); every node gets the same list",
                    self.node_id
                ),
            ));
        }
        let cluster = self.cluster_settings(&invalid)?;
        if let Some(a) = &self.advertise {
            if a.rsplit_once(':')
                .and_then(|(_, p)| p.parse::<u16>().ok())
                .is_none()
            {
                return Err(invalid("advertise", a, "HOST:PORT"));
            }
        }
        Ok(ValidConfig {
            data_dir: self.data_dir.clone(),
            listen: addr("listen", &self.listen)?,
            metrics_listen: addr("metrics_listen", &self.metrics_listen)?,
            node_id: self.node_id,
            advertise: self.advertise.clone(),
            peers,
            cluster,
            log_level: self.log.level.clone(),
            log_format,
            fsync,
            retention_check_interval: Duration::from_millis(
                self.storage.retention_check_interval_ms,
            ),
            max_partitions_per_topic: self.limits.max_partitions_per_topic,
            max_fetch_bytes: self.limits.max_fetch_bytes,
            shutdown_timeout: Duration::from_millis(self.limits.shutdown_timeout_ms),
            topic_defaults,
            alerts,
            canary_interval,
        })
    }

    fn cluster_settings(
        &self,
        invalid: &dyn Fn(&'static str, &str, &str) -> ConfigError,
    ) -> Result<ClusterSettings, ConfigError> {
        let c = &self.cluster;
        if !(50..=60_000).contains(&c.heartbeat_interval_ms) {
            return Err(invalid(
                "cluster.heartbeat_interval_ms",
                &c.heartbeat_interval_ms.to_string(),
                "from 50 to 60000",
            ));
        }
        if c.session_timeout_ms < 3 * c.heartbeat_interval_ms || c.session_timeout_ms > 600_000 {
            return Err(invalid(
                "cluster.session_timeout_ms",
                &c.session_timeout_ms.to_string(),
                &format!(
                    "at least three heartbeat intervals ({} ms) and at most 600000",
                    3 * c.heartbeat_interval_ms
                ),
            ));
        }
        if !(100..=600_000).contains(&c.replica_lag_time_max_ms) {
            return Err(invalid(
                "cluster.replica_lag_time_max_ms",
                &c.replica_lag_time_max_ms.to_string(),
                "from 100 to 600000",
            ));
        }
        Ok(ClusterSettings {
            heartbeat_interval: Duration::from_millis(c.heartbeat_interval_ms),
            session_timeout: Duration::from_millis(c.session_timeout_ms),
            replica_lag_time_max: Duration::from_millis(c.replica_lag_time_max_ms),
            compaction: Default::default(),
        })
    }

    fn alert_settings(
        &self,
        invalid: &dyn Fn(&'static str, &str, &str) -> ConfigError,
    ) -> Result<AlertSettings, ConfigError> {
        let a = &self.alerts;
        if !(100..=3_600_000).contains(&a.evaluate_interval_ms) {
            return Err(invalid(
                "alerts.evaluate_interval_ms",
                &a.evaluate_interval_ms.to_string(),
                "from 100 to 3600000",
            ));
        }
        let webhooks = a
            .webhooks
            .iter()
            .map(|url| Webhook::parse(url).map_err(|why| invalid("alerts.webhooks", url, &why)))
            .collect::<Result<Vec<_>, _>>()?;
        let ca_file =
            (!a.webhook_ca_file.as_os_str().is_empty()).then_some(a.webhook_ca_file.as_path());
        let trust = crate::alerts::webhook::Trust::load(ca_file).map_err(|why| {
            invalid(
                "alerts.webhook_ca_file",
                &a.webhook_ca_file.display().to_string(),
                &format!("a PEM file of CA certificates ({why})"),
            )
        })?;
        let mut rules = Vec::new();
        for r in &a.rules {
            let threshold = match &r.threshold {
                toml::Value::Integer(i) => *i as f64,
                toml::Value::Float(f) => *f,
                other => {
                    return Err(invalid(
                        "alerts.rules.threshold",
                        &other.to_string(),
                        "a number",
                    ))
                }
            };
            let rule = Rule::parse(RuleText {
                name: &r.name,
                metric: &r.metric,
                threshold,
                for_: &r.for_,
                severity: &r.severity,
            })
            .map_err(|why| invalid("alerts.rules", &r.name, &why))?;
            if rules.iter().any(|x: &Rule| x.name == rule.name) {
                return Err(invalid(
                    "alerts.rules",
                    &r.name,
                    "a name used by one rule only",
                ));
            }
            rules.push(rule);
        }
        if rules.is_empty() {
            rules = crate::alerts::rules::defaults();
        }
        Ok(AlertSettings {
            interval: Duration::from_millis(a.evaluate_interval_ms),
            rules,
            webhooks,
            trust,
        })
    }
}

/// `1=host:port,2=host:port`.
fn parse_peers(text: &str) -> Result<Vec<Peer>, String> {
    let mut peers: Vec<Peer> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (id, address) = item
            .split_once('=')
            .ok_or_else(|| format!("peer {item:?} is not ID=HOST:PORT"))?;
        let node_id = id
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("peer id {id:?} is not a number"))?;
        if address
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok())
            .is_none()
        {
            return Err(format!("peer address {address:?} is not HOST:PORT"));
        }
        if peers.iter().any(|p| p.node_id == node_id) {
            return Err(format!("peer id {node_id} appears twice"));
        }
        peers.push(Peer {
            node_id,
            address: address.trim().to_string(),
        });
    }
    Ok(peers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ValidConfig, ConfigError> {
        ConfigFile::parse(text, Path::new("mqd.toml"))?.validate("mqd.toml")
    }

    #[test]
    fn the_documented_default_file_is_the_built_in_default() {
        let parsed = ConfigFile::parse(super::super::DEFAULT_CONFIG, Path::new("default")).unwrap();
        assert_eq!(parsed, ConfigFile::default());
        parsed.validate("default").unwrap();
    }

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let err = parse("listen = \"127.0.0.1:1\"\n[storage]\nfsink = \"always\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mqd.toml") && err.contains("fsink") && err.contains("line 3"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_say_what_is_allowed() {
        let err = parse("[storage]\nfsync = \"sometimes\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("storage.fsync") && err.contains("interval:<ms>"),
            "{err}"
        );
        let err = parse("listen = \"localhost\"\n").unwrap_err().to_string();
        assert!(err.contains("listen"), "{err}");
        let err = parse("node_id = \"one\"\n").unwrap_err().to_string();
        assert!(err.contains("node_id") && err.contains("line 1"), "{err}");
        let err = parse("[topic_defaults]\n\"retention.ms\" = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("retention.ms"), "{err}");
        assert!(parse("peers = \"1=a\"").is_err());
        assert!(parse("[log]\nformat = \"xml\"").is_err());
    }

    #[test]
    fn peers_parse() {
        let c = parse("peers = \"1=127.0.0.1:1, 2=host:2\"").unwrap();
        assert_eq!(c.peers.len(), 2);
        assert_eq!(c.peers[1].address, "host:2");
        // Every node gets the same list, so it must name this node.
        let e = parse("node_id = 3\npeers = \"1=a:1,2=b:2\"").unwrap_err();
        assert!(e.to_string().contains("node_id 3"), "{e}");
    }

    #[test]
    fn cluster_timing_is_checked() {
        let c = parse("").unwrap();
        assert_eq!(c.cluster.session_timeout, Duration::from_secs(2));
        assert!(parse("[cluster]\nheartbeat_interval_ms = 10").is_err());
        let e =
            parse("[cluster]\nheartbeat_interval_ms = 500\nsession_timeout_ms = 1000").unwrap_err();
        assert!(e.to_string().contains("1500 ms"), "{e}");
        assert!(parse("[cluster]\nheartbeat_interval_ms = 500\nsession_timeout_ms = 1500").is_ok());
    }
}
