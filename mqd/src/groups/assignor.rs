//! Partition assignment: which member of a group reads which partition.
//!
//! Pure functions of the members, their subscriptions, the partitions and
//! (for sticky) the current assignment, so they are tested without a
//! broker. Every partition of a subscribed topic goes to exactly one member
//! subscribed to that topic.

use std::collections::{BTreeMap, BTreeSet};

/// A topic and partition.
pub type Tp = (String, u32);

/// Member id -> its partitions.
pub type Assignment = BTreeMap<String, BTreeSet<Tp>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignor {
    /// Keeps partitions where they are and moves only as many as balance
    /// needs; the default, since every move costs the application a commit
    /// and a restart of reading.
    Sticky,
    /// Per topic, contiguous ranges of partitions to members in id order.
    Range,
    /// All partitions dealt to members in turn.
    RoundRobin,
}

impl Assignor {
    pub fn parse(name: &str) -> Option<Assignor> {
        match name {
            "" | "sticky" => Some(Assignor::Sticky),
            "range" => Some(Assignor::Range),
            "roundrobin" | "round-robin" => Some(Assignor::RoundRobin),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Assignor::Sticky => "sticky",
            Assignor::Range => "range",
            Assignor::RoundRobin => "roundrobin",
        }
    }

    /// Assigns every partition in `partitions` (topic -> count) to one of
    /// the `members` (member id -> subscribed topics) subscribed to it.
    pub fn assign(
        self,
        members: &BTreeMap<String, BTreeSet<String>>,
        partitions: &BTreeMap<String, u32>,
        current: &Assignment,
    ) -> Assignment {
        let mut out: Assignment = members
            .keys()
            .map(|m| (m.clone(), BTreeSet::new()))
            .collect();
        if members.is_empty() {
            return out;
        }
        match self {
            Assignor::Range => range(members, partitions, &mut out),
            Assignor::RoundRobin => round_robin(members, partitions, &mut out),
            Assignor::Sticky => sticky(members, partitions, current, &mut out),
        }
        out
    }
}

fn subscribers<'a>(
    members: &'a BTreeMap<String, BTreeSet<String>>,
    topic: &str,
) -> Vec<&'a String> {
    members
        .iter()
        .filter(|(_, topics)| topics.contains(topic))
        .map(|(id, _)| id)
        .collect()
}

fn range(
    members: &BTreeMap<String, BTreeSet<String>>,
    partitions: &BTreeMap<String, u32>,
    out: &mut Assignment,
) {
    for (topic, &count) in partitions {
        let subs = subscribers(members, topic);
        if subs.is_empty() {
            continue;
        }
        let n = subs.len() as u32;
        let (base, extra) = (count / n, count % n);
        let mut next = 0;
        for (i, member) in subs.iter().enumerate() {
            let take = base + u32::from((i as u32) < extra);
            let set = out.entry((*member).clone()).or_default();
            for p in next..next + take {
                set.insert((topic.clone(), p));
            }
            next += take;
        }
    }
}

fn round_robin(
    members: &BTreeMap<String, BTreeSet<String>>,
    partitions: &BTreeMap<String, u32>,
    out: &mut Assignment,
) {
    let ids: Vec<&String> = members.keys().collect();
    let mut turn = 0usize;
    for (topic, &count) in partitions {
        for p in 0..count {
            // The next member in turn that subscribes to the topic.
            for _ in 0..ids.len() {
                let member = ids[turn % ids.len()];
                turn += 1;
                if members[member].contains(topic) {
                    out.entry(member.clone())
                        .or_default()
                        .insert((topic.clone(), p));
                    break;
                }
            }
        }
    }
}

