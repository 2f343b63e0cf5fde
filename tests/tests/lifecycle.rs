//! Signals: SIGTERM drains and exits 0 with nothing acknowledged lost; a
//! second signal exits at once.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use mq::{Admin, Producer, ProducerConfig, Record};
use mq_tests::{read_partition, wait_for, DataDir, Mqd};
use tokio::sync::Mutex;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_exits_0_and_keeps_every_acknowledged_record() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("busy", 1, &[])
        .await
        .unwrap();
    let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let producer = Producer::new(
        client.clone(),
        ProducerConfig {
            retries: 0,
            linger: Duration::from_millis(1),
            ..ProducerConfig::default()
        },
    );
    let writer = {
        let acked = acked.clone();
        tokio::spawn(async move {
            for i in 0.. {
                let value = format!("v{i}");
                let Ok(delivery) = producer
                    .send_to("busy", 0, Record::new(value.clone()))
                    .await
                else {
                    return;
                };
                let acked = acked.clone();
                tokio::spawn(async move {
                    if let Ok(m) = delivery.await {
                        acked.lock().await.push((m.offset, value));
                    }
                });
                if i % 100 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        })
    };
    wait_for(Duration::from_secs(20), "records flowing", async || {
        (acked.lock().await.len() > 500).then_some(())
    })
    .await;
    let status = mqd.terminate(Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(0), "{}", mqd.log());
    assert!(mqd.log().contains("mqd stopped cleanly"));
    writer.abort();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let acked = acked.lock().await.clone();

    let mqd = Mqd::start(&dir);
    assert!(mqd.log().contains("clean=true"), "{}", mqd.log());
    let (_, records) = read_partition(&mqd.client().await, "busy", 0, 0).await;
    for (offset, value) in acked {
        assert_eq!(
            records[offset as usize].value.as_deref(),
            Some(value.as_bytes())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_exits_at_once() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start_with_config(&dir, "[limits]\nshutdown_timeout_ms = 60000\n", &[]);
    // A connection that never speaks keeps the graceful drain waiting (up to
    // the 60 s shutdown timeout), so only the second signal can end it now.
    let open_fds = || std::fs::read_dir(format!("/proc/{}/fd", mqd.pid())).map_or(0, |d| d.count());
    let before = open_fds();
    let _silent = std::net::TcpStream::connect(mqd.url().trim_start_matches("http://")).unwrap();
    // Only a connection mqd has accepted holds the drain; one still in the
    // listen backlog when the signal comes is never served.
    wait_for(
        Duration::from_secs(10),
        "mqd to accept the connection",
        async || (open_fds() > before).then_some(()),
    )
    .await;
    mqd.signal("INT");
    wait_for(Duration::from_secs(10), "the drain to start", async || {
        mqd.log().contains("draining requests").then_some(())
    })
    .await;
    mqd.signal("INT");
    let exit = mqd.terminate_wait(Duration::from_secs(10)).await;
    assert_eq!(exit.code(), Some(130), "{}", mqd.log());
    assert!(mqd.log().contains("second signal"));
}
