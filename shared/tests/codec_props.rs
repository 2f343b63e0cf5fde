//! Property tests: any records, with any codec, survive encode -> header
//! validation -> offset rewrite -> decode unchanged.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use bytes::Bytes;
use mq::batch::{assign, decode_batches, encode_batch, BatchHeader, Compression, ProducerStamp};
use mq::{Header, Record};
use proptest::prelude::*;

fn bytes_opt() -> impl Strategy<Value = Option<Bytes>> {
    proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300).prop_map(Bytes::from))
}

fn record() -> impl Strategy<Value = Record> {
    (
        bytes_opt(),
        bytes_opt(),
        proptest::collection::btree_map("[a-z_.-]{1,12}", bytes_opt(), 0..4),
        // Records of one batch lie within 2^31 ms (24 days) of each other:
        // the codec stores timestamps as deltas from the first.
        1_700_000_000_000i64..1_700_000_000_000 + (1 << 30),
    )
        .prop_map(|(key, value, headers, timestamp_ms)| Record {
            key,
            value,
            headers: headers
                .into_iter()
                .map(|(key, value)| Header { key, value })
                .collect(),
            timestamp_ms,
        })
}

fn compression() -> impl Strategy<Value = Compression> {
    proptest::sample::select(Compression::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn records_round_trip(records in proptest::collection::vec(record(), 1..40), codec in compression(), base in 0i64..1 << 40, epoch in 0i32..1000) {
        let encoded = encode_batch(&records, codec, ProducerStamp::NONE).unwrap();
        let header = BatchHeader::parse(&encoded).unwrap();
        header.validate().unwrap();
        prop_assert_eq!(header.record_count() as usize, records.len());
        prop_assert_eq!(header.total_len(), encoded.len());
        prop_assert_eq!(header.attributes() & 0x7, codec as i16);

        // The broker's rewrite must keep the CRC valid.
        let mut stored = encoded.to_vec();
        assign(&mut stored, base, epoch);
        let header = BatchHeader::parse(&stored).unwrap();
        header.validate().unwrap();
        prop_assert_eq!(header.base_offset(), base);
        prop_assert_eq!(header.leader_epoch(), epoch);
        prop_assert_eq!(header.next_offset(), base + records.len() as i64);

        let topic: Arc<str> = Arc::from("t");
        let decoded = decode_batches(Bytes::from(stored), &topic, 3, base).unwrap();
        prop_assert_eq!(decoded.len(), records.len());
        for (i, (got, want)) in decoded.iter().zip(&records).enumerate() {
            prop_assert_eq!(got.offset, base + i as i64);
            prop_assert_eq!(got.partition, 3);
            prop_assert_eq!(&got.key, &want.key);
            prop_assert_eq!(&got.value, &want.value);
            prop_assert_eq!(&got.headers, &want.headers);
            prop_assert_eq!(got.timestamp_ms, want.timestamp_ms);
        }
    }

    #[test]
    fn decoding_skips_records_below_the_requested_offset(n in 1usize..50, skip in 0usize..60) {
        let records: Vec<Record> = (0..n).map(|i| Record::new(format!("{i}")).with_timestamp(1)).collect();
        let encoded = encode_batch(&records, Compression::None, ProducerStamp::NONE).unwrap();
        let decoded = decode_batches(encoded, &Arc::from("t"), 0, skip as i64).unwrap();
        prop_assert_eq!(decoded.len(), n.saturating_sub(skip));
    }

    #[test]
    fn any_single_bit_flip_is_caught(records in proptest::collection::vec(record(), 1..5), bit in any::<usize>()) {
        let encoded = encode_batch(&records, Compression::None, ProducerStamp::NONE).unwrap();
        let mut damaged = encoded.to_vec();
        // Bits from the attributes on are covered by the CRC (the CRC
        // field itself included: a flipped CRC no longer matches).
        let covered = damaged.len() * 8 - 17 * 8;
        let bit = 17 * 8 + bit % covered;
        damaged[bit / 8] ^= 1 << (bit % 8);
        let result = BatchHeader::parse(&damaged).and_then(|h| h.validate());
        prop_assert!(result.is_err());
    }
}

#[test]
fn idempotent_stamps_are_carried() {
    let stamp = ProducerStamp {
        producer_id: 42,
        producer_epoch: 3,
        base_sequence: 100,
    };
    let records = vec![Record::new("a"), Record::new("b")];
    let encoded = encode_batch(&records, Compression::Zstd, stamp).unwrap();
    let header = BatchHeader::parse(&encoded).unwrap();
    assert_eq!(header.producer_id(), 42);
    assert_eq!(header.producer_epoch(), 3);
    assert_eq!(header.base_sequence(), 100);
}

#[test]
fn restamping_a_sequence_keeps_the_batch_valid() {
    let stamp = ProducerStamp {
        producer_id: 42,
        producer_epoch: 3,
        base_sequence: 100,
    };
    let records = vec![Record::new("a"), Record::new("b")];
    let mut encoded = encode_batch(&records, Compression::Lz4, stamp)
        .unwrap()
        .to_vec();
    mq::batch::restamp_sequence(&mut encoded, 97);
    let header = BatchHeader::parse(&encoded).unwrap();
    header.validate().unwrap();
    assert_eq!(header.base_sequence(), 97);
    assert_eq!(header.producer_id(), 42);
    let topic = std::sync::Arc::from("t");
    let decoded = decode_batches(bytes::Bytes::from(encoded), &topic, 0, 0).unwrap();
    assert_eq!(decoded.len(), 2);
}
