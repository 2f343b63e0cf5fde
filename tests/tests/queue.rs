//! Queue subscriptions against a real mqd: receivers share records one at
//! a time, a dead receiver's leases come back after the visibility timeout,
//! an always-failing record lands in the dead-letter topic with headers
//! saying where it came from, and acks outlive a kill -9.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use mq::proto::{
    AckRequest, GroupDescription, LeasedOffsets, QueuePartition, ReceiveRequest,
    ResetOffsetsRequest,
};
use mq::{
    reason, Admin, Client, GroupConfig, GroupConsumer, Producer, ProducerConfig, Received,
    Receiver, ReceiverConfig, Record,
};
use mq_tests::{read_partition, wait_for, DataDir, Mqd};
use tokio::sync::Mutex;
use tonic::Code;

async fn with_topic(name: &str, partitions: u32, records: usize) -> (DataDir, Mqd, Client, Admin) {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    admin.create_topic(name, partitions, &[]).await.unwrap();
    produce(&client, name, partitions, 0..records).await;
    (dir, mqd, client, admin)
}

/// Records "r<i>", spread round-robin over the partitions.
async fn produce(client: &Client, topic: &str, partitions: u32, range: std::ops::Range<usize>) {
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for i in range {
        producer
            .send_to(topic, i as u32 % partitions, Record::new(format!("r{i}")))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
}

fn receiver(client: &Client, group: &str, topic: &str, id: &str) -> Receiver {
    let mut config = ReceiverConfig::new(group, topic);
    config.receiver_id = id.to_string();
    config.max_records = 50;
    Receiver::new(client.clone(), config).unwrap()
}

fn value(r: &Received) -> String {
    String::from_utf8(r.record.value.clone().unwrap().to_vec()).unwrap()
}

async fn queue_partition(admin: &Admin, group: &str, partition: u32) -> QueuePartition {
    let d: GroupDescription = admin.describe_group(group).await.unwrap();
    assert_eq!(d.kind, "queue");
    d.queue_partitions
        .into_iter()
        .find(|p| p.partition == partition)
        .unwrap()
}

#[tokio::test]
async fn three_receivers_share_one_partition_one_record_at_a_time() {
    const N: usize = 3_000;
    let (_dir, _mqd, client, admin) = with_topic("jobs", 1, N).await;
    // Offset -> receiver holding it right now.
    let holding: Arc<Mutex<HashMap<i64, String>>> = Arc::default();
    let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let mut tasks = Vec::new();
    for name in ["a", "b", "c"] {
        let receiver = receiver(&client, "workers", "jobs", name);
        let (holding, acked) = (holding.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let batch = receiver.receive(Duration::from_millis(300)).await.unwrap();
                if batch.is_empty() {
                    if acked.lock().await.len() >= N {
                        return;
                    }
                    continue;
                }
                {
                    let mut h = holding.lock().await;
                    for r in &batch {
                        assert_eq!(r.delivery_count, 1, "no redelivery expected");
                        if let Some(other) = h.insert(r.record.offset, name.to_string()) {
                            panic!("offset {} held by {other} and {name}", r.record.offset);
                        }
                    }
                }
                // Let the others take their turn while this one "works".
                tokio::task::yield_now().await;
                receiver.ack(&batch).await.unwrap();
                let mut h = holding.lock().await;
                let mut a = acked.lock().await;
                for r in &batch {
                    h.remove(&r.record.offset);
                    a.push((r.record.offset, name.to_string()));
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().await;
    let offsets: BTreeSet<i64> = acked.iter().map(|(o, _)| *o).collect();
    assert_eq!(acked.len(), N, "each record acked exactly once");
    assert_eq!(offsets, (0..N as i64).collect());
    let by_receiver: BTreeSet<&str> = acked.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(by_receiver.len(), 3, "every receiver got a share");

    let p = queue_partition(&admin, "workers", 0).await;
    assert_eq!((p.ack_floor, p.backlog, p.in_flight), (N as i64, 0, 0));
    assert_eq!(
        (p.delivered, p.acked, p.redelivered),
        (N as u64, N as u64, 0)
    );
    assert_eq!(p.oldest_unacked_age_ms, 0);
    let groups = admin.list_groups().await.unwrap();
    let g = groups.iter().find(|g| g.group == "workers").unwrap();
    assert_eq!(
        (g.kind.as_str(), g.topics.clone()),
        ("queue", vec!["jobs".to_string()])
    );
}

#[tokio::test]
async fn records_of_every_partition_are_shared_once() {
    const N: usize = 400;
    let (_dir, _mqd, client, admin) = with_topic("spread", 4, N).await;
    let receivers = [
        receiver(&client, "g", "spread", "x"),
        receiver(&client, "g", "spread", "y"),
    ];
    let mut seen: BTreeMap<(u32, i64), String> = BTreeMap::new();
    let mut turn = 0;
    wait_for(
        Duration::from_secs(30),
        "every record received",
        async || {
            let r = &receivers[turn % 2];
            turn += 1;
            let batch = r.receive(Duration::from_millis(100)).await.unwrap();
            for d in &batch {
                let key = (d.record.partition, d.record.offset);
                assert!(seen.insert(key, value(d)).is_none(), "{key:?} twice");
            }
            r.ack(&batch).await.unwrap();
            (seen.len() == N).then_some(())
        },
    )
    .await;
    let values: BTreeSet<&String> = seen.values().collect();
    assert_eq!(values.len(), N);
    for p in 0..4 {
        let q = queue_partition(&admin, "g", p).await;
        assert_eq!(
            (q.ack_floor, q.backlog),
            ((N / 4) as i64, 0),
            "partition {p}"
        );
    }
}

#[tokio::test]
async fn a_dead_receivers_leases_are_redelivered_after_the_visibility_timeout() {
    let (_dir, _mqd, client, admin) = with_topic("jobs", 1, 300).await;
    let mut config = ReceiverConfig::new("workers", "jobs");
    config.receiver_id = "doomed".into();
    config.max_records = 100;
    config.visibility_timeout = Duration::from_secs(2);
    // Its own connection, closed when it dies.
    let doomed = Receiver::new(Client::connect(client.address()).await.unwrap(), config).unwrap();
    let held = doomed.receive(Duration::from_secs(5)).await.unwrap();
    assert_eq!(held.len(), 100);
    let held_offsets: BTreeSet<i64> = held.iter().map(|r| r.record.offset).collect();
    // The broker sees who holds what.
    let d = admin.describe_group("workers").await.unwrap();
    let r = d
        .receivers
        .iter()
        .find(|r| r.receiver_id == "doomed")
        .unwrap();
    assert_eq!(r.in_flight, 100);
    drop(doomed); // dies without acking

    let survivor = receiver(&client, "workers", "jobs", "survivor");
    let mut acked: BTreeMap<i64, u32> = BTreeMap::new();
    wait_for(
        Duration::from_secs(30),
        "all 300 records acked",
        async || {
            let batch = survivor.receive(Duration::from_millis(500)).await.unwrap();
            for r in &batch {
                assert!(acked.insert(r.record.offset, r.delivery_count).is_none());
            }
            survivor.ack(&batch).await.unwrap();
            (acked.len() == 300).then_some(())
        },
    )
    .await;
    for (offset, count) in &acked {
        let expected = if held_offsets.contains(offset) { 2 } else { 1 };
        assert_eq!(*count, expected, "delivery count of offset {offset}");
    }
    // The dead receiver's ack, had it come, is refused: it was redelivered.
    let late = Receiver::new(client.clone(), ReceiverConfig::new("workers", "jobs")).unwrap();
    let err = late.ack(&held[..1]).await.unwrap_err();
    assert_eq!(err.reason(), Some(reason::ALREADY_SETTLED), "{err}");
    let p = queue_partition(&admin, "workers", 0).await;
    assert_eq!((p.expired, p.redelivered, p.ack_floor), (100, 100, 300));
}

#[tokio::test]
async fn an_always_nacked_record_lands_in_the_dead_letter_topic_with_its_history() {
    let (_dir, _mqd, client, admin) = with_topic("jobs", 1, 0).await;
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    producer
        .send_to(
            "jobs",
            0,
            Record::new("poison")
                .with_key("k1")
                .with_header("trace", "t-1"),
        )
        .await
        .unwrap();
    producer
        .send_to("jobs", 0, Record::new("fine"))
        .await
        .unwrap();
    producer.flush().await.unwrap();

    let mut config = ReceiverConfig::new("workers", "jobs");
    config.max_deliveries = 3;
    let worker = Receiver::new(client.clone(), config).unwrap();
    let mut poison_deliveries = Vec::new();
    wait_for(
        Duration::from_secs(30),
        "the poison record dead-lettered",
        async || {
            let batch = worker.receive(Duration::from_millis(200)).await.unwrap();
            for r in batch {
                if value(&r) == "poison" {
                    poison_deliveries.push(r.delivery_count);
                    let error = format!("cannot parse (attempt {})", r.delivery_count);
                    worker.nack(&[r], Duration::ZERO, &error).await.unwrap();
                } else {
                    worker.ack(&[r]).await.unwrap();
                }
            }
            let p = queue_partition(&admin, "workers", 0).await;
            (p.dead_lettered == 1 && p.ack_floor == 2).then_some(())
        },
    )
    .await;
    assert_eq!(poison_deliveries, vec![1, 2, 3]);
    assert!(worker.receive(Duration::ZERO).await.unwrap().is_empty());

    let (_, dead) = read_partition(&client, "jobs.workers.dlq", 0, 0).await;
    assert_eq!(dead.len(), 1);
    let copy = &dead[0];
    assert_eq!(copy.value.as_deref(), Some(&b"poison"[..]));
    assert_eq!(copy.key.as_deref(), Some(&b"k1"[..]));
    let headers: BTreeMap<&str, String> = copy
        .headers
        .iter()
        .map(|h| {
            let v = String::from_utf8(h.value.clone().unwrap().to_vec()).unwrap();
            (h.key.as_str(), v)
        })
        .collect();
    assert_eq!(headers["trace"], "t-1");
    assert_eq!(headers["mq.dlq.topic"], "jobs");
    assert_eq!(headers["mq.dlq.partition"], "0");
    assert_eq!(headers["mq.dlq.offset"], "0");
    assert_eq!(headers["mq.dlq.group"], "workers");
    assert_eq!(headers["mq.dlq.deliveries"], "3");
    assert_eq!(headers["mq.dlq.error"], "cannot parse (attempt 3)");
    let p = queue_partition(&admin, "workers", 0).await;
    assert_eq!((p.backlog, p.nacked, p.acked), (0, 3, 1));
}

#[tokio::test]
async fn acks_survive_kill_9_and_only_unacked_records_come_back() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("jobs", 1, &[])
        .await
        .unwrap();
    produce(&client, "jobs", 1, 0..100).await;
    let mut config = ReceiverConfig::new("workers", "jobs");
    config.max_records = 100;
    let worker = Receiver::new(client.clone(), config.clone()).unwrap();
    let batch = worker.receive(Duration::from_secs(5)).await.unwrap();
    assert_eq!(batch.len(), 100);
    // Ack every other record of the first 60, then all of 60..80.
    let acked: Vec<Received> = batch
        .iter()
        .filter(|r| {
            (r.record.offset < 60 && r.record.offset % 2 == 0)
                || (60..80).contains(&r.record.offset)
        })
        .cloned()
        .collect();
    worker.ack(&acked).await.unwrap();
    let address = mqd.url();
    mqd.kill9();

    let mqd = Mqd::restart_on(&dir, &address);
    let client = mqd.client().await;
    let worker = Receiver::new(client.clone(), config).unwrap();
    let mut again: BTreeMap<i64, u32> = BTreeMap::new();
    wait_for(
        Duration::from_secs(30),
        "the unacked records again",
        async || {
            for r in worker.receive(Duration::from_millis(200)).await.unwrap() {
                assert!(again.insert(r.record.offset, r.delivery_count).is_none());
            }
            (again.len() >= 40).then_some(())
        },
    )
    .await;
    let expected: BTreeSet<i64> = (0..60).filter(|o| o % 2 == 1).chain(80..100).collect();
    assert_eq!(again.keys().copied().collect::<BTreeSet<_>>(), expected);
    assert!(again.values().all(|c| *c == 2), "{again:?}");
    // A lease from before the restart is unknown now.
    let err = worker.ack(&batch[1..2]).await.unwrap_err();
    assert_eq!(err.reason(), Some(reason::DELIVERY_EXPIRED), "{err}");
}

#[tokio::test]
async fn bad_queue_requests_get_clear_errors() {
    let (_dir, _mqd, client, admin) = with_topic("jobs", 1, 5).await;
    let mut broker = client.broker();
    let base = ReceiveRequest {
        group: "workers".into(),
        topic: "jobs".into(),
        ..Default::default()
    };
    let cases = [
        (
            ReceiveRequest {
                topic: "nope".into(),
                ..base.clone()
            },
            Code::NotFound,
            reason::TOPIC_NOT_FOUND,
        ),
        (
            ReceiveRequest {
                visibility_timeout_ms: 10,
                ..base.clone()
            },
            Code::InvalidArgument,
            reason::INVALID_REQUEST,
        ),
        (
            ReceiveRequest {
                max_records: 1_000_000,
                ..base.clone()
            },
            Code::InvalidArgument,
            reason::INVALID_REQUEST,
        ),
        (
            ReceiveRequest {
                dead_letter_topic: "jobs".into(),
                ..base.clone()
            },
            Code::InvalidArgument,
            reason::INVALID_REQUEST,
        ),
        (
            ReceiveRequest {
                group: "bad/name".into(),
                ..base.clone()
            },
            Code::InvalidArgument,
            reason::INVALID_REQUEST,
        ),
    ];
    for (request, code, why) in cases {
        let err: mq::Error = broker.receive(request.clone()).await.unwrap_err().into();
        assert_eq!(
            (err.code(), err.reason()),
            (Some(code), Some(why)),
            "{request:?}: {err}"
        );
    }

    let mut config = ReceiverConfig::new("workers", "jobs");
    config.visibility_timeout = Duration::from_secs(1);
    let worker = Receiver::new(client.clone(), config).unwrap();
    let batch = worker.receive(Duration::from_secs(5)).await.unwrap();
    assert_eq!(batch.len(), 5);
    worker.ack(&batch[..1]).await.unwrap();
    let err = worker.ack(&batch[..1]).await.unwrap_err();
    assert_eq!(err.reason(), Some(reason::ALREADY_SETTLED), "{err}");
    // An offset the lease never held.
    let response = broker
        .ack(AckRequest {
            group: "workers".into(),
            topic: "jobs".into(),
            leases: vec![LeasedOffsets {
                partition: 0,
                lease_id: batch[1].lease_id,
                offsets: vec![4_000],
            }],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.failures[0].reason, reason::NOT_LEASED);
    let empty = broker
        .ack(AckRequest {
            group: "workers".into(),
            topic: "jobs".into(),
            leases: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    // After the visibility timeout the lease is gone.
    wait_for(Duration::from_secs(10), "the lease to expire", async || {
        let p = queue_partition(&admin, "workers", 0).await;
        (p.expired == 4).then_some(())
    })
    .await;
    let err = worker.ack(&batch[1..]).await.unwrap_err();
    assert_eq!(err.reason(), Some(reason::DELIVERY_EXPIRED), "{err}");
    assert!(err.to_string().contains("4 of 4 records"), "{err}");

    // A group name is one kind or the other.
    let err = GroupConsumer::join(client.clone(), GroupConfig::new("workers", ["jobs"]))
        .await
        .err()
        .unwrap();
    assert_eq!(err.reason(), Some(reason::GROUP_TYPE_MISMATCH), "{err}");
    let member = GroupConsumer::join(client.clone(), GroupConfig::new("loggers", ["jobs"]))
        .await
        .unwrap();
    let err = receiver(&client, "loggers", "jobs", "x")
        .receive(Duration::ZERO)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), Some(reason::GROUP_TYPE_MISMATCH), "{err}");
    member.close().await.unwrap();
    let err = client
        .admin_raw()
        .reset_offsets(ResetOffsetsRequest {
            group: "workers".into(),
            targets: vec![],
            to: Some(mq::proto::reset_offsets_request::To::Earliest(true)),
            dry_run: true,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    // Refused while a receiver is live.
    let err = admin.delete_group("workers").await.unwrap_err();
    assert_eq!(err.reason(), Some(reason::GROUP_NOT_EMPTY), "{err}");
}

#[tokio::test]
async fn a_delayed_nack_waits_and_counts_as_waiting() {
    let (_dir, _mqd, client, admin) = with_topic("jobs", 1, 1).await;
    let worker = receiver(&client, "workers", "jobs", "w");
    let batch = worker.receive(Duration::from_secs(5)).await.unwrap();
    worker
        .nack(&batch, Duration::from_secs(600), "try later")
        .await
        .unwrap();
    assert!(worker.receive(Duration::ZERO).await.unwrap().is_empty());
    let p = queue_partition(&admin, "workers", 0).await;
    assert_eq!((p.waiting_redelivery, p.in_flight, p.backlog), (1, 0, 1));
    assert_eq!(p.max_delivery_count, 1);
    assert!(p.oldest_unacked_age_ms < 600_000);
}

#[tokio::test]
async fn a_topic_created_again_is_received_from_its_start() {
    let (_dir, _mqd, client, admin) = with_topic("jobs", 1, 20).await;
    let worker = receiver(&client, "workers", "jobs", "w");
    let batch = worker.receive(Duration::from_secs(5)).await.unwrap();
    assert_eq!(batch.len(), 20);
    worker.ack(&batch).await.unwrap();
    admin.delete_topic("jobs").await.unwrap();
    admin.create_topic("jobs", 1, &[]).await.unwrap();
    produce(&client, "jobs", 1, 0..30).await;
    let again = worker.receive(Duration::from_secs(5)).await.unwrap();
    let offsets: Vec<i64> = again.iter().map(|r| r.record.offset).collect();
    assert_eq!(offsets, (0..30).collect::<Vec<_>>());
    assert!(again.iter().all(|r| r.delivery_count == 1));
}

/// A partition the group has never received from (here: one added after
/// the group started) still counts: its records wait, and describe and
/// Stats both say so.
#[tokio::test]
async fn an_untouched_partition_counts_in_the_backlog() {
    let (_dir, _mqd, client, admin) = with_topic("jobs", 1, 10).await;
    let worker = receiver(&client, "workers", "jobs", "w");
    let mut got = 0;
    while got < 10 {
        let batch = worker.receive(Duration::from_secs(5)).await.unwrap();
        got += batch.len();
        worker.ack(&batch).await.unwrap();
    }
    admin.add_partitions("jobs", 2).await.unwrap();
    produce(&client, "jobs", 2, 10..20).await;
    // Records 10..20 alternate between the partitions: 5 land in the new one.
    let p = queue_partition(&admin, "workers", 1).await;
    assert_eq!((p.backlog, p.ack_floor, p.delivered), (5, 0, 0));
    assert!(p.oldest_unacked_age_ms < 60_000);
    let stats = client
        .admin_raw()
        .stats(mq::proto::StatsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let q = stats.queues.iter().find(|q| q.group == "workers").unwrap();
    assert_eq!(q.backlog, 10, "5 in each partition");
    let per_partition: Vec<(u32, i64)> = q
        .partitions
        .iter()
        .map(|p| (p.partition, p.backlog))
        .collect();
    assert_eq!(per_partition, vec![(0, 5), (1, 5)]);
}
