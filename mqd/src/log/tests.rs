//! Storage engine tests: appends, reads, rolls, recovery and retention.

use bytes::Bytes;
use mq::batch::{decode_batches, encode_batch, Compression, ProducerStamp};
use mq::Record;

use super::*;

fn batch(n: usize, value_len: usize, ts: i64) -> Bytes {
    let records: Vec<Record> = (0..n)
        .map(|i| Record::new(vec![b'a' + (i % 26) as u8; value_len]).with_timestamp(ts))
        .collect();
    encode_batch(&records, Compression::None, ProducerStamp::NONE).unwrap()
}

fn config(segment_bytes: u64) -> LogConfig {
    LogConfig {
        segment_bytes,
        segment_ms: -1,
        index_interval_bytes: 256,
        max_message_bytes: 1 << 20,
    }
}

fn append(log: &mut Log, bytes: &[u8]) -> AppendInfo {
    let valid = validate_batches(bytes, 1 << 20).unwrap();
    log.append(&valid, 0, 1000).unwrap()
}

fn read_all(log: &Log, from: i64) -> Vec<i64> {
    let topic = std::sync::Arc::from("t");
    let mut offsets = Vec::new();
    let mut next = from;
    while next < log.log_end() {
        let bytes = log
            .plan_read(next, 1000, log.log_end())
            .unwrap()
            .execute()
            .unwrap();
        let records = decode_batches(bytes, &topic, 0, next).unwrap();
        assert!(!records.is_empty(), "no progress at {next}");
        for r in &records {
            offsets.push(r.offset);
        }
        next = records.last().unwrap().offset + 1;
    }
    offsets
}

#[test]
fn appends_assign_dense_offsets_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = Log::open(dir.path(), config(2000), true, 0).unwrap();
    for i in 0..50 {
        let info = append(&mut log, &batch(3, 100, 1000 + i));
        assert_eq!(info.base_offset, i * 3);
        assert_eq!(info.last_offset, i * 3 + 2);
    }
    assert!(log.segment_count() > 5, "segments: {}", log.segment_count());
    assert_eq!(log.log_end(), 150);
    assert_eq!(read_all(&log, 0), (0..150).collect::<Vec<_>>());
    assert_eq!(read_all(&log, 77), (77..150).collect::<Vec<_>>());
}

#[test]
fn reads_stop_at_the_upper_bound_and_reject_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = Log::open(dir.path(), config(1 << 20), true, 0).unwrap();
    for _ in 0..4 {
        append(&mut log, &batch(5, 10, 1));
    }
    let bytes = log.plan_read(0, 1 << 20, 10).unwrap().execute().unwrap();
    let records = decode_batches(bytes, &std::sync::Arc::from("t"), 0, 0).unwrap();
    assert_eq!(records.len(), 10);
    assert!(log
        .plan_read(10, 100, 10)
        .unwrap()
        .execute()
        .unwrap()
        .is_empty());
    assert!(matches!(
        log.plan_read(11, 100, 10),
        Err(LogError::OffsetOutOfRange {
            offset: 11,
            log_start: 0,
            high_watermark: 10
        })
    ));
}

#[test]
fn a_batch_larger_than_max_bytes_is_still_returned() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = Log::open(dir.path(), config(1 << 20), true, 0).unwrap();
    append(&mut log, &batch(10, 2000, 1));
    let bytes = log.plan_read(0, 10, 10).unwrap().execute().unwrap();
    assert!(bytes.len() > 20_000);
}

#[test]
fn reopening_after_clean_shutdown_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut log, _) = Log::open(dir.path(), config(3000), true, 0).unwrap();
        for i in 0..40 {
            append(&mut log, &batch(2, 50, i));
        }
        log.sync_all().unwrap();
    }
    let (log, truncations) = Log::open(dir.path(), config(3000), true, 0).unwrap();
    assert!(truncations.is_empty());
    assert_eq!(log.log_end(), 80);
    assert_eq!(read_all(&log, 0), (0..80).collect::<Vec<_>>());
}

fn active_segment_path(dir: &std::path::Path) -> std::path::PathBuf {
    let mut logs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    logs.pop().unwrap()
}

#[test]
fn a_torn_write_is_truncated_on_unclean_open() {
    let dir = tempfile::tempdir().unwrap();
    let one = batch(4, 100, 1);
    {
        let (mut log, _) = Log::open(dir.path(), config(1 << 20), true, 0).unwrap();
        for _ in 0..10 {
            append(&mut log, &one);
        }
    }
    let path = active_segment_path(dir.path());
    let len = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len - 30).unwrap();
    let (log, truncations) = Log::open(dir.path(), config(1 << 20), false, 0).unwrap();
    assert_eq!(truncations.len(), 1);
    assert_eq!(truncations[0].kept_bytes, 9 * one.len() as u64);
    assert_eq!(log.log_end(), 36);
    assert_eq!(read_all(&log, 0), (0..36).collect::<Vec<_>>());
}

