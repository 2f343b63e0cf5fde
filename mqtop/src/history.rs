//! Recent values for sparklines: the cluster's rates and backlog, each
//! topic's produce rate and each group's lag, one point per snapshot.

use std::collections::{HashMap, VecDeque};

/// Points kept per series: ten minutes at the default 1 s interval.
pub const POINTS: usize = 600;

#[derive(Debug, Clone, Default)]
pub struct Series {
    points: VecDeque<f64>,
}

impl Series {
    pub fn push(&mut self, value: f64) {
        if self.points.len() == POINTS {
            self.points.pop_front();
        }
        self.points.push_back(value);
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub fn last(&self) -> Option<f64> {
        self.points.back().copied()
    }

    /// The newest `n` points, oldest first.
    pub fn tail(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        self.points
            .iter()
            .skip(self.points.len().saturating_sub(n))
            .copied()
    }

    /// The newest points reduced to `width` buckets of `per_bucket` points,
    /// each the bucket's maximum (a spike must stay visible), oldest first.
    pub fn buckets(&self, width: usize, per_bucket: usize) -> Vec<f64> {
        let per_bucket = per_bucket.max(1);
        let take = width * per_bucket;
        let points: Vec<f64> = self.tail(take).collect();
        // Align buckets to the newest point, so the last one is complete.
        let skip = points.len() % per_bucket;
        let mut out = Vec::with_capacity(width);
        if skip > 0 {
            out.push(points[..skip].iter().copied().fold(0.0, f64::max));
        }
        out.extend(
            points[skip..]
                .chunks(per_bucket)
                .map(|c| c.iter().copied().fold(0.0, f64::max)),
        );
        out
    }
}

/// Sparkline characters, lowest to highest.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A one-line sparkline of `values` scaled to their maximum, right-aligned
/// in `width` characters. All zero draws the lowest bar, so "quiet" and
/// "no data yet" (spaces) look different.
pub fn sparkline(values: &[f64], width: usize) -> String {
    let max = values.iter().copied().fold(0.0, f64::max);
    let mut out = String::with_capacity(width * 3);
    for _ in values.len()..width {
        out.push(' ');
    }
    for v in values.iter().skip(values.len().saturating_sub(width)) {
        let i = if max > 0.0 {
            ((v / max) * (BARS.len() - 1) as f64).round() as usize
        } else {
            0
        };
        out.push(BARS[i.min(BARS.len() - 1)]);
    }
    out
}

#[derive(Debug, Clone, Default)]
pub struct History {
    pub records_in: Series,
    pub records_out: Series,
    pub backlog: Series,
    pub lag: Series,
    pub canary_latency_ms: Series,
    pub topic_in: HashMap<String, Series>,
    pub group_lag: HashMap<String, Series>,
}

impl History {
    /// Drops series of topics and groups no longer present.
    pub fn retain(&mut self, topics: &dyn Fn(&str) -> bool, groups: &dyn Fn(&str) -> bool) {
        self.topic_in.retain(|k, _| topics(k));
        self.group_lag.retain(|k, _| groups(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_keep_the_newest_points() {
        let mut s = Series::default();
        for i in 0..(POINTS + 10) {
            s.push(i as f64);
        }
        assert_eq!(s.len(), POINTS);
        assert_eq!(s.last(), Some((POINTS + 9) as f64));
        assert_eq!(
            s.tail(2).collect::<Vec<_>>(),
            vec![(POINTS + 8) as f64, (POINTS + 9) as f64]
        );
    }

    #[test]
    fn buckets_keep_spikes_and_end_at_the_newest_point() {
        let mut s = Series::default();
        for v in [1.0, 9.0, 1.0, 1.0, 2.0, 3.0, 1.0] {
            s.push(v);
        }
        // 7 points in buckets of 3: [1] [9,1,1] [2,3,1]
        assert_eq!(s.buckets(3, 3), vec![1.0, 9.0, 3.0]);
        assert_eq!(s.buckets(2, 3), vec![1.0, 9.0, 3.0][1..].to_vec());
        assert_eq!(s.buckets(10, 1).len(), 7);
    }

    #[test]
    fn sparklines_scale_to_their_maximum() {
        assert_eq!(sparkline(&[0.0, 4.0, 8.0], 3), "▁▅█");
        assert_eq!(sparkline(&[0.0, 0.0], 4), "  ▁▁");
        assert_eq!(sparkline(&[], 2), "  ");
        assert_eq!(sparkline(&[1.0, 2.0, 3.0], 2).chars().count(), 2);
    }
}
