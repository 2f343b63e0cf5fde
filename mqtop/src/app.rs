//! The app state: the latest data from the broker, its history, the
//! connection's health, and the operator's navigation. Views render from
//! this alone; the event loop and the tests change it only through
//! [`App::apply`] (data) and `keys::handle` (input).

use std::collections::VecDeque;
use std::time::Duration;

use mq::proto::{Alert, AlertState, StatsSnapshot};

use crate::history::History;
use crate::ui_state::{Settings, ViewId};

/// What the data feed reports.
#[derive(Debug, Clone)]
pub enum Feed {
    Connecting {
        attempt: u32,
    },
    Snapshot(Box<StatsSnapshot>),
    Alerts(Vec<Alert>),
    Unreachable {
        error: String,
        attempt: u32,
        retry_in: Duration,
    },
    /// The answer to an acknowledgement: what to tell the operator.
    Acked(Result<String, String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting {
        attempt: u32,
    },
    Live,
    Unreachable {
        error: String,
        attempt: u32,
        /// When the next attempt starts (ms since the epoch).
        retry_at_ms: i64,
    },
}

/// The latest data and when it arrived.
#[derive(Debug, Clone)]
pub struct Data {
    pub snapshot: StatsSnapshot,
    pub received_ms: i64,
    pub alerts: Vec<Alert>,
}

/// Where Enter took the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drill {
    Topic(String),
    Group(String),
}

/// What keys do right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a filter for the current table.
    Filter,
    /// Typing a note for acknowledging this alert.
    AckNote {
        id: String,
        note: String,
    },
    Help,
    /// Choosing the current table's columns; the cursor's row.
    Columns {
        cursor: usize,
    },
}

/// Updates that arrive while paused wait here (the oldest are dropped
/// past this many), so a resume shows a complete history.
const HELD_MAX: usize = 1_000;

pub struct App {
    /// Who we watch: the context's name, else the server address.
    pub target: String,
    pub interval: Duration,
    pub mono: bool,
    /// Set when a read-only context chose the server: acknowledging is
    /// refused.
    pub read_only_context: Option<String>,
    /// The clock views read, in ms since the epoch; set by the event loop
    /// (and fixed by tests, so snapshots are stable).
    pub now_ms: i64,
    pub connection: Connection,
    pub data: Option<Data>,
    pub history: History,
    pub settings: Settings,
    pub mode: Mode,
    /// Drill-downs, innermost last; Esc pops one.
    pub drill: Vec<Drill>,
    /// The selected row of each table, by table name.
    pub selected: std::collections::HashMap<String, usize>,
    pub paused: bool,
    held: VecDeque<Feed>,
    /// A message for the footer and when it was set.
    pub message: Option<(String, i64)>,
    pub quit: bool,
}

impl App {
    pub fn new(target: String, interval: Duration, settings: Settings, now_ms: i64) -> App {
        App {
            target,
            interval,
            mono: false,
            read_only_context: None,
            now_ms,
            connection: Connection::Connecting { attempt: 1 },
            data: None,
            history: History::default(),
            settings,
            mode: Mode::Normal,
            drill: Vec::new(),
            selected: Default::default(),
            paused: false,
            held: VecDeque::new(),
            message: None,
            quit: false,
        }
    }

    pub fn view(&self) -> ViewId {
        self.settings.view
    }

    /// Applies what the feed reported; true when the screen changes.
    pub fn apply(&mut self, feed: Feed) -> bool {
        if self.paused && !matches!(feed, Feed::Acked(_)) {
            if self.held.len() == HELD_MAX {
                self.held.pop_front();
            }
            self.held.push_back(feed);
            return false;
        }
        match feed {
            Feed::Connecting { attempt } => {
                self.connection = Connection::Connecting { attempt };
            }
            Feed::Snapshot(snapshot) => {
                self.connection = Connection::Live;
                self.record(&snapshot);
                let alerts = self.data.take().map(|d| d.alerts).unwrap_or_default();
                self.data = Some(Data {
                    snapshot: *snapshot,
                    received_ms: self.now_ms,
                    alerts,
                });
            }
            Feed::Alerts(alerts) => match &mut self.data {
                Some(d) => d.alerts = alerts,
                // Alerts before the first snapshot wait for it.
                None => return false,
            },
            Feed::Unreachable {
                error,
                attempt,
                retry_in,
            } => {
                self.connection = Connection::Unreachable {
                    error,
                    attempt,
                    retry_at_ms: self.now_ms + retry_in.as_millis() as i64,
                };
            }
            Feed::Acked(result) => {
                let text = match result {
                    Ok(t) => t,
                    Err(e) => format!("acknowledge failed: {e}"),
                };
                self.message = Some((text, self.now_ms));
            }
        }
        true
    }

    /// Pauses or resumes; resuming applies what arrived meanwhile.
    pub fn toggle_pause(&mut self) {
        self.paused = !self.paused;
        if !self.paused {
            while let Some(feed) = self.held.pop_front() {
                self.apply(feed);
            }
        }
    }

    /// Age of the shown data in ms (None before the first snapshot).
    pub fn data_age_ms(&self) -> Option<i64> {
        self.data
            .as_ref()
            .map(|d| (self.now_ms - d.received_ms).max(0))
    }

    /// True when the shown data is older than three intervals: the feed
    /// is paused, failing, or the broker is slow to answer.
    pub fn stale(&self) -> bool {
        self.data_age_ms()
            .is_some_and(|age| age > 3 * self.interval.as_millis() as i64 + 1_000)
    }

