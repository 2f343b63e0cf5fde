//! Per-topic configuration: the keys, their defaults, and validation.
//!
//! Topics store only the keys set for them; the effective config is the
//! broker's defaults overlaid with those. Every key is validated here, so a
//! wrong type or an out-of-range value is refused with a sentence naming
//! the key and what is allowed, before anything is stored.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::log::LogConfig;

/// What to do when a partition's backlog would exceed max.backlog.bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BacklogPolicy {
    /// Refuse the produce with RESOURCE_EXHAUSTED.
    Reject,
    /// Delete the oldest segments (moving the log start) to make room.
    DropOldest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicConfig {
    pub retention_ms: i64,
    pub retention_bytes: i64,
    pub segment_bytes: u64,
    pub segment_ms: i64,
    pub index_interval_bytes: u64,
    pub max_message_bytes: u64,
    pub min_insync_replicas: u32,
    pub max_backlog_bytes: i64,
    pub backlog_policy: BacklogPolicy,
    pub unclean_leader_election: bool,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("unknown topic config {key:?}; known keys: {known}")]
    UnknownKey { key: String, known: String },
    #[error("topic config {key} = {value:?} is invalid: {expected}")]
    BadValue {
        key: String,
        value: String,
        expected: String,
    },
}

struct Key {
    name: &'static str,
    default: &'static str,
    doc: &'static str,
}

/// Every topic config key with its built-in default and meaning.
const KEYS: &[Key] = &[
    Key { name: "retention.ms", default: "604800000", doc: "delete segments whose newest record is older than this (ms); -1 keeps forever" },
    Key { name: "retention.bytes", default: "-1", doc: "per partition, delete oldest segments while the rest still holds this many bytes; -1 no limit" },
    Key { name: "segment.bytes", default: "1073741824", doc: "roll the active segment at this size (4096 .. 4294967295)" },
    Key { name: "segment.ms", default: "604800000", doc: "roll the active segment after this long (ms); -1 never" },
    Key { name: "index.interval.bytes", default: "4096", doc: "bytes between sparse offset-index entries (64 .. 1048576)" },
    Key { name: "max.message.bytes", default: "1048576", doc: "largest record batch accepted, in bytes (64 .. 67108864)" },
    Key { name: "min.insync.replicas", default: "1", doc: "replicas that must have a write for acks=all (1 .. 255)" },
    Key { name: "cleanup.policy", default: "delete", doc: "delete (compaction is not supported)" },
    Key { name: "max.backlog.bytes", default: "-1", doc: "per partition cap on retained bytes; -1 unbounded" },
    Key { name: "backlog.policy", default: "reject", doc: "when max.backlog.bytes is reached: reject or drop-oldest" },
    Key { name: "unclean.leader.election.enable", default: "false", doc: "in a cluster, let a replica outside the ISR lead when no in-sync one is alive (available again, but records only the ISR had are lost)" },
];

/// The names and docs of every key, for help texts and docs.
pub fn keys() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    KEYS.iter().map(|k| (k.name, k.default, k.doc))
}

