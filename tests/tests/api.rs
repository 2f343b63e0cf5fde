//! The rest of the gRPC surface: subscriptions, long polls, offsets by
//! time, metadata, topic lifecycle, health.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use futures::StreamExt;
use mq::proto::list_offsets_request::Spec;
use mq::proto::{FetchRequest, ListOffsetsRequest, MetadataRequest, SubscribeRequest};
use mq::{Admin, Producer, ProducerConfig, Record};
use mq_tests::{read_partition, DataDir, Mqd};

async fn list_offset(client: &mq::Client, topic: &str, spec: Spec) -> i64 {
    let request = ListOffsetsRequest {
        topic: topic.into(),
        partition: 0,
        spec: Some(spec),
    };
    client
        .broker()
        .list_offsets(request)
        .await
        .unwrap()
        .into_inner()
        .offset
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_streams_new_batches_and_fetch_long_polls() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("live", 1, &[])
        .await
        .unwrap();
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    producer
        .send_to("live", 0, Record::new("first"))
        .await
        .unwrap()
        .await
        .unwrap();

    let mut stream = client
        .broker()
        .subscribe(SubscribeRequest {
            topic: "live".into(),
            partition: 0,
            offset: 0,
            max_bytes: 0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let topic = std::sync::Arc::from("live");
    let first = stream.next().await.unwrap().unwrap();
    let records = mq::batch::decode_batches(first.records, &topic, 0, 0).unwrap();
    assert_eq!(records[0].value.as_deref(), Some(&b"first"[..]));

    // A long poll at the end waits, and wakes when a record arrives.
    let mut broker = client.broker();
    let poll = tokio::spawn(async move {
        let started = Instant::now();
        let request = FetchRequest {
            topic: "live".into(),
            partition: 0,
            offset: 1,
            max_bytes: 0,
            max_wait_ms: 20_000,
            ..Default::default()
        };
        let response = broker.fetch(request).await.unwrap().into_inner();
        (response, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!poll.is_finished(), "a fetch at the end must wait for data");
    producer
        .send_to("live", 0, Record::new("second"))
        .await
        .unwrap()
        .await
        .unwrap();
    let (response, waited) = poll.await.unwrap();
    assert!(!response.records.is_empty());
    assert!(
        waited < Duration::from_secs(20),
        "woken by the append, not the deadline"
    );
    let next = stream.next().await.unwrap().unwrap();
    let records = mq::batch::decode_batches(next.records, &topic, 0, 1).unwrap();
    assert_eq!(records[0].value.as_deref(), Some(&b"second"[..]));
    assert_eq!(next.high_watermark, 2);

    // A subscription from an offset past the end fails the call itself.
    let err = client
        .broker()
        .subscribe(SubscribeRequest {
            topic: "live".into(),
            partition: 0,
            offset: 99,
            max_bytes: 0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::OutOfRange);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_offsets_resolves_earliest_latest_and_time() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("times", 1, &[("index.interval.bytes", "64")])
        .await
        .unwrap();
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for i in 0..50 {
        producer
            .send_to(
                "times",
                0,
                Record::new(format!("{i}")).with_timestamp(1_000_000 + i * 1000),
            )
            .await
            .unwrap();
        producer.flush().await.unwrap();
    }
    assert_eq!(list_offset(&client, "times", Spec::Earliest(true)).await, 0);
    assert_eq!(list_offset(&client, "times", Spec::Latest(true)).await, 50);
    assert_eq!(list_offset(&client, "times", Spec::TimestampMs(0)).await, 0);
    assert_eq!(
        list_offset(&client, "times", Spec::TimestampMs(1_020_000)).await,
        20
    );
    assert_eq!(
        list_offset(&client, "times", Spec::TimestampMs(1_020_001)).await,
        21
    );
    assert_eq!(
        list_offset(&client, "times", Spec::TimestampMs(9_000_000)).await,
        50
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_grow_alter_and_delete_and_metadata_follows() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    admin
        .create_topic("grow", 2, &[("retention.ms", "1000000")])
        .await
        .unwrap();
    // A producer that learned the topic had 2 partitions...
    let early = Producer::new(client.clone(), ProducerConfig::default());
    early
        .send_to("grow", 1, Record::new("before"))
        .await
        .unwrap()
        .await
        .unwrap();
    let d = admin.add_partitions("grow", 5).await.unwrap();
    // ...looks again when asked for a partition it did not know of.
    let placed = early
        .send_to("grow", 3, Record::new("after growth"))
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!((placed.partition, placed.offset), (3, 0));
    assert_eq!(d.partitions.len(), 5);
    let d = admin
        .alter_topic_config("grow", &[("segment.bytes", "65536")], &["retention.ms"])
        .await
        .unwrap();
    assert_eq!(d.configs["segment.bytes"], "65536");
    assert_eq!(d.configs["retention.ms"], "604800000");
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    producer
        .send_to("grow", 4, Record::new("in a new partition"))
        .await
        .unwrap()
        .await
        .unwrap();

    let metadata = client
        .broker()
        .metadata(MetadataRequest { topics: vec![] })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(metadata.topics.len(), 1);
    assert_eq!(metadata.topics[0].partitions.len(), 5);
    assert_eq!(
        metadata.brokers[0].address,
        mqd.url().trim_start_matches("http://")
    );
    let unknown = client
        .broker()
        .metadata(MetadataRequest {
            topics: vec!["nope".into()],
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);

    // Survives a restart: partitions, configs and data.
    drop(producer);
    assert_eq!(mqd.terminate(Duration::from_secs(20)).await.code(), Some(0));
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    let d = admin.describe_topic("grow").await.unwrap();
    assert_eq!(d.partitions.len(), 5);
    assert_eq!(d.configs["segment.bytes"], "65536");
    assert_eq!(d.partitions[4].log_end_offset, 1);

    // Delete and recreate: the new topic starts empty.
    admin.delete_topic("grow").await.unwrap();
    assert!(!dir.partition("grow", 4).exists());
    admin.create_topic("grow", 5, &[]).await.unwrap();
    let (_, records) = read_partition(&client, "grow", 4, 0).await;
    assert!(records.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_serving() {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let channel = tonic::transport::Endpoint::from_shared(mqd.url())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    for service in ["", "mq.v1.Broker", "mq.v1.Admin"] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(status, 1, "{service:?} should be SERVING");
    }
}