#[test]
fn flipped_bytes_in_the_last_batch_are_found_even_after_clean_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let one = batch(4, 100, 1);
    {
        let (mut log, _) = Log::open(dir.path(), config(1 << 20), true, 0).unwrap();
        for _ in 0..10 {
            append(&mut log, &one);
        }
    }
    let path = active_segment_path(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let (mut log, truncations) = Log::open(dir.path(), config(1 << 20), true, 0).unwrap();
    assert_eq!(truncations.len(), 1);
    assert!(
        truncations[0].reason.contains("CRC"),
        "{}",
        truncations[0].reason
    );
    assert_eq!(log.log_end(), 36);
    // The log accepts appends right after the good prefix.
    assert_eq!(append(&mut log, &one).base_offset, 36);
    assert_eq!(read_all(&log, 0), (0..40).collect::<Vec<_>>());
}

#[test]
fn missing_or_garbage_indexes_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut log, _) = Log::open(dir.path(), config(4000), true, 0).unwrap();
        for i in 0..60 {
            append(&mut log, &batch(2, 60, i));
        }
    }
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("index") => std::fs::write(&path, [0xffu8; 21]).unwrap(),
            Some("timeindex") => std::fs::remove_file(&path).unwrap(),
            _ => {}
        }
    }
    let (log, truncations) = Log::open(dir.path(), config(4000), true, 0).unwrap();
    assert!(truncations.is_empty());
    assert_eq!(log.log_end(), 120);
    assert_eq!(read_all(&log, 55), (55..120).collect::<Vec<_>>());
    assert_eq!(log.offset_for_timestamp(30).unwrap(), 60);
}

#[test]
fn retention_deletes_whole_old_segments_and_moves_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = Log::open(dir.path(), config(2000), true, 0).unwrap();
    for i in 0..30 {
        append(&mut log, &batch(2, 100, i * 1000));
    }
    let segments = log.segment_count();
    // By time: everything with timestamps older than 10 s before now=30 s.
    let deleted = log.apply_retention(30_000, 10_000, -1).unwrap();
    assert!(deleted.segments > 0);
    assert!(log.log_start() > 0);
    assert!(log.segment_count() < segments);
    assert!(matches!(
        log.plan_read(0, 100, log.log_end()),
        Err(LogError::OffsetOutOfRange { .. })
    ));
    // By size: keep about 3000 bytes, never the active segment.
    log.apply_retention(30_000, -1, 3000).unwrap();
    assert!(log.size_bytes() >= 3000 || log.segment_count() == 1);
    assert!(log.size_bytes() < 3000 + 2000);
    let start = log.log_start();
    assert_eq!(read_all(&log, start), (start..60).collect::<Vec<_>>());
}

#[test]
fn make_room_drops_oldest_segments_and_can_roll_the_active_one() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = Log::open(dir.path(), config(1 << 20), true, 0).unwrap();
    let one = batch(1, 500, 1);
    for _ in 0..8 {
        append(&mut log, &one);
    }
    assert_eq!(log.segment_count(), 1);
    let (fits, deleted) = log.make_room(2000, one.len() as u64, 5).unwrap();
    assert!(fits);
    assert_eq!(deleted.segments, 1);
    assert_eq!(log.log_start(), 8);
    assert_eq!(log.log_end(), 8);
    let (fits, _) = log.make_room(100, one.len() as u64, 5).unwrap();
    assert!(!fits);
}

#[test]
fn validation_rejects_bad_crc_lying_length_and_oversized_batches() {
    let good = batch(3, 10, 1);
    let mut bad_crc = good.to_vec();
    let n = bad_crc.len();
    bad_crc[n - 1] ^= 1;
    assert!(matches!(
        validate_batches(&bad_crc, 1 << 20),
        Err(LogError::InvalidBatch { .. })
    ));
    let mut lying = good.to_vec();
    lying[8..12].copy_from_slice(&(10_000i32).to_be_bytes());
    assert!(matches!(
        validate_batches(&lying, 1 << 20),
        Err(LogError::InvalidBatch { .. })
    ));
    assert!(matches!(
        validate_batches(&good, 10),
        Err(LogError::BatchTooLarge { .. })
    ));
    assert!(matches!(
        validate_batches(&[], 10),
        Err(LogError::EmptyRequest)
    ));
    let two: Vec<u8> = [good.as_ref(), good.as_ref()].concat();
    assert_eq!(validate_batches(&two, 1 << 20).unwrap().records(), 6);
}

#[test]
fn the_active_segment_rolls_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        segment_ms: 1000,
        ..config(1 << 20)
    };
    let (mut log, _) = Log::open(dir.path(), config, true, 0).unwrap();
    let valid_bytes = batch(2, 10, 1);
    let valid = validate_batches(&valid_bytes, 1 << 20).unwrap();
    log.append(&valid, 0, 0).unwrap();
    log.append(&valid, 0, 999).unwrap();
    assert_eq!(log.segment_count(), 1);
    log.append(&valid, 0, 1000).unwrap();
    assert_eq!(log.segment_count(), 2);
    assert_eq!(read_all(&log, 0), (0..6).collect::<Vec<_>>());
}

