//! Crashes and damage: nothing acknowledged is lost, nothing torn is served.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mq::{Admin, Producer, ProducerConfig, Record};
use mq_tests::{read_partition, wait_for, DataDir, Mqd};
use tokio::sync::Mutex;

fn active_segment(dir: &DataDir, topic: &str, partition: u32) -> std::path::PathBuf {
    let mut logs: Vec<_> = std::fs::read_dir(dir.partition(topic, partition))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    logs.pop().unwrap()
}

/// kill -9 in the middle of a produce stream with fsync=always: every
/// acknowledged record is there after restart, offsets are dense, and a
/// torn write at the tail is never served.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_mid_stream_loses_no_acknowledged_record() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start_with(&dir, &["--fsync", "always"]);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("orders", 2, &[])
        .await
        .unwrap();

    let acked: Arc<Mutex<Vec<(u32, i64, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for t in 0..4 {
        let (client, acked, stop) = (client.clone(), acked.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let producer = Producer::new(
                client,
                ProducerConfig {
                    linger: Duration::from_millis(1),
                    batch_bytes: 2048,
                    retries: 0,
                    ..ProducerConfig::default()
                },
            );
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let value = format!("t{t}-{i}");
                let Ok(delivery) = producer
                    .send_to("orders", t % 2, Record::new(value.clone()))
                    .await
                else {
                    break;
                };
                i += 1;
                let acked = acked.clone();
                tokio::spawn(async move {
                    if let Ok(meta) = delivery.await {
                        acked
                            .lock()
                            .await
                            .push((meta.partition, meta.offset, value));
                    }
                });
                if i % 50 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    wait_for(
        Duration::from_secs(30),
        "2000 acknowledged records",
        async || (acked.lock().await.len() >= 2000).then_some(()),
    )
    .await;
    mqd.kill9();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    // Let in-flight delivery tasks settle: the broker is gone, they fail.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let acked = acked.lock().await.clone();

    // A torn write: half a batch header's worth of garbage after the tail.
    let torn = active_segment(&dir, "orders", 0);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&torn)
        .unwrap()
        .write_all(&[0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 1, 0, 7, 7])
        .unwrap();

    let mqd = Mqd::start(&dir);
    assert!(
        mqd.log()
            .contains("truncated a damaged or torn segment tail"),
        "{}",
        mqd.log()
    );
    let client = mqd.client().await;
    let mut stored = std::collections::HashMap::new();
    for p in 0..2 {
        let (_, records) = read_partition(&client, "orders", p, 0).await;
        for (i, r) in records.iter().enumerate() {
            assert_eq!(r.offset, i as i64, "offsets must be dense");
            stored.insert(
                (p, r.offset),
                String::from_utf8(r.value.clone().unwrap().to_vec()).unwrap(),
            );
        }
    }
    for (p, offset, value) in &acked {
        assert_eq!(
            stored.get(&(*p, *offset)),
            Some(value),
            "acknowledged record {p}/{offset} lost"
        );
    }
    // The log continues right after the last good batch.
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    let meta = producer
        .send_to("orders", 0, Record::new("after"))
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        meta.offset,
        stored.keys().filter(|(p, _)| *p == 0).count() as i64
    );
}

/// A segment damaged on disk: bytes flipped in the last batch, or the file
/// truncated mid-batch. mqd starts, truncates to the last good batch and
/// logs what it dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_segment_is_truncated_to_the_last_good_batch() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client).create_topic("d", 2, &[]).await.unwrap();
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for p in 0..2 {
        for i in 0..10 {
            producer
                .send_to("d", p, Record::new(format!("r{i}")))
                .await
                .unwrap();
            producer.flush().await.unwrap();
        }
    }
    drop(client);
    assert_eq!(mqd.terminate(Duration::from_secs(20)).await.code(), Some(0));

    // Partition 0: flip a byte inside the last batch's records.
    let path = active_segment(&dir, "d", 0);
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0x5a;
    std::fs::write(&path, &bytes).unwrap();
    // Partition 1: cut the file in the middle of the last batch.
    let path = active_segment(&dir, "d", 1);
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 10)
        .unwrap();

    let mqd = Mqd::start(&dir);
    let log = mqd.log();
    assert_eq!(
        log.matches("truncated a damaged or torn segment tail")
            .count(),
        2,
        "{log}"
    );
    assert!(log.contains("CRC mismatch"), "{log}");
    assert!(log.contains("torn write"), "{log}");
    let client = mqd.client().await;
    for p in 0..2 {
        let (_, records) = read_partition(&client, "d", p, 0).await;
        let values: Vec<String> = records
            .iter()
            .map(|r| String::from_utf8(r.value.clone().unwrap().to_vec()).unwrap())
            .collect();
        assert_eq!(
            values,
            (0..9).map(|i| format!("r{i}")).collect::<Vec<_>>(),
            "partition {p}"
        );
    }
}
