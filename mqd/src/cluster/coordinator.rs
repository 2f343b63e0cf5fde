//! Which broker coordinates a consumer group in a cluster: the group's
//! members, generations and assignments live in that broker's memory, so
//! every member must talk to the same one. It is chosen by rendezvous
//! hashing over the live brokers: every node computes the same answer from
//! the same controller state, and a broker's death (or return) moves only
//! the groups it wins, not every group as a hash modulo the broker count
//! would.

use super::state::ClusterState;

/// The live broker that coordinates `group`, or None when none is live.
pub fn coordinator_for(state: &ClusterState, group: &str) -> Option<u32> {
    state
        .live_brokers()
        .map(|b| b.node_id)
        .max_by_key(|id| (weight(group, *id), *id))
}

/// A stable pseudo-random weight of (group, broker): FNV-1a over both,
/// then a splitmix64 finish so close inputs spread.
fn weight(group: &str, node_id: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in group.bytes().chain(node_id.to_le_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::state::Command;

    fn cluster(ids: &[u32]) -> ClusterState {
        let mut state = ClusterState::default();
        for &id in ids {
            state.apply(Command::Register {
                node_id: id,
                address: format!("127.0.0.1:{id}"),
                version: "1".into(),
                boot_id: 1,
                at_ms: 0,
            });
        }
        state
    }

    #[test]
    fn groups_spread_and_a_dead_broker_moves_only_its_own() {
        let state = cluster(&[1, 2, 3]);
        let groups: Vec<String> = (0..300).map(|i| format!("group-{i}")).collect();
        let before: Vec<u32> = groups
            .iter()
            .map(|g| coordinator_for(&state, g).unwrap())
            .collect();
        for id in [1, 2, 3] {
            let n = before.iter().filter(|c| **c == id).count();
            assert!(
                (60..=140).contains(&n),
                "broker {id} coordinates {n} of 300"
            );
        }
        // The same state gives the same answer.
        assert_eq!(coordinator_for(&state, "group-7"), Some(before[7]));

        let mut down = state.clone();
        let incarnation = down.brokers[&2].incarnation;
        down.apply(Command::Fence {
            node_id: 2,
            incarnation,
            at_ms: 1,
            reason: "test".into(),
        });
        for (g, was) in groups.iter().zip(&before) {
            let now = coordinator_for(&down, g).unwrap();
            if *was == 2 {
                assert_ne!(now, 2);
            } else {
                assert_eq!(now, *was, "{g} moved although its coordinator lives");
            }
        }
        assert_eq!(coordinator_for(&ClusterState::default(), "g"), None);
    }
}