/// Checks that every key is known (for overrides and broker defaults).
pub fn check_keys(map: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    for key in map.keys() {
        if !KEYS.iter().any(|k| k.name == key) {
            return Err(ConfigError::UnknownKey {
                key: key.clone(),
                known: KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(())
}

/// Built-in defaults overlaid with `broker_defaults` and then `overrides`:
/// the effective string values of every key.
pub fn effective(
    broker_defaults: &BTreeMap<String, String>,
    overrides: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = KEYS
        .iter()
        .map(|k| (k.name.to_string(), k.default.to_string()))
        .collect();
    map.extend(broker_defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
    map.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
    map
}

impl Default for TopicConfig {
    /// The built-in defaults (the `default` column of the key table; a test
    /// keeps the two equal).
    fn default() -> Self {
        TopicConfig {
            retention_ms: 604_800_000,
            retention_bytes: -1,
            segment_bytes: 1 << 30,
            segment_ms: 604_800_000,
            index_interval_bytes: 4096,
            max_message_bytes: 1 << 20,
            min_insync_replicas: 1,
            max_backlog_bytes: -1,
            backlog_policy: BacklogPolicy::Reject,
            unclean_leader_election: false,
        }
    }
}

impl TopicConfig {
    /// Parses an effective map (see [`effective`]).
    pub fn parse(map: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        check_keys(map)?;
        let get = |key: &str| -> &str {
            map.get(key).map(String::as_str).unwrap_or_else(|| {
                KEYS.iter()
                    .find(|k| k.name == key)
                    .map_or("", |k| k.default)
            })
        };
        let config = TopicConfig {
            retention_ms: int(get, "retention.ms", -1, i64::MAX)?,
            retention_bytes: int(get, "retention.bytes", -1, i64::MAX)?,
            segment_bytes: int(get, "segment.bytes", 4096, u32::MAX as i64)? as u64,
            segment_ms: int(get, "segment.ms", -1, i64::MAX)?,
            index_interval_bytes: int(get, "index.interval.bytes", 64, 1 << 20)? as u64,
            max_message_bytes: int(get, "max.message.bytes", 64, 64 << 20)? as u64,
            min_insync_replicas: int(get, "min.insync.replicas", 1, 255)? as u32,
            max_backlog_bytes: int(get, "max.backlog.bytes", -1, i64::MAX)?,
            backlog_policy: match get("backlog.policy") {
                "reject" => BacklogPolicy::Reject,
                "drop-oldest" => BacklogPolicy::DropOldest,
                other => return Err(bad("backlog.policy", other, "one of reject, drop-oldest")),
            },
            unclean_leader_election: match get("unclean.leader.election.enable") {
                "true" => true,
                "false" => false,
                other => {
                    return Err(bad(
                        "unclean.leader.election.enable",
                        other,
                        "true or false",
                    ))
                }
            },
        };
        match get("cleanup.policy") {
            "delete" => {}
            other => {
                return Err(bad(
                    "cleanup.policy",
                    other,
                    "delete (log compaction is not supported by mq yet)",
                ))
            }
        }
        if config.segment_ms == 0 || config.retention_ms == 0 {
            return Err(bad(
                "retention.ms/segment.ms",
                "0",
                "a positive number of ms, or -1",
            ));
        }
        Ok(config)
    }

    pub fn log_config(&self) -> LogConfig {
        LogConfig {
            segment_bytes: self.segment_bytes,
            segment_ms: self.segment_ms,
            index_interval_bytes: self.index_interval_bytes,
            max_message_bytes: self.max_message_bytes,
        }
    }
}

fn bad(key: &str, value: &str, expected: &str) -> ConfigError {
    ConfigError::BadValue {
        key: key.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

fn int<'a>(
    get: impl Fn(&str) -> &'a str,
    key: &str,
    min: i64,
    max: i64,
) -> Result<i64, ConfigError> {
    let value = get(key);
    let expected = || {
        if min == -1 {
            format!("an integer from 0 to {max}, or -1 for no limit")
        } else {
            format!("an integer from {min} to {max}")
        }
    };
    let n: i64 = value
        .trim()
        .parse()
        .map_err(|_| bad(key, value, &expected()))?;
    if n < min || n > max {
        return Err(bad(key, value, &expected()));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<TopicConfig, ConfigError> {
        let overrides = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TopicConfig::parse(&effective(&BTreeMap::new(), &overrides))
    }

    #[test]
    fn defaults_parse() {
        let c = parse(&[]).unwrap();
        assert_eq!(c, TopicConfig::default());
        assert_eq!(c.retention_ms, 604_800_000);
        assert_eq!(c.max_backlog_bytes, -1);
        assert_eq!(c.backlog_policy, BacklogPolicy::Reject);
    }

    #[test]
    fn wrong_types_and_ranges_name_the_key() {
        let err = parse(&[("retention.ms", "soon")]).unwrap_err().to_string();
        assert!(
            err.contains("retention.ms") && err.contains("integer"),
            "{err}"
        );
        assert!(parse(&[("segment.bytes", "10")]).is_err());
        assert!(parse(&[("backlog.policy", "block")]).is_err());
        assert!(parse(&[("cleanup.policy", "compact")]).is_err());
        let err = parse(&[("retention.mss", "1")]).unwrap_err().to_string();
        assert!(
            err.contains("unknown topic config \"retention.mss\""),
            "{err}"
        );
    }
}
