//! Broker liveness as the controller leader sees it: when each broker last
//! sent a heartbeat, and which ones have been silent past the session
//! timeout. Kept in memory on purpose: heartbeats are frequent and only
//! their absence changes the replicated state (a fence).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::state::ClusterState;

/// What a broker sends the controller on every heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub node_id: u32,
    pub address: String,
    pub version: String,
    /// Differs on every process start, so a broker restarted faster than
    /// the session timeout still registers as a new life.
    pub boot_id: u64,
    pub partitions_led: u32,
}

/// One broker's liveness in the controller's reply, so every node can
/// answer ListBrokers with figures at most one heartbeat old.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub node_id: u32,
    pub ms_since_heartbeat: u64,
    pub partitions_led: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HeartbeatReply {
    pub brokers: Vec<Seen>,
}

/// A broker the controller should fence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    pub node_id: u32,
    pub incarnation: u64,
    pub silent: Duration,
}

pub struct Liveness {
    session_timeout: Duration,
    /// Set while this node leads: brokers not heard from since get this
    /// long to show up before they are fenced.
    leader_since: Option<Instant>,
    seen: HashMap<u32, (Instant, u32)>,
    /// The controller's last reply and when it arrived (on every node).
    table: Vec<Seen>,
    table_at: Option<Instant>,
}

impl Liveness {
    pub fn new(session_timeout: Duration) -> Self {
        Liveness {
            session_timeout,
            leader_since: None,
            seen: HashMap::new(),
            table: Vec::new(),
            table_at: None,
        }
    }

    /// Called on every tick with whether this node leads now. A new leader
    /// forgets what an earlier term saw and gives everyone a full session.
    pub fn set_leader(&mut self, leading: bool, now: Instant) {
        match (leading, self.leader_since) {
            (true, None) => {
                self.leader_since = Some(now);
                self.seen.clear();
            }
            (false, Some(_)) => self.leader_since = None,
            _ => {}
        }
    }

    pub fn record(&mut self, heartbeat: &Heartbeat, now: Instant) {
        self.seen
            .insert(heartbeat.node_id, (now, heartbeat.partitions_led));
    }

    /// Registered, unfenced brokers silent for longer than the session
    /// timeout (only meaningful on the leader).
    pub fn expired(&self, state: &ClusterState, now: Instant) -> Vec<Expired> {
        let Some(since) = self.leader_since else {
            return Vec::new();
        };
        state
            .live_brokers()
            .filter_map(|b| {
                let last = self
                    .seen
                    .get(&b.node_id)
                    .map_or(since, |(t, _)| *t.max(&since));
                let silent = now.saturating_duration_since(last);
                (silent > self.session_timeout).then_some(Expired {
                    node_id: b.node_id,
                    incarnation: b.incarnation,
                    silent,
                })
            })
            .collect()
    }

    /// The leader's view, for a heartbeat reply.
    pub fn table(&self, now: Instant) -> Vec<Seen> {
        let mut out: Vec<Seen> = self
            .seen
            .iter()
            .map(|(id, (t, led))| Seen {
                node_id: *id,
                ms_since_heartbeat: now.saturating_duration_since(*t).as_millis() as u64,
                partitions_led: *led,
            })
            .collect();
        out.sort_by_key(|s| s.node_id);
        out
    }

    pub fn set_table(&mut self, table: Vec<Seen>, now: Instant) {
        self.table = table;
        self.table_at = Some(now);
    }

    /// How long ago a broker last sent a heartbeat and how many partitions
    /// it leads: first-hand on the leader, else from the last reply.
    pub fn last_heard(&self, node_id: u32, now: Instant) -> Option<(Duration, u32)> {
        if self.leader_since.is_some() {
            return self
                .seen
                .get(&node_id)
                .map(|(t, led)| (now.saturating_duration_since(*t), *led));
        }
        let at = self.table_at?;
        self.table.iter().find(|s| s.node_id == node_id).map(|s| {
            (
                Duration::from_millis(s.ms_since_heartbeat) + now.saturating_duration_since(at),
                s.partitions_led,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::state::Command;

    fn state_with(ids: &[u32]) -> ClusterState {
        let mut state = ClusterState::default();
        for id in ids {
            state.apply(Command::Register {
                node_id: *id,
                address: format!("n{id}:1"),
                version: "1".into(),
                boot_id: 1,
                at_ms: 0,
            });
        }
        state
    }

    fn beat(id: u32) -> Heartbeat {
        Heartbeat {
            node_id: id,
            address: format!("n{id}:1"),
            version: "1".into(),
            boot_id: 1,
            partitions_led: id,
        }
    }

    #[test]
    fn a_silent_broker_expires_after_the_session_timeout_counted_from_leadership() {
        let timeout = Duration::from_secs(6);
        let mut live = Liveness::new(timeout);
        let state = state_with(&[1, 2, 3]);
        let t0 = Instant::now();
        // A follower never fences.
        assert!(live.expired(&state, t0 + timeout * 10).is_empty());
        live.set_leader(true, t0);
        live.record(&beat(1), t0 + Duration::from_secs(5));
        live.record(&beat(2), t0 + Duration::from_secs(5));
        // Broker 3 has never been heard from in this term: it gets a full
        // session from when leadership began, not from the epoch.
        assert!(live.expired(&state, t0 + Duration::from_secs(6)).is_empty());
        let expired = live.expired(&state, t0 + Duration::from_secs(7));
        assert_eq!(expired.iter().map(|e| e.node_id).collect::<Vec<_>>(), [3]);
        assert_eq!(expired[0].incarnation, 1);
        let later = live.expired(&state, t0 + Duration::from_secs(12));
        assert_eq!(
            later.iter().map(|e| e.node_id).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        // Losing and regaining leadership starts the grace period afresh.
        live.set_leader(false, t0 + Duration::from_secs(12));
        live.set_leader(true, t0 + Duration::from_secs(12));
        assert!(live
            .expired(&state, t0 + Duration::from_secs(13))
            .is_empty());
    }

    #[test]
    fn followers_answer_from_the_leaders_last_table() {
        let mut leader = Liveness::new(Duration::from_secs(6));
        let t0 = Instant::now();
        leader.set_leader(true, t0);
        leader.record(&beat(2), t0);
        let table = leader.table(t0 + Duration::from_millis(300));
        assert_eq!(table[0].ms_since_heartbeat, 300);
        let mut follower = Liveness::new(Duration::from_secs(6));
        follower.set_table(table, t0 + Duration::from_millis(300));
        let (age, led) = follower
            .last_heard(2, t0 + Duration::from_millis(1300))
            .unwrap();
        assert_eq!(age, Duration::from_millis(1300));
        assert_eq!(led, 2);
        assert!(follower.last_heard(9, t0).is_none());
    }
}
