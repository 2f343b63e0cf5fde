//! Admin Stats and Watch against a real mqd: rates are the counts the test
//! made over the window the broker names, lag is what the test left
//! unconsumed, and a consumer that stops committing is STALLED, then
//! STOPPED when it leaves, then OK once caught up.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use futures::StreamExt;
use mq::proto::{GroupStats, LagStatus, StatsRequest, StatsSnapshot, WatchRequest};
use mq::{Admin, Client, GroupConfig, GroupConsumer, Producer, ProducerConfig, Record};
use mq_tests::{commit_when_assigned, wait_for, DataDir, Mqd};
use tonic::Code;

async fn stats(client: &Client) -> StatsSnapshot {
    client
        .admin_raw()
        .stats(StatsRequest::default())
        .await
        .unwrap()
        .into_inner()
}

async fn group(client: &Client, name: &str) -> Option<GroupStats> {
    stats(client)
        .await
        .groups
        .into_iter()
        .find(|g| g.group == name)
}

async fn commit(client: &Client, member: &GroupConsumer, offset: i64) {
    commit_when_assigned(client, "g", &member.member_id(), "t", 0, offset).await;
}

#[tokio::test]
async fn rates_are_the_counts_over_the_window_and_lag_is_evaluated() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client).create_topic("t", 1, &[]).await.unwrap();
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for i in 0..500 {
        producer
            .send("t", Record::new(format!("r{i}")))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();

    // Rates: the broker's count over its window is exactly what was sent,
    // and the rate is that count over the window it names.
    let snapshot = wait_for(
        Duration::from_secs(20),
        "the burst in a stats window",
        async || {
            let s = stats(&client).await;
            let p = s.partitions.iter().find(|p| p.topic == "t")?.clone();
            (p.rates.as_ref()?.records_in == 500).then_some((s, p))
        },
    )
    .await;
    let (s, p) = snapshot;
    let rates = p.rates.unwrap();
    let window = s.window_ms as f64 / 1000.0;
    assert!(window > 0.0);
    // window_ms is rounded to the millisecond.
    let expected = 500.0 / window;
    assert!(
        (rates.records_in_per_sec - expected).abs() / expected < 0.01,
        "{rates:?} over {window}s"
    );
    assert_eq!(
        s.broker
            .as_ref()
            .unwrap()
            .rates
            .as_ref()
            .unwrap()
            .records_in,
        500
    );
    assert_eq!(p.high_watermark, 500);

    // A member that commits 200 and then nothing more: lag 300, STALLED.
    let mut config = GroupConfig::new("g", ["t"]);
    config.auto_commit = false;
    let member = GroupConsumer::join(client.clone(), config).await.unwrap();
    commit(&client, &member, 200).await;
    let g = wait_for(Duration::from_secs(30), "STALLED", async || {
        let g = group(&client, "g").await?;
        (g.status == LagStatus::Stalled as i32).then_some(g)
    })
    .await;
    assert_eq!(g.total_lag, 300);
    assert_eq!(g.members, 1);
    assert_eq!(g.state, mq::proto::GroupState::Stable as i32);
    assert!(
        g.reason.contains("t/0") && g.reason.contains("no commit"),
        "{}",
        g.reason
    );
    let p = &g.partitions[0];
    assert_eq!((p.committed_offset, p.lag), (200, 300));
    assert!(p.lag_seconds >= 0.0);
    assert_eq!(p.time_to_drain_seconds, -1.0, "not draining");

    // It leaves: STOPPED.
    member.close().await.unwrap();
    wait_for(Duration::from_secs(30), "STOPPED", async || {
        let g = group(&client, "g").await?;
        (g.status == LagStatus::Stopped as i32).then_some(())
    })
    .await;

    // A new member catches up: OK.
    let mut config = GroupConfig::new("g", ["t"]);
    config.auto_commit = false;
    let member = GroupConsumer::join(client.clone(), config).await.unwrap();
    commit(&client, &member, 500).await;
    let g = wait_for(Duration::from_secs(30), "OK", async || {
        let g = group(&client, "g").await?;
        (g.status == LagStatus::Ok as i32).then_some(g)
    })
    .await;
    assert_eq!(g.total_lag, 0);
    assert_eq!(g.partitions[0].lag_seconds, 0.0);
    member.close().await.unwrap();
}

