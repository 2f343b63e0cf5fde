//! Lag evaluation per group and partition, over a sliding window of samples
//! of the committed offset and the high watermark, in the manner of
//! LinkedIn's Burrow: a consumer that keeps up is OK however large its lag
//! momentarily is; one that falls further behind is WARNING; one that
//! stopped committing with records waiting is STALLED; a group with nobody
//! in it and records waiting is STOPPED. Pure functions of the samples.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LagStatus {
    Ok,
    Warning,
    Stalled,
    Stopped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Steady,
    Growing,
    Shrinking,
}

/// One sample of a group's position in one partition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Seconds since some fixed origin.
    pub secs: f64,
    /// None when the group has committed nothing for the partition.
    pub committed: Option<i64>,
    pub high_watermark: i64,
    pub lag: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub status: LagStatus,
    /// The status in words, for people.
    pub reason: String,
    pub trend: Trend,
    /// Records per second the group moved its commit by, over the window.
    pub consume_per_sec: f64,
    /// Records per second the high watermark moved by, over the window.
    pub produce_per_sec: f64,
    /// Seconds until caught up at these rates; None when not draining.
    pub time_to_drain_secs: Option<f64>,
}

/// Samples fewer than this cannot tell STALLED or WARNING from noise.
pub const MIN_POINTS: usize = 5;

pub fn evaluate(points: &[Point], members: usize) -> Evaluation {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Evaluation {
            status: LagStatus::Ok,
            reason: "no samples yet".to_string(),
            trend: Trend::Steady,
            consume_per_sec: 0.0,
            produce_per_sec: 0.0,
            time_to_drain_secs: Some(0.0),
        };
    };
    let elapsed = (last.secs - first.secs).max(0.0);
    let per_sec = |delta: i64| {
        if elapsed > 0.0 {
            delta as f64 / elapsed
        } else {
            0.0
        }
    };
    let committed = |p: &Point| p.committed.unwrap_or(0);
    let consume_per_sec = per_sec(committed(last) - committed(first)).max(0.0);
    let produce_per_sec = per_sec(last.high_watermark - first.high_watermark).max(0.0);
    let threshold = (first.lag / 100).max(1);
    let delta = last.lag - first.lag;
    let trend = if delta > threshold {
        Trend::Growing
    } else if delta < -threshold {
        Trend::Shrinking
    } else {
        Trend::Steady
    };
    let lag = last.lag;
    let time_to_drain_secs = if lag <= 0 {
        Some(0.0)
    } else if consume_per_sec > produce_per_sec {
        Some(lag as f64 / (consume_per_sec - produce_per_sec))
    } else {
        None
    };
    let enough = points.len() >= MIN_POINTS;
    let (status, reason) = if lag > 0 && members == 0 {
        (
            LagStatus::Stopped,
            format!("the group has no members and {lag} record(s) are unread"),
        )
    } else if lag <= 0 {
        (LagStatus::Ok, "caught up".to_string())
    } else if enough && points.iter().all(|p| p.committed == first.committed) {
        (
            LagStatus::Stalled,
            format!(
                "no commit for {elapsed:.0}s while {lag} record(s) wait: the consumer is stuck or not committing"
            ),
        )
    } else if enough && last.lag > first.lag && points.windows(2).all(|w| w[1].lag >= w[0].lag) {
        (
            LagStatus::Warning,
            format!(
                "lag grew from {} to {lag} over {elapsed:.0}s: consuming {consume_per_sec:.0}/s, producing {produce_per_sec:.0}/s",
                first.lag
            ),
        )
    } else {
        (LagStatus::Ok, format!("lag {lag}, keeping up"))
    };
    Evaluation {
        status,
        reason,
        trend,
        consume_per_sec,
        produce_per_sec,
        time_to_drain_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(i64, i64)]) -> Vec<Point> {
        points
            .iter()
            .enumerate()
            .map(|(i, &(committed, hw))| Point {
                secs: i as f64,
                committed: Some(committed),
                high_watermark: hw,
                lag: hw - committed,
            })
            .collect()
    }

    #[test]
    fn a_consumer_keeping_up_is_ok_and_drains() {
        let e = evaluate(
            &series(&[(0, 100), (30, 120), (60, 140), (90, 160), (120, 180)]),
            1,
        );
        assert_eq!(e.status, LagStatus::Ok);
        assert_eq!(e.trend, Trend::Shrinking);
        assert_eq!(e.consume_per_sec, 30.0);
        assert_eq!(e.produce_per_sec, 20.0);
        assert_eq!(e.time_to_drain_secs, Some(6.0));
    }

    #[test]
    fn falling_further_behind_is_a_warning() {
        let e = evaluate(
            &series(&[(0, 10), (5, 20), (10, 30), (15, 40), (20, 50)]),
            2,
        );
        assert_eq!(e.status, LagStatus::Warning);
        assert_eq!(e.trend, Trend::Growing);
        assert_eq!(e.time_to_drain_secs, None);
        assert!(e.reason.contains("from 10 to 30"), "{}", e.reason);
    }

    #[test]
    fn no_commits_with_records_waiting_is_stalled_and_no_members_is_stopped() {
        let points = series(&[(7, 10), (7, 10), (7, 10), (7, 12), (7, 12)]);
        assert_eq!(evaluate(&points, 1).status, LagStatus::Stalled);
        assert_eq!(evaluate(&points, 0).status, LagStatus::Stopped);
        // Too few samples to call it stalled.
        assert_eq!(evaluate(&points[..3], 1).status, LagStatus::Ok);
        // Caught up: no commits needed.
        let idle = series(&[(10, 10), (10, 10), (10, 10), (10, 10), (10, 10)]);
        assert_eq!(evaluate(&idle, 0).status, LagStatus::Ok);
    }
}
