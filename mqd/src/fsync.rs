//! The fsync policy: when appended bytes are forced to disk.

use std::str::FromStr;
use std::time::Duration;

/// `always`: every produce waits for an fsync (shared by concurrent
/// producers of a partition: group commit), and consumers only see fsynced
/// records. `interval:<ms>`: a background task fsyncs dirty partitions every
/// interval. `never`: the OS writes back when it likes. With `interval` and
/// `never`, acknowledged records survive a crash of mqd (they are in the
/// page cache) but not necessarily of the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    Always,
    Interval(Duration),
    Never,
}

impl FromStr for FsyncPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || {
            format!("fsync policy {s:?} is not one of always, never, interval:<ms> (for example interval:1000)")
        };
        match s {
            "always" => Ok(FsyncPolicy::Always),
            "never" => Ok(FsyncPolicy::Never),
            _ => {
                let ms: u64 = s
                    .strip_prefix("interval:")
                    .and_then(|ms| ms.parse().ok())
                    .ok_or_else(err)?;
                if ms == 0 {
                    return Err(err());
                }
                Ok(FsyncPolicy::Interval(Duration::from_millis(ms)))
            }
        }
    }
}

impl std::fmt::Display for FsyncPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FsyncPolicy::Always => f.write_str("always"),
            FsyncPolicy::Never => f.write_str("never"),
            FsyncPolicy::Interval(d) => write!(f, "interval:{}", d.as_millis()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for s in ["always", "never", "interval:250"] {
            assert_eq!(s.parse::<FsyncPolicy>().unwrap().to_string(), s);
        }
        assert!("interval:0".parse::<FsyncPolicy>().is_err());
        assert!("sometimes".parse::<FsyncPolicy>().is_err());
    }
}