#[tokio::test]
async fn watch_streams_snapshots_at_the_interval_asked() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let mut stream = client
        .admin_raw()
        .watch(WatchRequest {
            request: None,
            interval_ms: 200,
        })
        .await
        .unwrap()
        .into_inner();
    let mut last = 0;
    for _ in 0..3 {
        let s = stream.next().await.unwrap().unwrap();
        assert!(s.timestamp_ms >= last);
        last = s.timestamp_ms;
        assert!(s.broker.is_some());
    }
    let err = client
        .admin_raw()
        .watch(WatchRequest {
            request: None,
            interval_ms: 50,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

/// What mqtop draws besides rates and lag: the cluster (one node alone is
/// its own controller and only replica), each topic's retention, and queue
/// groups with their backlog and leases.
#[tokio::test]
async fn the_snapshot_describes_the_cluster_topics_and_queue_groups() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    admin
        .create_topic("jobs", 2, &[("retention.ms", "3600000")])
        .await
        .unwrap();
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for i in 0..40u32 {
        producer
            .send_to("jobs", i % 2, Record::new(format!("j{i}")))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
    let mut config = mq::ReceiverConfig::new("workers", "jobs");
    config.max_records = 10;
    let receiver = mq::Receiver::new(client.clone(), config).unwrap();
    let leased = wait_for(Duration::from_secs(20), "a lease", async || {
        let got = receiver.receive(Duration::from_millis(500)).await.unwrap();
        (!got.is_empty()).then_some(got)
    })
    .await;
    receiver.ack(&leased[..1]).await.unwrap();

    let s = stats(&client).await;
    let cluster = s.cluster.as_ref().unwrap();
    assert_eq!(cluster.controller_id, 1);
    assert_eq!(cluster.brokers.len(), 1);
    let me = &cluster.brokers[0];
    assert!(me.alive);
    assert_eq!(me.address, mqd.url().trim_start_matches("http://"));
    assert_eq!(me.partitions_led as usize, s.partitions.len());
    assert_eq!(me.version, env!("CARGO_PKG_VERSION"));
    for p in s.partitions.iter().filter(|p| p.topic == "jobs") {
        assert_eq!((p.leader, &p.replicas, &p.isr), (1, &vec![1], &vec![1]));
        assert!(!p.offline);
    }
    let topic = s.topics.iter().find(|t| t.name == "jobs").unwrap();
    assert_eq!(
        (topic.partitions, topic.retention_ms, topic.retention_bytes),
        (2, 3_600_000, -1)
    );
    assert!(!topic.internal);
    let q = s.queues.iter().find(|q| q.group == "workers").unwrap();
    assert_eq!(q.topics, vec!["jobs".to_string()]);
    assert_eq!(q.in_flight as usize, leased.len() - 1);
    assert_eq!(q.backlog, 39, "40 records, one acked");
    assert_eq!(q.dead_lettered, 0);
    assert!(q.live_receivers >= 1);
    assert!(q.oldest_unacked_seconds >= 0.0);
    // A narrowed request names only the groups asked for.
    let narrowed = client
        .admin_raw()
        .stats(StatsRequest {
            groups: vec!["someone-else".into()],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(narrowed.queues.is_empty());
}

/// Working out lag in time reads the oldest unconsumed record's batch;
/// that read is the broker looking, not a consumer, so it must not show
/// up as records out.
#[tokio::test]
async fn lag_probes_are_not_counted_as_records_out() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client).create_topic("t", 1, &[]).await.unwrap();
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for i in 0..50 {
        producer
            .send("t", Record::new(format!("r{i}")))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
    let mut config = GroupConfig::new("g", ["t"]);
    config.auto_commit = false;
    let member = GroupConsumer::join(client.clone(), config).await.unwrap();
    commit(&client, &member, 10).await;
    // Ask for stats (each one measures the lag in time) until the broker's
    // rate window spans three seconds of such requests.
    let p = wait_for(
        Duration::from_secs(30),
        "a 3 s window of stats",
        async || {
            let s = stats(&client).await;
            let g = s.groups.iter().find(|g| g.group == "g")?;
            assert!(g.max_lag_seconds >= 0.0 && g.total_lag == 40);
            let p = s.partitions.iter().find(|p| p.topic == "t")?.clone();
            (s.window_ms >= 3_000).then_some(p)
        },
    )
    .await;
    assert_eq!(p.rates.unwrap().records_out, 0, "nobody consumed");
}
