//! Partition replication across real mqd processes: placement, acks=all
//! with min.insync.replicas, leader failover after kill -9 and SIGSTOP,
//! truncation of what was never committed, and a client that rides
//! through it all. Every test ends by reading the partition back and
//! checking that each acknowledged record is there, at its offset, once.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mq::proto::{Acks, CreateTopicRequest, ProduceRequest};
use mq::{Consumer, ConsumerConfig, Producer, ProducerConfig, Record, StartOffset};
use mq_tests::cluster::Cluster;
use mq_tests::wait_for;
use std::sync::Mutex;

/// Deadline of every wait. Generous: the seven tests here run at once, 21
/// debug-build brokers on a two-core machine, and once (CI, 2026-11-23) a
/// follower took longer than 30 s to rejoin the ISR under that load.
const SETTLE: Duration = Duration::from_secs(60);

async fn create(client: &mq::Client, name: &str, partitions: u32, rf: u32, min_insync: u32) {
    client
        .admin_raw()
        .create_topic(CreateTopicRequest {
            name: name.into(),
            partitions,
            replication_factor: rf,
            configs: [("min.insync.replicas".to_string(), min_insync.to_string())].into(),
        })
        .await
        .unwrap();
}

fn acks_all() -> ProducerConfig {
    ProducerConfig {
        acks: mq::Acks::All,
        linger: Duration::from_millis(1),
        ..Default::default()
    }
}

/// Acknowledged records: value → offset.
type Acked = Arc<Mutex<BTreeMap<u64, i64>>>;

/// Produces numbered records to `topic`/0 one after another (acks=all)
/// until `stop`, noting each acknowledged one; returns the errors the
/// application saw.
fn produce_continuously(
    client: mq::Client,
    topic: &'static str,
    acked: Acked,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Vec<String>> {
    tokio::spawn(async move {
        let producer = Producer::new(client, acks_all());
        let mut errors = Vec::new();
        let mut i = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let record = Record::new(i.to_string().into_bytes());
            let sent = match producer.send_to(topic, 0, record).await {
                Ok(delivery) => delivery.await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(meta) => {
                    acked.lock().unwrap().insert(i, meta.offset);
                }
                Err(e) => errors.push(e.to_string()),
            }
            i += 1;
        }
        errors
    })
}

/// Waits until `more` records beyond `from` are acknowledged.
async fn acked_past(acked: &Acked, from: usize, more: usize, what: &str) -> usize {
    wait_for(SETTLE, what, async || {
        let n = acked.lock().unwrap().len();
        (n >= from + more).then_some(n)
    })
    .await
}

/// Reads `topic`/`partition` from the start up to its high watermark.
async fn read_all(bootstrap: &str, topic: &str, partition: u32, end: i64) -> Vec<(i64, String)> {
    let client = mq::Client::connect(bootstrap).await.unwrap();
    let mut consumer = Consumer::new(client, ConsumerConfig::default());
    consumer
        .assign(topic, partition, StartOffset::Earliest)
        .await
        .unwrap();
    let mut out = Vec::new();
    wait_for(SETTLE, "reading every record back", async || {
        for r in consumer.poll(Duration::from_millis(200)).await.unwrap() {
            let value = String::from_utf8(r.value.unwrap().to_vec()).unwrap();
            out.push((r.offset, value));
        }
        (out.last().map_or(0, |(o, _)| o + 1) >= end).then_some(())
    })
    .await;
    out
}

/// Every acknowledged record is at its offset, offsets are dense from 0,
/// and no value is stored twice.
fn check_nothing_acknowledged_is_lost(read: &[(i64, String)], acked: &BTreeMap<u64, i64>) {
    for (i, (offset, _)) in read.iter().enumerate() {
        assert_eq!(*offset, i as i64, "offsets have a gap or repeat at {i}");
    }
    let mut seen = HashSet::new();
    for (offset, value) in read {
        assert!(
            seen.insert(value),
            "value {value} stored twice (again at {offset})"
        );
    }
    for (value, offset) in acked {
        let stored = read.get(*offset as usize).map(|(_, v)| v.as_str());
        assert_eq!(
            stored,
            Some(value.to_string().as_str()),
            "acknowledged record {value} is not at offset {offset}"
        );
    }
}