    pub fn firing_alerts(&self) -> usize {
        self.data.as_ref().map_or(0, |d| {
            d.alerts
                .iter()
                .filter(|a| a.state == AlertState::Firing as i32)
                .count()
        })
    }

    fn record(&mut self, s: &StatsSnapshot) {
        let h = &mut self.history;
        if let Some(r) = s.broker.as_ref().and_then(|b| b.rates.as_ref()) {
            h.records_in.push(r.records_in_per_sec);
            h.records_out.push(r.records_out_per_sec);
        }
        if let Some(c) = s.broker.as_ref().and_then(|b| b.canary.as_ref()) {
            h.canary_latency_ms.push(c.last_latency_ms);
        }
        let backlog: i64 = crate::model::topic_backlogs(s).values().sum();
        h.backlog.push(backlog as f64);
        h.lag
            .push(s.groups.iter().map(|g| g.total_lag.max(0)).sum::<i64>() as f64);
        let mut topic_in: std::collections::HashMap<&str, f64> = Default::default();
        for p in &s.partitions {
            *topic_in.entry(p.topic.as_str()).or_default() +=
                p.rates.as_ref().map_or(0.0, |r| r.records_in_per_sec);
        }
        for (topic, rate) in &topic_in {
            h.topic_in.entry(topic.to_string()).or_default().push(*rate);
        }
        for g in &s.groups {
            h.group_lag
                .entry(g.group.clone())
                .or_default()
                .push(g.total_lag.max(0) as f64);
        }
        for q in &s.queues {
            h.group_lag
                .entry(q.group.clone())
                .or_default()
                .push(q.backlog.max(0) as f64);
        }
        let groups: std::collections::HashSet<&str> = s
            .groups
            .iter()
            .map(|g| g.group.as_str())
            .chain(s.queues.iter().map(|q| q.group.as_str()))
            .collect();
        h.retain(&|t| topic_in.contains_key(t), &|g| groups.contains(g));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    fn app() -> App {
        App::new(
            "test".into(),
            Duration::from_secs(1),
            Settings::default(),
            fixture::NOW_MS,
        )
    }

    #[test]
    fn snapshots_fill_history_and_mark_the_connection_live() {
        let mut a = app();
        assert!(a.data.is_none());
        for i in 0..3 {
            a.now_ms += 1000;
            assert!(a.apply(Feed::Snapshot(Box::new(fixture::snapshot(2, 2, 2, i)))));
        }
        assert_eq!(a.connection, Connection::Live);
        assert_eq!(a.history.records_in.len(), 3);
        assert_eq!(a.history.topic_in.len(), 3, "two topics and the canary's");
        assert_eq!(a.data_age_ms(), Some(0));
        a.now_ms += 10_000;
        assert!(a.stale());
    }

    #[test]
    fn alerts_are_kept_across_snapshots() {
        let mut a = app();
        assert!(
            !a.apply(Feed::Alerts(fixture::alerts())),
            "nothing to show yet"
        );
        a.apply(Feed::Snapshot(Box::new(fixture::snapshot(1, 2, 2, 0))));
        a.apply(Feed::Alerts(fixture::alerts()));
        a.apply(Feed::Snapshot(Box::new(fixture::snapshot(1, 2, 2, 1))));
        assert_eq!(
            a.data.as_ref().map(|d| d.alerts.len()),
            Some(fixture::alerts().len())
        );
        assert_eq!(a.firing_alerts(), 1);
    }

    #[test]
    fn unreachable_keeps_the_last_data() {
        let mut a = app();
        a.apply(Feed::Snapshot(Box::new(fixture::snapshot(1, 2, 2, 0))));
        a.apply(Feed::Unreachable {
            error: "connection refused".into(),
            attempt: 2,
            retry_in: Duration::from_secs(4),
        });
        assert!(a.data.is_some());
        assert!(matches!(
            a.connection,
            Connection::Unreachable { retry_at_ms, .. } if retry_at_ms == fixture::NOW_MS + 4000
        ));
    }

    #[test]
    fn pause_holds_updates_and_resume_applies_them_in_order() {
        let mut a = app();
        a.apply(Feed::Snapshot(Box::new(fixture::snapshot(1, 2, 2, 0))));
        a.toggle_pause();
        for i in 1..4 {
            assert!(!a.apply(Feed::Snapshot(Box::new(fixture::snapshot(1, 2, 2, i)))));
        }
        assert_eq!(a.history.records_in.len(), 1, "frozen while paused");
        a.toggle_pause();
        assert_eq!(a.history.records_in.len(), 4);
        let ts = a.data.as_ref().map(|d| d.snapshot.timestamp_ms);
        assert_eq!(ts, Some(fixture::snapshot(1, 2, 2, 3).timestamp_ms));
    }

    #[test]
    fn deleted_topics_and_groups_leave_the_history() {
        let mut a = app();
        a.apply(Feed::Snapshot(Box::new(fixture::snapshot(6, 2, 6, 0))));
        let before = (a.history.topic_in.len(), a.history.group_lag.len());
        a.apply(Feed::Snapshot(Box::new(fixture::snapshot(1, 2, 1, 1))));
        let after = (a.history.topic_in.len(), a.history.group_lag.len());
        assert!(
            after.0 < before.0 && after.1 < before.1,
            "{before:?} -> {after:?}"
        );
    }
}
