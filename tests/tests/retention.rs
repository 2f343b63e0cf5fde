//! Retention by size and time, and the backlog cap's two policies.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use mq::{reason, Admin, Error, Producer, ProducerConfig, Record};
use mq_tests::{read_partition, wait_for, DataDir, Mqd};
use tonic::Code;

/// Checks retention every 100 ms instead of every 30 s.
const FAST_RETENTION: &str = "[storage]\nretention_check_interval_ms = 100\n";

async fn fill(client: &mq::Client, topic: &str, records: usize, timestamp_ms: Option<i64>) {
    let producer = Producer::new(
        client.clone(),
        ProducerConfig {
            batch_bytes: 1024,
            ..ProducerConfig::default()
        },
    );
    for i in 0..records {
        let mut record = Record::new(format!("{i:04}-").repeat(20));
        if let Some(ts) = timestamp_ms {
            record = record.with_timestamp(ts);
        }
        producer.send_to(topic, 0, record).await.unwrap();
    }
    producer.flush().await.unwrap();
}

async fn fetch_error(client: &mq::Client, topic: &str, offset: i64) -> Error {
    let request = mq::proto::FetchRequest {
        topic: topic.into(),
        partition: 0,
        offset,
        max_bytes: 0,
        max_wait_ms: 0,
        ..Default::default()
    };
    Error::from(client.broker().fetch(request).await.unwrap_err())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_by_size_deletes_whole_old_segments() {
    let dir = DataDir::new();
    let mqd = Mqd::start_with_config(&dir, FAST_RETENTION, &[]);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    admin
        .create_topic(
            "sized",
            1,
            &[("segment.bytes", "4096"), ("retention.bytes", "8192")],
        )
        .await
        .unwrap();
    fill(&client, "sized", 400, None).await;

    let start = wait_for(Duration::from_secs(20), "size retention", async || {
        let p = admin.describe_topic("sized").await.unwrap().partitions[0].clone();
        (p.size_bytes < 8192 + 4096 && p.log_start_offset > 0).then_some(p)
    })
    .await;
    assert!(
        start.segment_count >= 2,
        "keeps whole segments including the active one"
    );
    assert_eq!(start.log_end_offset, 400);
    let err = fetch_error(&client, "sized", 0).await;
    assert_eq!(err.code(), Some(Code::OutOfRange));
    assert_eq!(
        err.metadata("log_start_offset"),
        Some(start.log_start_offset.to_string().as_str())
    );
    // A consumer positioned below the start hears about it instead of stalling.
    let mut consumer = mq::Consumer::new(client.clone(), mq::ConsumerConfig::default());
    consumer
        .assign("sized", 0, mq::StartOffset::Offset(0))
        .await
        .unwrap();
    let err = consumer.poll(Duration::from_secs(10)).await.unwrap_err();
    assert_eq!(err.reason(), Some(reason::OFFSET_OUT_OF_RANGE), "{err}");
    // What is left is readable from the new start to the end.
    let (_, records) = read_partition(&client, "sized", 0, start.log_start_offset).await;
    assert_eq!(records.len() as i64, 400 - start.log_start_offset);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_by_time_deletes_segments_older_than_retention_ms() {
    let dir = DataDir::new();
    let mqd = Mqd::start_with_config(&dir, FAST_RETENTION, &[]);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    admin
        .create_topic(
            "timed",
            1,
            &[("segment.bytes", "4096"), ("retention.ms", "60000")],
        )
        .await
        .unwrap();
    let hour_ago = mq::record::now_ms() - 3_600_000;
    fill(&client, "timed", 100, Some(hour_ago)).await;
    fill(&client, "timed", 20, None).await;
    let p = wait_for(Duration::from_secs(20), "time retention", async || {
        let p = admin.describe_topic("timed").await.unwrap().partitions[0].clone();
        (p.log_start_offset > 0).then_some(p)
    })
    .await;
    // Every old segment went; the one holding fresh records stays.
    assert!(
        p.log_start_offset <= 100,
        "fresh records must stay: start {}",
        p.log_start_offset
    );
    let (_, records) = read_partition(&client, "timed", 0, p.log_start_offset).await;
    assert!(records.iter().filter(|r| r.timestamp_ms > hour_ago).count() == 20);
    assert_eq!(
        fetch_error(&client, "timed", 0).await.reason(),
        Some(reason::OFFSET_OUT_OF_RANGE)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_backlog_rejects_or_drops_oldest_by_policy() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    admin
        .create_topic(
            "capped",
            1,
            &[("segment.bytes", "4096"), ("max.backlog.bytes", "16384")],
        )
        .await
        .unwrap();
    let producer = Producer::new(
        client.clone(),
        ProducerConfig {
            batch_bytes: 1024,
            retries: 0,
            ..ProducerConfig::default()
        },
    );
    let mut rejected = None;
    for i in 0..1000 {
        let delivery = producer
            .send_to("capped", 0, Record::new(format!("{i:04}-").repeat(20)))
            .await
            .unwrap();
        producer.flush().await.ok();
        if let Err(e) = delivery.await {
            rejected = Some(e);
            break;
        }
    }
    let err = rejected.expect("the cap must reject at some point");
    assert_eq!(err.code(), Some(Code::ResourceExhausted));
    assert_eq!(err.reason(), Some(reason::BACKLOG_FULL));
    assert!(
        err.to_string().contains("max.backlog.bytes = 16384"),
        "{err}"
    );
    let before = admin.describe_topic("capped").await.unwrap().partitions[0].clone();
    assert_eq!(before.log_start_offset, 0);
    assert!(before.size_bytes <= 16384);

    admin
        .alter_topic_config("capped", &[("backlog.policy", "drop-oldest")], &[])
        .await
        .unwrap();
    fill(&client, "capped", 200, None).await;
    let after = admin.describe_topic("capped").await.unwrap().partitions[0].clone();
    assert!(
        after.log_start_offset > 0,
        "drop-oldest moves the log start"
    );
    assert!(
        after.size_bytes <= 16384,
        "size {} over the cap",
        after.size_bytes
    );
    assert_eq!(after.log_end_offset, before.log_end_offset + 200);
}
