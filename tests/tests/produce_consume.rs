//! Producing and consuming through the client library against a real mqd.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use mq::{Admin, Consumer, ConsumerConfig, Producer, ProducerConfig, Record, StartOffset};
use mq_tests::{read_partition, DataDir, Mqd};

const PARTITIONS: u32 = 8;
const PRODUCERS: usize = 4;
const PER_PRODUCER: usize = 50_000;
const KEYS_PER_PRODUCER: usize = 100;

/// 200,000 keyed records from 4 concurrent producers over 8 partitions:
/// everything comes back, per-key order holds, and after a restart the
/// stored bytes are identical.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keyed_records_keep_order_and_survive_restart() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("events", PARTITIONS, &[])
        .await
        .unwrap();

    let mut producers = Vec::new();
    for p in 0..PRODUCERS {
        let client = client.clone();
        producers.push(tokio::spawn(async move {
            let producer = Producer::new(client, ProducerConfig::default());
            let mut last = None;
            for i in 0..PER_PRODUCER {
                let key = format!("p{p}-k{}", i % KEYS_PER_PRODUCER);
                let value = format!("{key}:{i}");
                last = Some(
                    producer
                        .send("events", Record::new(value).with_key(key))
                        .await
                        .unwrap(),
                );
            }
            producer.flush().await.unwrap();
            last.unwrap().await.unwrap()
        }));
    }
    for p in producers {
        p.await.unwrap();
    }

    let mut consumer = Consumer::new(client.clone(), ConsumerConfig::default());
    consumer
        .assign_topic("events", StartOffset::Earliest)
        .await
        .unwrap();
    let mut seen = 0usize;
    let mut last_seq: HashMap<String, usize> = HashMap::new();
    let mut partition_of: HashMap<String, u32> = HashMap::new();
    while seen < PRODUCERS * PER_PRODUCER {
        let records = consumer.poll(Duration::from_secs(10)).await.unwrap();
        assert!(!records.is_empty(), "stalled after {seen} records");
        for r in records {
            let value = String::from_utf8(r.value.unwrap().to_vec()).unwrap();
            let (key, seq) = value.rsplit_once(':').unwrap();
            let seq: usize = seq.parse().unwrap();
            assert_eq!(r.key.as_deref(), Some(key.as_bytes()));
            if let Some(prev) = last_seq.insert(key.to_string(), seq) {
                assert!(seq > prev, "key {key}: {seq} after {prev}");
            }
            let p = *partition_of.entry(key.to_string()).or_insert(r.partition);
            assert_eq!(p, r.partition, "key {key} moved partitions");
            seen += 1;
        }
    }
    assert_eq!(seen, PRODUCERS * PER_PRODUCER);
    assert_eq!(last_seq.len(), PRODUCERS * KEYS_PER_PRODUCER);

    let mut before = Vec::new();
    for p in 0..PARTITIONS {
        before.push(read_partition(&client, "events", p, 0).await.0);
    }
    assert_eq!(mqd.terminate(Duration::from_secs(20)).await.code(), Some(0));

    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    for p in 0..PARTITIONS {
        let (after, _) = read_partition(&client, "events", p, 0).await;
        assert!(
            after == before[p as usize],
            "partition {p} differs after restart"
        );
    }
}

/// Every compression codec round-trips through the broker, headers and
/// timestamps included.
#[tokio::test]
async fn every_codec_round_trips_with_headers() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("codecs", 1, &[])
        .await
        .unwrap();
    for (i, compression) in mq::batch::Compression::ALL.into_iter().enumerate() {
        let producer = Producer::new(
            client.clone(),
            ProducerConfig {
                compression,
                ..ProducerConfig::default()
            },
        );
        for j in 0..100 {
            let record = Record::new(format!("{compression}-{j}").repeat(20))
                .with_key(format!("k{j}"))
                .with_header("codec", compression.name())
                .with_timestamp(1_700_000_000_000 + j);
            producer.send_to("codecs", 0, record).await.unwrap();
        }
        producer.flush().await.unwrap();
        let (_, records) = read_partition(&client, "codecs", 0, (i * 100) as i64).await;
        assert_eq!(records.len(), 100, "{compression}");
        for (j, r) in records.iter().enumerate() {
            assert_eq!(
                r.value.as_deref().unwrap(),
                format!("{compression}-{j}").repeat(20).as_bytes()
            );
            assert_eq!(r.headers[0].key, "codec");
            assert_eq!(
                r.headers[0].value.as_deref().unwrap(),
                compression.name().as_bytes()
            );
            assert_eq!(r.timestamp_ms, 1_700_000_000_000 + j as i64);
        }
    }
}
