//! Queue groups across a three-node cluster: one receiver reaches every
//! partition leader, acks outlive the leader that took them (kill -9), the
//! records it had leased come again from the new leader, and dead letters
//! reach a replicated dead-letter topic led by whichever node.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use mq::proto::CreateTopicRequest;
use mq::{
    Client, Consumer, ConsumerConfig, Producer, ProducerConfig, Received, Receiver, ReceiverConfig,
    Record, StartOffset,
};
use mq_tests::cluster::Cluster;
use mq_tests::wait_for;

const SETTLE: Duration = Duration::from_secs(30);

async fn create(client: &Client, name: &str, partitions: u32) {
    client
        .admin_raw()
        .create_topic(CreateTopicRequest {
            name: name.into(),
            partitions,
            replication_factor: 3,
            configs: [("min.insync.replicas".to_string(), "2".to_string())].into(),
        })
        .await
        .unwrap();
}

async fn produce(client: &Client, topic: &str, partitions: u32, values: std::ops::Range<u32>) {
    let producer = Producer::new(
        client.clone(),
        ProducerConfig {
            acks: mq::Acks::All,
            ..Default::default()
        },
    );
    for i in values {
        producer
            .send_to(topic, i % partitions, Record::new(format!("r{i}")))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
}

fn receiver(client: &Client, group: &str, topic: &str, max_deliveries: u32) -> Receiver {
    let mut config = ReceiverConfig::new(group, topic);
    config.max_records = 40;
    config.visibility_timeout = Duration::from_secs(3);
    config.max_deliveries = max_deliveries;
    Receiver::new(client.clone(), config).unwrap()
}

fn value(r: &Received) -> String {
    String::from_utf8(r.record.value.clone().unwrap().to_vec()).unwrap()
}

/// The values of `batch` whose ack took effect. An ack can race a lease
/// that moved with its partition's leadership: the broker refuses it and
/// the record comes again.
fn settled(batch: &[Received], ack: mq::Result<()>) -> Vec<String> {
    let refused: BTreeSet<(u32, i64)> = match ack {
        Ok(()) => BTreeSet::new(),
        Err(mq::Error::Unsettled { refused, .. }) => {
            for u in &refused {
                assert_eq!(u.reason, mq::reason::DELIVERY_EXPIRED, "{u:?}");
            }
            refused.iter().map(|u| (u.partition, u.offset)).collect()
        }
        Err(e) => panic!("ack failed: {e}"),
    };
    batch
        .iter()
        .filter(|r| !refused.contains(&(r.record.partition, r.record.offset)))
        .map(value)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_survive_the_death_of_the_leader_that_took_them() {
    let mut cluster = Cluster::start(3);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let client = Client::connect(&cluster.bootstrap()).await.unwrap();
    create(&client, "jobs", 3).await;
    let mut leaders = BTreeSet::new();
    for p in 0..3 {
        leaders.insert(cluster.wait_leader("jobs", p, &[], SETTLE).await);
    }
    assert_eq!(leaders.len(), 3, "each partition led by its own node");
    produce(&client, "jobs", 3, 0..300).await;

    // One receiver, connected through the bootstrap list, gets records of
    // every partition: it polls each leader.
    let workers = receiver(&client, "workers", "jobs", 10);
    let mut acked: BTreeSet<String> = BTreeSet::new();
    let mut partitions_seen = BTreeSet::new();
    wait_for(SETTLE, "150 records acked", async || {
        let batch = workers.receive(Duration::from_millis(500)).await.unwrap();
        partitions_seen.extend(batch.iter().map(|r| r.record.partition));
        acked.extend(settled(&batch, workers.ack(&batch).await));
        (acked.len() >= 150).then_some(())
    })
    .await;
    assert_eq!(partitions_seen.len(), 3, "records of every partition");
    // Records leased and never acked: they come back.
    let held = workers.receive(Duration::from_secs(2)).await.unwrap();
    assert!(!held.is_empty());
    let held: BTreeSet<String> = held.iter().map(value).collect();

    // The leader of partition 0 dies with everything above in its memory.
    let victim = cluster.wait_leader("jobs", 0, &[], SETTLE).await;
    cluster.kill9(victim);
    cluster.wait_leader("jobs", 0, &[victim], SETTLE).await;

    receive_all(&workers, &mut acked, &held, 300).await;
    // The dead leader comes back, catches up, and serves its queue share
    // again once it leads; the group's state is whole wherever it is read.
    cluster.start_node(victim);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let d = mq::Admin::new(&client)
        .describe_group("workers")
        .await
        .unwrap();
    assert_eq!(d.kind, "queue");
    let backlog: i64 = d.queue_partitions.iter().map(|p| p.backlog).sum();
    assert_eq!(backlog, 0, "{:?}", d.queue_partitions);

    // A controlled stop (SIGTERM) of a leader in the middle of the work:
    // it stores its ledgers and hands its partitions over; the receiver
    // rides through it.
    produce(&client, "jobs", 3, 300..390).await;
    wait_for(SETTLE, "half of the new records acked", async || {
        let batch = workers.receive(Duration::from_millis(500)).await.unwrap();
        acked.extend(settled(&batch, workers.ack(&batch).await));
        (acked.len() >= 345).then_some(())
    })
    .await;
    let held: BTreeSet<String> = workers
        .receive(Duration::from_secs(2))
        .await
        .unwrap()
        .iter()
        .map(value)
        .collect();
    let leaving = cluster.wait_leader("jobs", 1, &[], SETTLE).await;
    assert!(cluster.terminate(leaving).await.success());
    receive_all(&workers, &mut acked, &held, 390).await;
}

/// Receives and acks until `total` records are acked, checking that no
/// acked record (`held` ones were leased and never acked) is delivered
/// again, and that the receiver surfaces no error while leaders move.
async fn receive_all(
    workers: &Receiver,
    acked: &mut BTreeSet<String>,
    held: &BTreeSet<String>,
    total: usize,
) {
    let mut again: BTreeMap<String, u32> = BTreeMap::new();
    wait_for(SETTLE, &format!("{total} records acked"), async || {
        let batch = match workers.receive(Duration::from_millis(500)).await {
            Ok(batch) => batch,
            Err(e) => panic!("receive surfaced an error: {e}"),
        };
        for r in &batch {
            if acked.contains(&value(r)) {
                again.insert(value(r), r.delivery_count);
            }
        }
        acked.extend(settled(&batch, workers.ack(&batch).await));
        (acked.len() == total).then_some(())
    })
    .await;
    let redelivered_acked: Vec<_> = again.keys().filter(|v| !held.contains(*v)).collect();
    assert!(
        redelivered_acked.is_empty(),
        "records acked before the leader went were delivered again: {redelivered_acked:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_reach_a_replicated_topic_on_another_leader() {
    let cluster = Cluster::start(3);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let client = Client::connect(&cluster.bootstrap()).await.unwrap();
    create(&client, "poison", 1).await;
    produce(&client, "poison", 1, 0..5).await;

    let failing = receiver(&client, "eaters", "poison", 2);
    let mut nacks = 0;
    wait_for(SETTLE, "two failed deliveries of each record", async || {
        let batch = failing.receive(Duration::from_millis(500)).await.unwrap();
        if !batch.is_empty() {
            failing
                .nack(&batch, Duration::ZERO, "cannot digest")
                .await
                .unwrap();
            nacks += batch.len();
        }
        (nacks >= 10).then_some(())
    })
    .await;

    // The dead-letter topic was made through the controller, with three
    // replicas, and holds a copy of each record saying where it was from.
    let dlq = "poison.eaters.dlq";
    let leader = cluster.wait_leader(dlq, 0, &[], SETTLE).await;
    let replicas = cluster.partition(leader, dlq, 0).await.unwrap().replicas;
    assert_eq!(replicas.len(), 3);
    let mut consumer = Consumer::new(client.clone(), ConsumerConfig::default());
    consumer
        .assign(dlq, 0, StartOffset::Earliest)
        .await
        .unwrap();
    let mut copies = Vec::new();
    wait_for(SETTLE, "five dead letters", async || {
        copies.extend(consumer.poll(Duration::from_millis(200)).await.unwrap());
        (copies.len() >= 5).then_some(())
    })
    .await;
    let header = |r: &mq::ConsumedRecord, key: &str| {
        r.headers
            .iter()
            .find(|h| h.key == key)
            .and_then(|h| h.value.clone())
            .map(|v| String::from_utf8(v.to_vec()).unwrap())
    };
    let mut offsets: Vec<i64> = copies
        .iter()
        .map(|r| {
            assert_eq!(header(r, "mq.dlq.topic").as_deref(), Some("poison"));
            assert_eq!(header(r, "mq.dlq.error").as_deref(), Some("cannot digest"));
            header(r, "mq.dlq.offset").unwrap().parse().unwrap()
        })
        .collect();
    offsets.sort_unstable();
    assert_eq!(offsets, vec![0, 1, 2, 3, 4]);
    assert_eq!(
        failing
            .receive(Duration::from_millis(300))
            .await
            .unwrap()
            .len(),
        0
    );

    // A raw Receive at a broker that does not lead the partition: refused
    // with NOT_LEADER and a sentence saying where to send it.
    let leader = cluster.wait_leader("poison", 0, &[], SETTLE).await;
    let other = [1, 2, 3].into_iter().find(|id| *id != leader).unwrap();
    let mut broker = Client::connect(&cluster.url(other)).await.unwrap().broker();
    let request = |partitions: Vec<u32>| mq::proto::ReceiveRequest {
        group: "eaters".into(),
        topic: "poison".into(),
        partitions,
        ..Default::default()
    };
    for partitions in [vec![], vec![0]] {
        let err: mq::Error = broker
            .receive(request(partitions.clone()))
            .await
            .unwrap_err()
            .into();
        assert_eq!(
            err.reason(),
            Some(mq::reason::NOT_LEADER),
            "{partitions:?}: {err}"
        );
        assert!(err.to_string().contains("leader"), "{err}");
    }
    let err = broker.receive(request(vec![7])).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::NotFound, "{err:?}");
}
