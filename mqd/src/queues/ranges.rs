//! A set of offsets kept as disjoint half-open ranges, so acknowledgements
//! that arrive mostly in order cost one range each rather than one entry
//! per offset.

use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RangeSet {
    /// start -> end (exclusive); ranges never touch or overlap.
    ranges: BTreeMap<i64, i64>,
    len: u64,
}

impl RangeSet {
    pub fn contains(&self, offset: i64) -> bool {
        self.ranges
            .range(..=offset)
            .next_back()
            .is_some_and(|(_, end)| offset < *end)
    }

    /// Adds `offset`; false when it was already present.
    pub fn insert(&mut self, offset: i64) -> bool {
        let mut start = offset;
        let mut end = offset + 1;
        if let Some((&s, &e)) = self.ranges.range(..=offset).next_back() {
            if offset < e {
                return false;
            }
            if e == offset {
                start = s;
            }
        }
        if let Some(&e) = self.ranges.get(&end) {
            self.ranges.remove(&end);
            end = e;
        }
        self.ranges.insert(start, end);
        self.len += 1;
        true
    }

    /// Removes the first range when it starts at `floor`, returning its end.
    pub fn pop_from(&mut self, floor: i64) -> Option<i64> {
        let (&start, &end) = self.ranges.iter().next()?;
        if start != floor {
            return None;
        }
        self.ranges.remove(&start);
        self.len -= (end - start) as u64;
        Some(end)
    }

    /// Drops every offset below `floor`.
    pub fn drop_below(&mut self, floor: i64) {
        while let Some((&start, &end)) = self.ranges.iter().next() {
            if start >= floor {
                break;
            }
            self.ranges.remove(&start);
            self.len -= (end - start) as u64;
            if end > floor {
                self.ranges.insert(floor, end);
                self.len += (end - floor) as u64;
                break;
            }
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn iter(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.ranges.iter().map(|(s, e)| (*s, *e))
    }

    /// Rebuilds a set from stored ranges; empty ones are skipped and
    /// overlapping ones merged, so damaged input cannot break the invariant.
    pub fn from_ranges(stored: &[(i64, i64)]) -> Self {
        let mut sorted: Vec<(i64, i64)> = stored.iter().copied().filter(|(s, e)| s < e).collect();
        sorted.sort_unstable();
        let mut set = RangeSet::default();
        let mut current: Option<(i64, i64)> = None;
        for (start, end) in sorted {
            current = match current {
                Some((s, e)) if start <= e => Some((s, e.max(end))),
                Some((s, e)) => {
                    set.ranges.insert(s, e);
                    set.len += (e - s) as u64;
                    Some((start, end))
                }
                None => Some((start, end)),
            };
        }
        if let Some((s, e)) = current {
            set.ranges.insert(s, e);
            set.len += (e - s) as u64;
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_offsets_merge_into_one_range() {
        let mut s = RangeSet::default();
        for o in [5, 7, 6, 4, 10] {
            assert!(s.insert(o));
        }
        assert!(!s.insert(6));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(4, 8), (10, 11)]);
        assert_eq!(s.len(), 5);
        assert!(s.contains(7) && !s.contains(8) && s.contains(10));
        assert_eq!(s.pop_from(3), None);
        assert_eq!(s.pop_from(4), Some(8));
        s.drop_below(11);
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn drop_below_splits_a_range() {
        let mut s = RangeSet::from_ranges(&[(20, 22), (0, 6), (4, 10), (30, 30)]);
        s.drop_below(5);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(5, 10), (20, 22)]);
        assert_eq!(s.len(), 7);
    }
}
