//! Alert rules: what is measured, the threshold, how long it must hold,
//! and how bad it is. Parsed the same way from the config file and from
//! Admin SetAlertRule, so both refuse the same mistakes with the same words.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything a rule can watch (docs/alerts.md says what each means).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    GroupLagRecords,
    GroupLagSeconds,
    GroupStalled,
    GroupStopped,
    RetentionBreachRecords,
    PartitionSkewRatio,
    DiskUsedPercent,
    ProduceP99Ms,
    QueueDeadLettered,
    CanaryFailures,
    BrokerDown,
    PartitionUnderReplicated,
    PartitionOffline,
}

impl Metric {
    pub const ALL: [Metric; 13] = [
        Metric::GroupLagRecords,
        Metric::GroupLagSeconds,
        Metric::GroupStalled,
        Metric::GroupStopped,
        Metric::RetentionBreachRecords,
        Metric::PartitionSkewRatio,
        Metric::DiskUsedPercent,
        Metric::ProduceP99Ms,
        Metric::QueueDeadLettered,
        Metric::CanaryFailures,
        Metric::BrokerDown,
        Metric::PartitionUnderReplicated,
        Metric::PartitionOffline,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::GroupLagRecords => "group_lag_records",
            Metric::GroupLagSeconds => "group_lag_seconds",
            Metric::GroupStalled => "group_stalled",
            Metric::GroupStopped => "group_stopped",
            Metric::RetentionBreachRecords => "retention_breach_records",
            Metric::PartitionSkewRatio => "partition_skew_ratio",
            Metric::DiskUsedPercent => "disk_used_percent",
            Metric::ProduceP99Ms => "produce_p99_ms",
            Metric::QueueDeadLettered => "queue_dead_lettered",
            Metric::CanaryFailures => "canary_failures",
            Metric::BrokerDown => "broker_down",
            Metric::PartitionUnderReplicated => "partition_under_replicated",
            Metric::PartitionOffline => "partition_offline",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub metric: Metric,
    pub threshold: f64,
    #[serde(with = "duration_ms")]
    pub for_: Duration,
    pub severity: Severity,
}

mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// A rule as written, before checking.
pub struct RuleText<'a> {
    pub name: &'a str,
    pub metric: &'a str,
    pub threshold: f64,
    pub for_: &'a str,
    pub severity: &'a str,
}

impl Rule {
    pub fn parse(t: RuleText<'_>) -> Result<Rule, String> {
        let name_ok = !t.name.is_empty()
            && t.name.len() <= 100
            && t.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !name_ok {
            return Err(format!(
                "rule name {:?} must be 1 to 100 characters from a-z A-Z 0-9 - _ .",
                t.name
            ));
        }
        let metric = Metric::parse(t.metric).ok_or_else(|| {
            let known: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
            format!(
                "rule {:?}: unknown metric {:?}; use one of {}",
                t.name,
                t.metric,
                known.join(", ")
            )
        })?;
        if !t.threshold.is_finite() || t.threshold < 0.0 {
            return Err(format!(
                "rule {:?}: threshold {} must be a number of 0 or more",
                t.name, t.threshold
            ));
        }
        let for_ = parse_duration(t.for_)
            .map_err(|why| format!("rule {:?}: for = {:?}: {why}", t.name, t.for_))?;
        let severity = match t.severity {
            "info" => Severity::Info,
            "warning" | "" => Severity::Warning,
            "critical" => Severity::Critical,
            other => {
                return Err(format!(
                    "rule {:?}: severity {other:?} is not info, warning or critical",
                    t.name
                ))
            }
        };
        Ok(Rule {
            name: t.name.to_string(),
            metric,
            threshold: t.threshold,
            for_,
            severity,
        })
    }
}

/// `0`, `500ms`, `30s`, `5m`, `1h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() || s == "0" {
        return Ok(Duration::ZERO);
    }
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| "a duration needs a unit: ms, s, m or h".to_string())?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| "not a duration; use e.g. 30s, 5m or 1h".to_string())?;
    let ms = match unit {
        "ms" => n,
        "s" => n.saturating_mul(1000),
        "m" => n.saturating_mul(60_000),
        "h" => n.saturating_mul(3_600_000),
        _ => return Err(format!("unknown unit {unit:?}; use ms, s, m or h")),
    };
    if ms > 7 * 24 * 3_600_000 {
        return Err("longer than a week".to_string());
    }
    Ok(Duration::from_millis(ms))
}

pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis() as u64;
    if ms == 0 {
        "0s".into()
    } else if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// The rules a broker runs when its config names none.
pub fn defaults() -> Vec<Rule> {
    let rule = |name: &str, metric, threshold, for_secs, severity| Rule {
        name: name.to_string(),
        metric,
        threshold,
        for_: Duration::from_secs(for_secs),
        severity,
    };
    vec![
        rule(
            "group-lag",
            Metric::GroupLagRecords,
            100_000.0,
            300,
            Severity::Warning,
        ),
        rule(
            "group-lag-time",
            Metric::GroupLagSeconds,
            600.0,
            300,
            Severity::Warning,
        ),
        rule(
            "group-stalled",
            Metric::GroupStalled,
            0.0,
            60,
            Severity::Critical,
        ),
        rule(
            "group-stopped",
            Metric::GroupStopped,
            0.0,
            300,
            Severity::Warning,
        ),
        rule(
            "retention-breach",
            Metric::RetentionBreachRecords,
            0.0,
            0,
            Severity::Critical,
        ),
        rule(
            "partition-skew",
            Metric::PartitionSkewRatio,
            10.0,
            600,
            Severity::Info,
        ),
        rule(
            "disk-usage",
            Metric::DiskUsedPercent,
            85.0,
            300,
            Severity::Critical,
        ),
        rule(
            "produce-latency",
            Metric::ProduceP99Ms,
            500.0,
            300,
            Severity::Warning,
        ),
        rule(
            "canary",
            Metric::CanaryFailures,
            0.0,
            60,
            Severity::Critical,
        ),
        rule(
            "broker-down",
            Metric::BrokerDown,
            0.0,
            0,
            Severity::Critical,
        ),
        rule(
            "under-replicated",
            Metric::PartitionUnderReplicated,
            0.0,
            60,
            Severity::Warning,
        ),
        rule(
            "offline-partition",
            Metric::PartitionOffline,
            0.0,
            0,
            Severity::Critical,
        ),
        rule(
            "dead-letters",
            Metric::QueueDeadLettered,
            0.0,
            0,
            Severity::Warning,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/alerts.md's table of default rules is what `defaults()` runs.
    #[test]
    fn the_documented_default_rules_are_the_defaults() {
        let doc = include_str!("../../../docs/alerts.md");
        let section = doc
            .split("## Default rules")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap();
        let mut documented: Vec<String> = section
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(|c| c.trim().trim_matches('`')).collect();
                format!("{} {} {} {}", cells[1], cells[2], cells[3], cells[5])
            })
            .collect();
        let mut code: Vec<String> = defaults()
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {}",
                    r.name,
                    r.metric.name(),
                    r.threshold,
                    r.severity.name()
                )
            })
            .collect();
        documented.sort();
        code.sort();
        assert_eq!(documented, code);
    }

    fn text<'a>(metric: &'a str, threshold: f64, for_: &'a str, severity: &'a str) -> RuleText<'a> {
        RuleText {
            name: "r",
            metric,
            threshold,
            for_,
            severity,
        }
    }

    #[test]
    fn rules_parse_and_mistakes_are_named() {
        let r = Rule::parse(text("group_lag_records", 10.0, "5m", "critical")).unwrap();
        assert_eq!(
            (r.for_, r.severity),
            (Duration::from_secs(300), Severity::Critical)
        );
        let err = Rule::parse(text("lag", 1.0, "1m", "info")).unwrap_err();
        assert!(
            err.contains("unknown metric \"lag\"") && err.contains("group_lag_records"),
            "{err}"
        );
        assert!(Rule::parse(text("group_lag_records", -1.0, "1m", "info"))
            .unwrap_err()
            .contains("threshold"));
        assert!(
            Rule::parse(text("group_lag_records", 1.0, "5 minutes", "info"))
                .unwrap_err()
                .contains("for")
        );
        assert!(Rule::parse(text("group_lag_records", 1.0, "1m", "loud"))
            .unwrap_err()
            .contains("severity"));
        assert_eq!(format_duration(Duration::from_secs(300)), "5m");
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
    }
}