#[test]
fn leader_epochs_are_stamped_and_checkpointed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = Log::open(dir.path(), config(1 << 20), true, 0).unwrap();
    let bytes = batch(3, 10, 1);
    let valid = validate_batches(&bytes, 1 << 20).unwrap();
    log.append(&valid, 0, 0).unwrap();
    log.append(&valid, 4, 0).unwrap();
    let read = log.plan_read(3, 1 << 20, 6).unwrap().execute().unwrap();
    assert_eq!(
        mq::batch::BatchHeader::parse(&read).unwrap().leader_epoch(),
        4
    );
    drop(log);
    let (log, _) = Log::open(dir.path(), config(1 << 20), true, 0).unwrap();
    let epochs: Vec<(i32, i64)> = log
        .epochs()
        .entries()
        .iter()
        .map(|e| (e.epoch, e.start_offset))
        .collect();
    assert_eq!(epochs, vec![(0, 0), (4, 3)]);
}

/// Everything a log holds from `from`, as stored (offsets and epochs kept).
fn raw_from(log: &Log, from: i64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut next = from;
    while next < log.log_end() {
        let bytes = log
            .plan_read(next, 1 << 20, log.log_end())
            .unwrap()
            .execute()
            .unwrap();
        let mut last = next;
        for b in mq::batch::batches(&bytes) {
            let b = b.unwrap();
            if b.base_offset() >= next {
                out.extend_from_slice(b.bytes());
                last = b.next_offset();
            }
        }
        assert!(last > next, "no progress at {next}");
        next = last;
    }
    out
}

#[test]
fn a_follower_copies_batches_with_their_offsets_and_epochs() {
    let leader_dir = tempfile::tempdir().unwrap();
    let follower_dir = tempfile::tempdir().unwrap();
    let (mut leader, _) = Log::open(leader_dir.path(), config(2000), true, 0).unwrap();
    let (mut follower, _) = Log::open(follower_dir.path(), config(2000), true, 0).unwrap();
    for epoch in [0, 0, 2, 2, 5] {
        let bytes = batch(4, 100, 1000);
        let valid = validate_batches(&bytes, 1 << 20).unwrap();
        leader.append(&valid, epoch, 1000).unwrap();
    }
    // In two fetches, as a follower would.
    let all = raw_from(&leader, 0);
    let cut = mq::batch::batches(&all)
        .take(2)
        .map(|b| b.unwrap().total_len())
        .sum::<usize>();
    assert_eq!(follower.append_replica(&all[..cut], 1000).unwrap(), 8);
    // A resend of what it has is skipped; a gap is refused, naming both offsets.
    assert_eq!(follower.append_replica(&all[..cut], 1000).unwrap(), 8);
    let third = mq::batch::batches(&all)
        .nth(2)
        .unwrap()
        .unwrap()
        .total_len();
    let gap = follower
        .append_replica(&all[cut + third..], 1000)
        .unwrap_err();
    assert!(
        matches!(
            gap,
            LogError::ReplicaGap {
                expected: 8,
                got: 12
            }
        ),
        "{gap}"
    );
    assert_eq!(follower.append_replica(&all[cut..], 1000).unwrap(), 20);
    assert_eq!(raw_from(&follower, 0), all);
    assert_eq!(follower.epochs().entries(), leader.epochs().entries());
    assert_eq!(follower.end_offset_for_epoch(2), Some((2, 16)));
    assert_eq!(follower.end_offset_for_epoch(4), Some((2, 16)));
    assert_eq!(follower.end_offset_for_epoch(9), Some((5, 20)));
    // Damaged bytes are refused whole.
    let mut damaged = all[cut..].to_vec();
    let last = damaged.len() - 1;
    damaged[last] ^= 0xff;
    follower.truncate_to(8, 1000).unwrap();
    assert!(follower.append_replica(&damaged, 1000).is_err());
    assert_eq!(follower.log_end(), 8);
}

#[test]
fn truncation_drops_whole_batches_across_segments_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = Log::open(dir.path(), config(1000), true, 0).unwrap();
    for i in 0..30 {
        let bytes = batch(3, 100, 1000);
        let valid = validate_batches(&bytes, 1 << 20).unwrap();
        log.append(&valid, i / 10, 1000).unwrap();
    }
    assert!(log.segment_count() > 3);
    // Offset 40 is inside the batch 39..41: that batch goes too.
    assert_eq!(log.truncate_to(40, 1000).unwrap(), 39);
    assert_eq!(read_all(&log, 0), (0..39).collect::<Vec<_>>());
    assert_eq!(log.end_offset_for_epoch(1), Some((1, 39)));
    assert_eq!(log.latest_epoch().map(|e| e.epoch), Some(1));
    // Appends continue from the cut.
    let info = append(&mut log, &batch(2, 10, 1000));
    assert_eq!(info.base_offset, 39);
    drop(log);
    let (log, _) = Log::open(dir.path(), config(1000), false, 0).unwrap();
    assert_eq!(read_all(&log, 0), (0..41).collect::<Vec<_>>());
    // Truncating below everything restarts the log empty.
    let mut log = log;
    assert_eq!(log.truncate_to(0, 1000).unwrap(), 0);
    assert_eq!(log.log_end(), 0);
    assert_eq!(log.segment_count(), 1);
}
