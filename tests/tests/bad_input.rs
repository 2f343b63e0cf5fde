//! Bad input gets a clear error with the right gRPC code and reason, never
//! crashes mqd, and never alters stored data.
#![allow(clippy::unwrap_used)]

use mq::proto::{FetchRequest, ProduceRequest};
use mq::reason;
use mq::{Admin, Error, Producer, ProducerConfig, Record};
use mq_tests::{read_partition, DataDir, Mqd};
use tonic::Code;

fn expect(err: Error, code: Code, why: &str, words: &str) {
    assert_eq!(err.code(), Some(code), "{err}");
    assert_eq!(err.reason(), Some(why), "{err}");
    assert!(
        err.to_string().contains(words),
        "{err:?} should mention {words:?}"
    );
}

fn batch(values: &[&str]) -> bytes::Bytes {
    let records: Vec<Record> = values.iter().map(|v| Record::new(v.to_string())).collect();
    mq::batch::encode_batch(
        &records,
        mq::batch::Compression::None,
        mq::batch::ProducerStamp::NONE,
    )
    .unwrap()
}

async fn produce_raw(
    client: &mq::Client,
    topic: &str,
    partition: u32,
    records: bytes::Bytes,
) -> Result<i64, Error> {
    let request = ProduceRequest {
        topic: topic.into(),
        partition,
        acks: 0,
        records,
        timeout_ms: 0,
    };
    Ok(client
        .broker()
        .produce(request)
        .await?
        .into_inner()
        .base_offset)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_input_is_validated() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let admin = Admin::new(&client);

    for name in [
        "",
        ".",
        "..",
        "has space",
        "slash/y",
        "ünï",
        &"x".repeat(250),
    ] {
        let err = admin.create_topic(name, 1, &[]).await.unwrap_err();
        expect(
            err,
            Code::InvalidArgument,
            reason::INVALID_TOPIC_NAME,
            "invalid topic name",
        );
    }
    admin.create_topic(&"x".repeat(249), 1, &[]).await.unwrap();
    for n in [0, 1_000_000] {
        let err = admin.create_topic("parts", n, &[]).await.unwrap_err();
        expect(
            err,
            Code::InvalidArgument,
            reason::INVALID_PARTITIONS,
            "from 1 to 10000",
        );
    }
    let err = admin
        .create_topic("conf", 1, &[("retention.ms", "a week")])
        .await
        .unwrap_err();
    expect(
        err,
        Code::InvalidArgument,
        reason::INVALID_CONFIG,
        "retention.ms",
    );
    let err = admin
        .create_topic("conf", 1, &[("retention.mss", "1")])
        .await
        .unwrap_err();
    expect(
        err,
        Code::InvalidArgument,
        reason::INVALID_CONFIG,
        "unknown topic config",
    );

    admin.create_topic("orders", 2, &[]).await.unwrap();
    let err = admin.create_topic("orders", 2, &[]).await.unwrap_err();
    expect(
        err,
        Code::AlreadyExists,
        reason::TOPIC_EXISTS,
        "already exists",
    );
    let err = admin.describe_topic("ordres").await.unwrap_err();
    expect(
        err,
        Code::NotFound,
        reason::TOPIC_NOT_FOUND,
        "did you mean \"orders\"",
    );
    let err = admin.add_partitions("orders", 2).await.unwrap_err();
    expect(
        err,
        Code::InvalidArgument,
        reason::INVALID_PARTITIONS,
        "must be larger",
    );
    let err = admin
        .alter_topic_config("orders", &[("segment.bytes", "12")], &[])
        .await
        .unwrap_err();
    expect(
        err,
        Code::InvalidArgument,
        reason::INVALID_CONFIG,
        "segment.bytes",
    );
    // Nothing half-applied: the config is unchanged.
    let d = admin.describe_topic("orders").await.unwrap();
    assert_eq!(d.configs["segment.bytes"], "1073741824");
    let err = admin.delete_topic("nope").await.unwrap_err();
    expect(
        err,
        Code::NotFound,
        reason::TOPIC_NOT_FOUND,
        "does not exist",
    );
    // The broker is still up and serving.
    assert_eq!(admin.list_topics("").await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_plane_input_is_validated_and_leaves_the_log_alone() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("t", 2, &[("max.message.bytes", "1024")])
        .await
        .unwrap();
    assert_eq!(
        produce_raw(&client, "t", 0, batch(&["a", "b"]))
            .await
            .unwrap(),
        0
    );

    let err = produce_raw(&client, "missing", 0, batch(&["a"]))
        .await
        .unwrap_err();
    expect(
        err,
        Code::NotFound,
        reason::TOPIC_NOT_FOUND,
        "does not exist",
    );
    let err = produce_raw(&client, "t", 7, batch(&["a"]))
        .await
        .unwrap_err();
    expect(
        err,
        Code::NotFound,
        reason::PARTITION_NOT_FOUND,
        "partitions are 0..1",
    );

    let mut bad_crc = batch(&["c"]).to_vec();
    let n = bad_crc.len();
    bad_crc[n - 1] ^= 1;
    let err = produce_raw(&client, "t", 0, bad_crc.into())
        .await
        .unwrap_err();
    expect(
        err,
        Code::InvalidArgument,
        reason::CORRUPT_BATCH,
        "CRC mismatch",
    );

    let mut lying = batch(&["d"]).to_vec();
    lying[8..12].copy_from_slice(&100_000i32.to_be_bytes());
    let err = produce_raw(&client, "t", 0, lying.into())
        .await
        .unwrap_err();
    expect(
        err,
        Code::InvalidArgument,
        reason::CORRUPT_BATCH,
        "truncated",
    );

    // A good batch followed by a bad one: the request is refused whole.
    let mut mixed = batch(&["e"]).to_vec();
    mixed.extend_from_slice(&[1, 2, 3]);
    let err = produce_raw(&client, "t", 0, mixed.into())
        .await
        .unwrap_err();
    expect(err, Code::InvalidArgument, reason::CORRUPT_BATCH, "byte");

    let err = produce_raw(&client, "t", 0, bytes::Bytes::new())
        .await
        .unwrap_err();
    expect(
        err,
        Code::InvalidArgument,
        reason::CORRUPT_BATCH,
        "no record batch",
    );

    let big = "x".repeat(2000);
    let err = produce_raw(&client, "t", 0, batch(&[&big]))
        .await
        .unwrap_err();
    expect(
        err,
        Code::InvalidArgument,
        reason::RECORD_TOO_LARGE,
        "max.message.bytes = 1024",
    );

    // The producer surfaces the same error without retrying it.
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    let err = producer
        .send_to("t", 1, Record::new(big))
        .await
        .unwrap()
        .await
        .unwrap_err();
    expect(
        err,
        Code::InvalidArgument,
        reason::RECORD_TOO_LARGE,
        "max.message.bytes",
    );
    // A partition the topic does not have is refused before anything is sent.
    let Err(err) = producer.send_to("t", 9, Record::new("x")).await else {
        panic!("partition 9 of a 2-partition topic was accepted");
    };
    expect(err, Code::NotFound, reason::PARTITION_NOT_FOUND, "0..2");

    for offset in [-1, 3, 1000] {
        let request = FetchRequest {
            topic: "t".into(),
            partition: 0,
            offset,
            max_bytes: 0,
            max_wait_ms: 0,
            ..Default::default()
        };
        let err = Error::from(client.broker().fetch(request).await.unwrap_err());
        expect(
            err.clone(),
            Code::OutOfRange,
            reason::OFFSET_OUT_OF_RANGE,
            "[0, 2]",
        );
        assert_eq!(err.metadata("log_start_offset"), Some("0"));
        assert_eq!(err.metadata("high_watermark"), Some("2"));
    }

    // After all that, partition 0 holds exactly the two good records.
    let (_, records) = read_partition(&client, "t", 0, 0).await;
    let values: Vec<_> = records.iter().map(|r| r.value.clone().unwrap()).collect();
    assert_eq!(values, vec!["a", "b"]);
    assert_eq!(
        produce_raw(&client, "t", 0, batch(&["f"])).await.unwrap(),
        2
    );
}

#[tokio::test]
async fn a_locked_or_unwritable_data_dir_refuses_to_start() {
    let dir = DataDir::new();
    let first = Mqd::start(&dir);
    let (status, log) = Mqd::run_to_exit(&dir, &[], None);
    assert!(!status.success());
    assert!(
        log.contains(&format!("in use by another mqd (pid {})", first.pid())),
        "{log}"
    );
    drop(first);

    let blocked = DataDir::new();
    std::fs::write(blocked.data(), b"a file where the data directory should be").unwrap();
    let (status, log) = Mqd::run_to_exit(&blocked, &[], None);
    assert!(!status.success());
    assert!(log.contains("cannot use data directory"), "{log}");
}

#[tokio::test]
async fn bad_config_is_refused_at_start_with_file_key_and_allowed_values() {
    let dir = DataDir::new();
    let (status, log) = Mqd::run_to_exit(&dir, &[], Some("[storage]\nfsync = \"sometimes\"\n"));
    assert_eq!(status.code(), Some(2));
    assert!(
        log.contains("storage.fsync") && log.contains("interval:<ms>") && log.contains(".toml"),
        "{log}"
    );

    let (status, log) =
        Mqd::run_to_exit(&dir, &[], Some("listen = \"127.0.0.1:0\"\nretention = 5\n"));
    assert_eq!(status.code(), Some(2));
    assert!(
        log.contains("unknown field `retention`") && log.contains("line 2"),
        "{log}"
    );

    // A peer list without this node is a typo that would start a node no
    // one counts.
    let (status, log) = Mqd::run_to_exit(
        &dir,
        &["--node-id", "3", "--peers", "1=127.0.0.1:1,2=127.0.0.1:2"],
        None,
    );
    assert_eq!(status.code(), Some(2));
    assert!(log.contains("includes this node (node_id 3)"), "{log}");

    let (status, log) = Mqd::run_to_exit(
        &dir,
        &[],
        Some("[cluster]\nheartbeat_interval_ms = 1000\nsession_timeout_ms = 2000\n"),
    );
    assert_eq!(status.code(), Some(2));
    assert!(
        log.contains("cluster.session_timeout_ms") && log.contains("three heartbeat intervals"),
        "{log}"
    );
}
