//! Figures and enum values in words, shared by mqctl and mqtop so both
//! tools print the same broker state the same way.

use crate::proto::{AlertState, GroupState, LagStatus, LagTrend};

/// Bytes in binary units: `1.5 KiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A count in at most five characters: `999`, `12.3k`, `4.5M`.
pub fn count(n: f64) -> String {
    let a = n.abs();
    if a < 1000.0 {
        if n.fract() == 0.0 || a >= 100.0 {
            format!("{n:.0}")
        } else {
            format!("{n:.1}")
        }
    } else if a < 1e6 {
        format!("{:.1}k", n / 1e3)
    } else if a < 1e9 {
        format!("{:.1}M", n / 1e6)
    } else {
        format!("{:.1}G", n / 1e9)
    }
}

/// A duration in its largest sensible unit: `45s`, `12m`, `3h`, `2d`.
pub fn duration_secs(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "-".to_string();
    }
    let s = secs as u64;
    match s {
        0 if secs > 0.0 => format!("{:.0}ms", secs * 1000.0),
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Time since a Unix-epoch millisecond timestamp, as [`duration_secs`].
pub fn age_ms(since_ms: i64) -> String {
    let ms = (crate::record::now_ms() - since_ms).max(0);
    duration_secs((ms / 1000) as f64)
}

/// A retention setting: `7d`, `12h`, or `forever` for -1.
pub fn retention_ms(ms: i64) -> String {
    if ms < 0 {
        "forever".to_string()
    } else {
        duration_secs(ms as f64 / 1000.0)
    }
}

pub fn lag_status(status: i32) -> &'static str {
    match LagStatus::try_from(status) {
        Ok(LagStatus::Ok) => "OK",
        Ok(LagStatus::Warning) => "WARNING",
        Ok(LagStatus::Stalled) => "STALLED",
        Ok(LagStatus::Stopped) => "STOPPED",
        _ => "UNKNOWN",
    }
}

pub fn lag_trend(trend: i32) -> &'static str {
    match LagTrend::try_from(trend) {
        Ok(LagTrend::Growing) => "growing",
        Ok(LagTrend::Shrinking) => "shrinking",
        _ => "steady",
    }
}

pub fn alert_state(state: i32) -> &'static str {
    match AlertState::try_from(state) {
        Ok(AlertState::Pending) => "pending",
        Ok(AlertState::Firing) => "firing",
        Ok(AlertState::Acknowledged) => "acknowledged",
        Ok(AlertState::Resolved) => "resolved",
        _ => "unknown",
    }
}

pub fn group_state(state: i32) -> &'static str {
    match GroupState::try_from(state) {
        Ok(GroupState::Stable) => "stable",
        Ok(GroupState::Rebalancing) => "rebalancing",
        Ok(GroupState::Empty) => "empty",
        Ok(GroupState::Dead) => "dead",
        _ => "unknown",
    }
}

/// The candidate closest to `name` (by edit distance, at most a third of
/// its length), for "did you mean" hints.
pub fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.len() / 3).max(1);
    candidates
        .map(|c| (distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested() {
        let names = ["orders", "payments", "audit"];
        assert_eq!(suggest("ordres", names.iter().copied()), Some("orders"));
        assert_eq!(suggest("zzz", names.iter().copied()), None);
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(12), "12 B");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(2.5), "2.5");
        assert_eq!(count(12_345.0), "12.3k");
        assert_eq!(count(4_500_000.0), "4.5M");
        assert_eq!(duration_secs(0.25), "250ms");
        assert_eq!(duration_secs(0.0), "0s");
        assert_eq!(duration_secs(90.0), "90s");
        assert_eq!(duration_secs(600.0), "10m");
        assert_eq!(duration_secs(-1.0), "-");
        assert_eq!(retention_ms(604_800_000), "7d");
        assert_eq!(retention_ms(-1), "forever");
    }
}