/// One unlabelled metric of node `id`, as its /metrics shows it.
fn metric(cluster: &Cluster, id: u32, name: &str) -> Option<f64> {
    let (_, text) = cluster.node(id).http_get("/metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))?
        .parse()
        .ok()
}

async fn high_watermark(cluster: &Cluster, topic: &str) -> i64 {
    let leader = cluster.wait_leader(topic, 0, &[], SETTLE).await;
    cluster
        .partition(leader, topic, 0)
        .await
        .unwrap()
        .high_watermark
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_spread_over_the_brokers_and_copied_to_every_replica() {
    let cluster = Cluster::start_with(3, &["--canary-interval-ms", "200"]);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let client = mq::Client::connect(&cluster.url(2)).await.unwrap();

    // More replicas than brokers: refused, naming both numbers.
    let err = client
        .admin_raw()
        .create_topic(CreateTopicRequest {
            name: "too-many".into(),
            partitions: 1,
            replication_factor: 4,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(
        err.message().contains("replication factor 4") && err.message().contains("3 broker"),
        "{err:?}"
    );

    // Three partitions, three replicas: each broker leads one.
    create(&client, "spread", 3, 3, 2).await;
    let described = client
        .admin_raw()
        .describe_topic(mq::proto::DescribeTopicRequest {
            name: "spread".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut leaders: Vec<u32> = described.partitions.iter().map(|p| p.leader).collect();
    leaders.sort_unstable();
    assert_eq!(leaders, vec![1, 2, 3], "{described:?}");
    for p in &described.partitions {
        let mut replicas = p.replicas.clone();
        replicas.sort_unstable();
        assert_eq!(replicas, vec![1, 2, 3], "{p:?}");
    }

    // Records sent through any node reach every replica.
    let bootstrap = mq::Client::connect(&cluster.url(1)).await.unwrap();
    let producer = Producer::new(bootstrap, acks_all());
    for i in 0..300u32 {
        let record =
            Record::new(format!("{i}").into_bytes()).with_key(format!("k{i}").into_bytes());
        producer.send("spread", record).await.unwrap();
    }
    producer.flush().await.unwrap();
    let mut total = 0;
    for partition in 0..3 {
        cluster
            .wait_in_sync(1, "spread", partition, &[1, 2, 3], SETTLE)
            .await;
        let leader = cluster.wait_leader("spread", partition, &[], SETTLE).await;
        let p = cluster
            .partition(leader, "spread", partition)
            .await
            .unwrap();
        assert_eq!(p.high_watermark, p.log_end_offset, "{p:?}");
        total += read_all(&cluster.bootstrap(), "spread", partition, p.high_watermark)
            .await
            .len();
    }
    assert_eq!(total, 300);

    // Every broker's canary probes its own replicated topic.
    for id in 1..=3 {
        wait_for(
            SETTLE,
            &format!("node {id}'s canary to read back"),
            async || (metric(&cluster, id, "mq_canary_received_total")? > 0.0).then_some(()),
        )
        .await;
        let canary = cluster
            .partition(id, &format!("__mq_canary.{id}"), 0)
            .await
            .unwrap();
        assert_eq!(canary.replicas[0], id, "{canary:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_records_survive_rounds_of_leader_kill9_and_restart() {
    let mut cluster = Cluster::start(3);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let client = mq::Client::connect(&cluster.bootstrap()).await.unwrap();
    create(&client, "orders", 1, 3, 2).await;
    cluster
        .wait_in_sync(1, "orders", 0, &[1, 2, 3], SETTLE)
        .await;

    let acked: Acked = Default::default();
    let stop = Arc::new(AtomicBool::new(false));
    let producing = produce_continuously(client.clone(), "orders", acked.clone(), stop.clone());

    let mut count = acked_past(&acked, 0, 100, "first writes").await;
    for round in 0..3 {
        let leader = cluster.wait_leader("orders", 0, &[], SETTLE).await;
        cluster.kill9(leader);
        let next = cluster.wait_leader("orders", 0, &[leader], SETTLE).await;
        assert_ne!(next, leader);
        count = acked_past(
            &acked,
            count,
            100,
            &format!("writes on the new leader (round {round})"),
        )
        .await;
        // The new leader reports the partition under-replicated.
        wait_for(
            SETTLE,
            "an under-replicated partition in /metrics",
            async || {
                (metric(&cluster, next, "mq_partitions_under_replicated") == Some(1.0))
                    .then_some(())
            },
        )
        .await;
        cluster.start_node(leader);
        // The restarted node catches up and rejoins the ISR.
        cluster
            .wait_in_sync(next, "orders", 0, &[1, 2, 3], SETTLE)
            .await;
        wait_for(SETTLE, "the rejoin counted in /metrics", async || {
            let expands = metric(&cluster, next, "mq_isr_expands_total")?;
            let under = metric(&cluster, next, "mq_partitions_under_replicated")?;
            (expands >= 1.0 && under == 0.0).then_some(())
        })
        .await;
        count = acked_past(&acked, count, 50, "writes with every replica back").await;
    }
    stop.store(true, Ordering::Relaxed);
    let errors = producing.await.unwrap();
    assert!(errors.is_empty(), "the application saw errors: {errors:?}");

    let end = high_watermark(&cluster, "orders").await;
    let read = read_all(&cluster.bootstrap(), "orders", 0, end).await;
    let acked = acked.lock().unwrap().clone();
    assert!(read.len() >= acked.len());
    check_nothing_acknowledged_is_lost(&read, &acked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_leader_steps_down_truncates_and_follows() {
    let cluster = Cluster::start(3);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let client = mq::Client::connect(&cluster.bootstrap()).await.unwrap();
    create(&client, "paused", 1, 3, 2).await;
    cluster
        .wait_in_sync(1, "paused", 0, &[1, 2, 3], SETTLE)
        .await;

    let acked: Acked = Default::default();
    let stop = Arc::new(AtomicBool::new(false));
    let producing = produce_continuously(client.clone(), "paused", acked.clone(), stop.clone());
    let count = acked_past(&acked, 0, 100, "first writes").await;

    // SIGSTOP the leader past the session timeout: another takes over.
    let old = cluster.wait_leader("paused", 0, &[], SETTLE).await;
    cluster.node(old).signal("STOP");
    let new = cluster.wait_leader("paused", 0, &[old], SETTLE).await;
    acked_past(&acked, count, 100, "writes on the new leader").await;

    // Back: before it hears it was replaced, it may take a write; that
    // write was never committed and must not survive.
    cluster.node(old).signal("CONT");
    let raw = mq::Client::connect(&cluster.url(old)).await.unwrap();
    let stray = mq::batch::encode_batch(
        &[Record::new(b"stray".to_vec())],
        mq::batch::Compression::None,
        mq::batch::ProducerStamp::NONE,
    )
    .unwrap();
    let stray_taken = raw
        .broker()
        .produce(ProduceRequest {
            topic: "paused".into(),
            partition: 0,
            acks: Acks::None as i32,
            records: stray,
            timeout_ms: 0,
        })
        .await
        .is_ok();
    cluster
        .wait_in_sync(new, "paused", 0, &[1, 2, 3], SETTLE)
        .await;
    if stray_taken {
        // It wrote before it learned of the new leader: it must have cut
        // that write off.
        assert!(
            cluster
                .node(old)
                .log()
                .contains("truncated records the leader does not have"),
            "the old leader took a write and did not truncate it"
        );
    }
    let p = cluster.partition(old, "paused", 0).await.unwrap();
    assert_eq!(p.leader, new, "the old leader follows: {p:?}");

    stop.store(true, Ordering::Relaxed);
    let errors = producing.await.unwrap();
    assert!(errors.is_empty(), "the application saw errors: {errors:?}");
    let end = high_watermark(&cluster, "paused").await;
    let read = read_all(&cluster.bootstrap(), "paused", 0, end).await;
    assert!(
        read.iter().all(|(_, v)| v != "stray"),
        "an uncommitted write is served"
    );
    check_nothing_acknowledged_is_lost(&read, &acked.lock().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_of_three_down_acks_all_writes_are_refused_until_one_returns() {
    let mut cluster = Cluster::start(3);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let client = mq::Client::connect(&cluster.bootstrap()).await.unwrap();
    create(&client, "strict", 1, 3, 2).await;
    cluster
        .wait_in_sync(1, "strict", 0, &[1, 2, 3], SETTLE)
        .await;
    let leader = cluster.wait_leader("strict", 0, &[], SETTLE).await;
    let on_leader = mq::Client::connect(&cluster.url(leader)).await.unwrap();
    let produce = async || {
        let records = mq::batch::encode_batch(
            &[Record::new(b"x".to_vec())],
            mq::batch::Compression::None,
            mq::batch::ProducerStamp::NONE,
        )
        .unwrap();
        on_leader
            .broker()
            .produce(ProduceRequest {
                topic: "strict".into(),
                partition: 0,
                acks: Acks::All as i32,
                records,
                timeout_ms: 0,
            })
            .await
            .map_err(mq::Error::from)
    };
    produce().await.unwrap();

    let down: Vec<u32> = (1..=3).filter(|id| *id != leader).collect();
    for id in &down {
        cluster.kill9(*id);
    }
    let err = wait_for(SETTLE, "acks=all writes to be refused", async || {
        produce().await.err()
    })
    .await;
    assert_eq!(err.code(), Some(tonic::Code::Unavailable), "{err}");
    assert_eq!(err.reason(), Some(mq::reason::NOT_ENOUGH_REPLICAS), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("strict/0") && message.contains("min.insync.replicas = 2"),
        "{message}"
    );

    cluster.start_node(down[0]);
    wait_for(SETTLE, "acks=all writes to succeed again", async || {
        produce().await.ok()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_under_load_loses_nothing_and_surfaces_no_error() {
    let mut cluster = Cluster::start(3);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let client = mq::Client::connect(&cluster.bootstrap()).await.unwrap();
    create(&client, "rolling", 1, 3, 2).await;
    cluster
        .wait_in_sync(1, "rolling", 0, &[1, 2, 3], SETTLE)
        .await;

    let acked: Acked = Default::default();
    let stop = Arc::new(AtomicBool::new(false));
    let producing = produce_continuously(client.clone(), "rolling", acked.clone(), stop.clone());
    let mut count = acked_past(&acked, 0, 50, "first writes").await;
    for id in 1..=3 {
        // SIGTERM: leadership moves away before the node exits.
        let status = cluster.terminate(id).await;
        assert!(status.success(), "node {id} exited with {status}");
        count = acked_past(&acked, count, 50, &format!("writes with node {id} down")).await;
        cluster.start_node(id);
        let others: Vec<u32> = (1..=3).filter(|o| *o != id).collect();
        cluster
            .wait_in_sync(others[0], "rolling", 0, &[1, 2, 3], SETTLE)
            .await;
        count = acked_past(&acked, count, 50, &format!("writes with node {id} back")).await;
    }
    stop.store(true, Ordering::Relaxed);
    let errors = producing.await.unwrap();
    assert!(errors.is_empty(), "the application saw errors: {errors:?}");

    // Leaders go back to their preferred replicas on request.
    let elected = client
        .admin_raw()
        .elect_leaders(mq::proto::ElectLeadersRequest {
            topic: "rolling".into(),
            partition: None,
        })
        .await
        .unwrap()
        .into_inner();
    let preferred = cluster.partition(1, "rolling", 0).await.unwrap().replicas[0];
    assert_eq!(elected.partitions[0].leader, preferred, "{elected:?}");

    let end = high_watermark(&cluster, "rolling").await;
    let read = read_all(&cluster.bootstrap(), "rolling", 0, end).await;
    check_nothing_acknowledged_is_lost(&read, &acked.lock().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_moves_to_other_brokers_under_load_without_losing_a_record() {
    let cluster = Cluster::start(3);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let client = mq::Client::connect(&cluster.bootstrap()).await.unwrap();
    client
        .admin_raw()
        .create_topic(CreateTopicRequest {
            name: "moving".into(),
            partitions: 1,
            replication_factor: 2,
            configs: [("min.insync.replicas".to_string(), "2".to_string())].into(),
        })
        .await
        .unwrap();
    let from = cluster.partition(1, "moving", 0).await.unwrap().replicas;
    let mut sorted = from.clone();
    sorted.sort_unstable();
    cluster.wait_in_sync(1, "moving", 0, &sorted, SETTLE).await;
    // Keep one replica and swap the other for the third broker.
    let spare = (1..=3).find(|id| !from.contains(id)).unwrap();
    let target = vec![from[1], spare];

    let acked: Acked = Default::default();
    let stop = Arc::new(AtomicBool::new(false));
    let producing = produce_continuously(client.clone(), "moving", acked.clone(), stop.clone());
    let count = acked_past(&acked, 0, 200, "first writes").await;
    let started = client
        .admin_raw()
        .reassign_partition(mq::proto::ReassignPartitionRequest {
            topic: "moving".into(),
            partition: 0,
            replicas: target.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(started.reassigning_to, target, "{started:?}");
    wait_for(SETTLE, "the move to complete", async || {
        let p = cluster.partition(1, "moving", 0).await?;
        (p.reassigning_to.is_empty() && p.replicas == target).then_some(())
    })
    .await;
    acked_past(&acked, count, 100, "writes after the move").await;
    stop.store(true, Ordering::Relaxed);
    let errors = producing.await.unwrap();
    assert!(errors.is_empty(), "the application saw errors: {errors:?}");

    let mut sorted = target.clone();
    sorted.sort_unstable();
    cluster.wait_in_sync(1, "moving", 0, &sorted, SETTLE).await;
    // The dropped replica deleted its copy.
    let dropped = from[0];
    wait_for(SETTLE, "the old replica to be deleted", async || {
        let left = cluster.partition(dropped, "moving", 0).await?;
        (left.log_end_offset == -1).then_some(())
    })
    .await;
    let end = high_watermark(&cluster, "moving").await;
    let read = read_all(&cluster.bootstrap(), "moving", 0, end).await;
    check_nothing_acknowledged_is_lost(&read, &acked.lock().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_group_reads_from_every_leader_and_resumes_on_another_node() {
    let mut cluster = Cluster::start(3);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let client = mq::Client::connect(&cluster.bootstrap()).await.unwrap();
    create(&client, "grouped", 3, 3, 1).await;
    let producer = Producer::new(client.clone(), acks_all());
    for i in 0..60u32 {
        let record =
            Record::new(format!("{i}").into_bytes()).with_key(format!("k{i}").into_bytes());
        producer.send("grouped", record).await.unwrap();
    }
    producer.flush().await.unwrap();

    // The group is coordinated by node 1; each partition's leader serves it.
    let coordinator = mq::Client::connect(&cluster.url(1)).await.unwrap();
    let config = mq::GroupConfig {
        auto_offset_reset: mq::OffsetReset::Earliest,
        ..mq::GroupConfig::new("readers", ["grouped"])
    };
    let mut member = mq::GroupConsumer::join(coordinator, config).await.unwrap();
    let mut seen = HashSet::new();
    wait_for(SETTLE, "the group to read all 60 records", async || {
        for r in member.poll(Duration::from_millis(200)).await.unwrap() {
            seen.insert(String::from_utf8(r.value.unwrap().to_vec()).unwrap());
        }
        (seen.len() == 60).then_some(())
    })
    .await;
    member.commit().await.unwrap();
    drop(member);

    // The coordinator dies; the group carries on through node 2 from its
    // committed offsets, which the controller kept.
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    cluster.kill9(1);
    let bootstrap = mq::Client::connect(&cluster.bootstrap()).await.unwrap();
    let producer = Producer::new(bootstrap, acks_all());
    for i in 60..90u32 {
        let record =
            Record::new(format!("{i}").into_bytes()).with_key(format!("k{i}").into_bytes());
        producer.send("grouped", record).await.unwrap();
    }
    producer.flush().await.unwrap();
    let second = mq::Client::connect(&cluster.url(2)).await.unwrap();
    let config = mq::GroupConfig {
        auto_offset_reset: mq::OffsetReset::Earliest,
        ..mq::GroupConfig::new("readers", ["grouped"])
    };
    let mut member = mq::GroupConsumer::join(second, config).await.unwrap();
    let mut again = Vec::new();
    wait_for(SETTLE, "the group to read the 30 new records", async || {
        for r in member.poll(Duration::from_millis(200)).await.unwrap() {
            again.push(String::from_utf8(r.value.unwrap().to_vec()).unwrap());
        }
        (again.len() >= 30).then_some(())
    })
    .await;
    let old: Vec<&String> = again
        .iter()
        .filter(|v| v.parse::<u32>().unwrap() < 60)
        .collect();
    assert!(
        old.is_empty(),
        "records read again after the failover: {old:?}"
    );
}
