//! Idempotent producers: a resent batch is stored once and answered with
//! its original offsets, across restarts and crashes; gaps and old epochs
//! are refused; the client library rides through lost answers without
//! duplicating or reordering anything.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use bytes::Bytes;
use mq::batch::{encode_batch, Compression, ProducerStamp};
use mq::proto::{InitProducerRequest, ProduceRequest};
use mq::{reason, Admin, Error, Producer, ProducerConfig, Record};
use mq_tests::proxy::CuttingProxy;
use mq_tests::{read_partition, DataDir, Mqd};
use tonic::Code;

fn stamped(values: &[&str], producer_id: i64, epoch: i16, first_seq: i32) -> Bytes {
    let records: Vec<Record> = values.iter().map(|v| Record::new(v.to_string())).collect();
    let stamp = ProducerStamp {
        producer_id,
        producer_epoch: epoch,
        base_sequence: first_seq,
    };
    encode_batch(&records, Compression::None, stamp).unwrap()
}

async fn produce(client: &mq::Client, records: Bytes) -> Result<(i64, i64), Error> {
    let response = client
        .broker()
        .produce(ProduceRequest {
            topic: "idem".into(),
            partition: 0,
            acks: 0,
            records,
            timeout_ms: 0,
        })
        .await
        .map_err(Error::from)?
        .into_inner();
    Ok((response.base_offset, response.last_offset))
}

async fn values(client: &mq::Client) -> Vec<String> {
    let (_, records) = read_partition(client, "idem", 0, 0).await;
    records
        .iter()
        .map(|r| String::from_utf8(r.value.as_ref().unwrap().to_vec()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resends_are_stored_once_even_after_a_restart_or_a_crash() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("idem", 1, &[])
        .await
        .unwrap();
    let id = client
        .broker()
        .init_producer(InitProducerRequest {})
        .await
        .unwrap()
        .into_inner();
    let other = client
        .broker()
        .init_producer(InitProducerRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_ne!(
        id.producer_id, other.producer_id,
        "every producer gets its own id"
    );
    let pid = id.producer_id;

    let first = stamped(&["a", "b"], pid, 0, 0);
    let second = stamped(&["c"], pid, 0, 2);
    assert_eq!(produce(&client, first.clone()).await.unwrap(), (0, 1));
    assert_eq!(produce(&client, second.clone()).await.unwrap(), (2, 2));
    // Resends (answers lost): the original offsets, nothing written.
    assert_eq!(produce(&client, second.clone()).await.unwrap(), (2, 2));
    assert_eq!(produce(&client, first.clone()).await.unwrap(), (0, 1));
    assert_eq!(values(&client).await, ["a", "b", "c"]);

    // A gap is refused and says what was expected.
    let err = produce(&client, stamped(&["x"], pid, 0, 7))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(Code::FailedPrecondition), "{err}");
    assert_eq!(err.reason(), Some(reason::OUT_OF_ORDER_SEQUENCE));
    assert_eq!(err.metadata("expected_sequence"), Some("3"));

    // The producer state survives a clean restart...
    mqd.terminate(Duration::from_secs(20)).await;
    let mut mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    assert_eq!(produce(&client, second.clone()).await.unwrap(), (2, 2));
    assert_eq!(
        produce(&client, stamped(&["d"], pid, 0, 3)).await.unwrap(),
        (3, 3)
    );

    // ...and a crash, rebuilt from the log.
    mqd.kill9();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    assert_eq!(
        produce(&client, stamped(&["d"], pid, 0, 3)).await.unwrap(),
        (3, 3)
    );
    assert_eq!(values(&client).await, ["a", "b", "c", "d"]);

    // A newer epoch (seq from 0) fences the old one.
    assert_eq!(
        produce(&client, stamped(&["e"], pid, 1, 0)).await.unwrap(),
        (4, 4)
    );
    let err = produce(&client, stamped(&["f"], pid, 0, 4))
        .await
        .unwrap_err();
    assert_eq!(err.reason(), Some(reason::PRODUCER_FENCED), "{err}");
    assert_eq!(err.metadata("current_epoch"), Some("1"));
    assert_eq!(values(&client).await, ["a", "b", "c", "d", "e"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_producer_rides_through_lost_answers_without_duplicates() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let direct = mqd.client().await;
    Admin::new(&direct)
        .create_topic("idem", 1, &[])
        .await
        .unwrap();

    let proxy = CuttingProxy::start(&mqd.url(), 12, 1500).await;
    let client = mq::Client::connect(&proxy.url()).await.unwrap();
    let producer = Producer::new(
        client,
        ProducerConfig {
            batch_bytes: 2048,
            linger: Duration::from_millis(1),
            retries: 1000,
            retry_backoff: Duration::from_millis(5),
            ..ProducerConfig::default()
        },
    );
    const COUNT: usize = 20_000;
    let mut deliveries = Vec::with_capacity(COUNT);
    for i in 0..COUNT {
        let value = format!("{i:08}-{}", "x".repeat(40));
        deliveries.push(
            producer
                .send_to("idem", 0, Record::new(value))
                .await
                .unwrap(),
        );
    }
    producer.flush().await.unwrap();
    for (i, d) in deliveries.into_iter().enumerate() {
        assert_eq!(
            d.await.unwrap().offset,
            i as i64,
            "record {i} got its own offset"
        );
    }
    assert!(
        proxy.cuts() >= 5,
        "only {} connections were cut",
        proxy.cuts()
    );

    let stored = values(&direct).await;
    assert_eq!(stored.len(), COUNT, "each record stored exactly once");
    for (i, v) in stored.iter().enumerate() {
        assert!(v.starts_with(&format!("{i:08}-")), "record {i} is {v}");
    }
}