fn sticky(
    members: &BTreeMap<String, BTreeSet<String>>,
    partitions: &BTreeMap<String, u32>,
    current: &Assignment,
    out: &mut Assignment,
) {
    let all: Vec<Tp> = partitions
        .iter()
        .filter(|(topic, _)| members.values().any(|t| t.contains(*topic)))
        .flat_map(|(topic, &count)| (0..count).map(move |p| (topic.clone(), p)))
        .collect();
    let valid = |member: &str, tp: &Tp| {
        members.get(member).is_some_and(|t| t.contains(&tp.0))
            && partitions.get(&tp.0).is_some_and(|&count| tp.1 < count)
    };
    // Capacity: an even share, the larger shares going to the members that
    // already hold the most, so fewer partitions move.
    let n = members.len();
    let (base, extra) = (all.len() / n, all.len() % n);
    let mut by_holding: Vec<(&String, usize)> = members
        .keys()
        .map(|m| {
            let held = current
                .get(m)
                .map_or(0, |set| set.iter().filter(|tp| valid(m, tp)).count());
            (m, held)
        })
        .collect();
    by_holding.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let capacity: BTreeMap<&String, usize> = by_holding
        .iter()
        .enumerate()
        .map(|(i, (m, _))| (*m, base + usize::from(i < extra)))
        .collect();

    let mut taken: BTreeSet<&Tp> = BTreeSet::new();
    for (member, cap) in &capacity {
        let Some(held) = current.get(*member) else {
            continue;
        };
        for tp in held.iter().filter(|tp| valid(member, tp)) {
            if out[*member].len() >= *cap || taken.contains(tp) {
                continue;
            }
            taken.insert(tp);
            out.get_mut(*member).map(|set| set.insert(tp.clone()));
        }
    }
    for tp in all.iter().filter(|tp| !taken.contains(tp)) {
        // The eligible member with the most room, then the fewest partitions.
        let choice = members
            .keys()
            .filter(|m| valid(m, tp))
            .min_by_key(|m| {
                let have = out[*m].len();
                (have >= capacity[m], have, (*m).clone())
            })
            .cloned();
        if let Some(member) = choice {
            out.get_mut(&member).map(|set| set.insert(tp.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(ids: &[&str], topics: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
        ids.iter()
            .map(|id| {
                (
                    id.to_string(),
                    topics.iter().map(|t| t.to_string()).collect(),
                )
            })
            .collect()
    }

    fn every_partition_once(a: &Assignment, partitions: &BTreeMap<String, u32>) {
        let mut seen = BTreeSet::new();
        for set in a.values() {
            for tp in set {
                assert!(seen.insert(tp.clone()), "{tp:?} assigned twice");
            }
        }
        let total: u32 = partitions.values().sum();
        assert_eq!(seen.len() as u32, total);
    }

    #[test]
    fn each_assignor_covers_every_partition_once_and_balances() {
        let parts = BTreeMap::from([("a".to_string(), 7u32), ("b".to_string(), 5)]);
        let m = members(&["m1", "m2", "m3"], &["a", "b"]);
        for assignor in [Assignor::Sticky, Assignor::Range, Assignor::RoundRobin] {
            let a = assignor.assign(&m, &parts, &Assignment::new());
            every_partition_once(&a, &parts);
            let sizes: Vec<usize> = a.values().map(BTreeSet::len).collect();
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            // Range balances per topic, so across topics it may differ by 2.
            let slack = if assignor == Assignor::Range { 2 } else { 1 };
            assert!(max - min <= slack, "{assignor:?}: {sizes:?}");
        }
    }

    #[test]
    fn range_gives_contiguous_ranges() {
        let parts = BTreeMap::from([("t".to_string(), 5u32)]);
        let a = Assignor::Range.assign(&members(&["x", "y"], &["t"]), &parts, &Assignment::new());
        let x: Vec<u32> = a["x"].iter().map(|tp| tp.1).collect();
        let y: Vec<u32> = a["y"].iter().map(|tp| tp.1).collect();
        assert_eq!((x, y), (vec![0, 1, 2], vec![3, 4]));
    }

    #[test]
    fn sticky_moves_only_what_balance_needs() {
        let parts = BTreeMap::from([("t".to_string(), 12u32)]);
        let three = Assignor::Sticky.assign(
            &members(&["a", "b", "c"], &["t"]),
            &parts,
            &Assignment::new(),
        );
        let four = Assignor::Sticky.assign(&members(&["a", "b", "c", "d"], &["t"]), &parts, &three);
        every_partition_once(&four, &parts);
        let moved: usize = ["a", "b", "c"]
            .iter()
            .map(|m| three[*m].difference(&four[*m]).count())
            .sum();
        assert_eq!(moved, 3, "12 partitions from 3 to 4 members: 3 move");
        assert_eq!(four["d"].len(), 3);

        // A member leaving: only its partitions move.
        let back = Assignor::Sticky.assign(&members(&["a", "b", "c"], &["t"]), &parts, &four);
        for m in ["a", "b", "c"] {
            assert!(four[m].is_subset(&back[m]), "{m} kept what it had");
        }
        every_partition_once(&back, &parts);
    }

    #[test]
    fn members_get_only_topics_they_subscribe_to() {
        let parts = BTreeMap::from([("a".to_string(), 4u32), ("b".to_string(), 4)]);
        let mut m = members(&["only-a"], &["a"]);
        m.extend(members(&["both"], &["a", "b"]));
        for assignor in [Assignor::Sticky, Assignor::Range, Assignor::RoundRobin] {
            let a = assignor.assign(&m, &parts, &Assignment::new());
            every_partition_once(&a, &parts);
            assert!(a["only-a"].iter().all(|tp| tp.0 == "a"), "{assignor:?}");
        }
    }
}
