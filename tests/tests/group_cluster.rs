//! Consumer groups across a three-node cluster: members bootstrapped to
//! different brokers form one group at its coordinator, and when the
//! coordinator dies (kill -9) they find the new one, rejoin, and carry on
//! from the group's committed offsets.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use mq::proto::CreateTopicRequest;
use mq::{Client, GroupConfig, GroupConsumer, OffsetReset, Producer, ProducerConfig, Record};
use mq_tests::cluster::Cluster;
use mq_tests::wait_for;

const SETTLE: Duration = Duration::from_secs(30);

async fn produce(client: &Client, values: std::ops::Range<u32>) {
    let producer = Producer::new(
        client.clone(),
        ProducerConfig {
            acks: mq::Acks::All,
            ..Default::default()
        },
    );
    for i in values {
        producer
            .send_to("shared", i % 6, Record::new(i.to_string()))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
}

async fn member(url: &str) -> GroupConsumer {
    let client = Client::connect(url).await.unwrap();
    let config = GroupConfig {
        auto_offset_reset: OffsetReset::Earliest,
        heartbeat_interval: Duration::from_millis(500),
        ..GroupConfig::new("readers", ["shared"])
    };
    GroupConsumer::join(client, config).await.unwrap()
}

/// Polls both members until their partitions split the topic between them
/// (one group, not two reading everything) and they have read `want` more
/// records; returns the values read.
async fn read_together(
    a: &mut GroupConsumer,
    b: &mut GroupConsumer,
    want: usize,
    what: &str,
) -> Vec<u32> {
    let mut read = Vec::new();
    wait_for(SETTLE, what, async || {
        for m in [&mut *a, &mut *b] {
            for r in m.poll(Duration::from_millis(100)).await.unwrap() {
                read.push(
                    String::from_utf8(r.value.unwrap().to_vec())
                        .unwrap()
                        .parse()
                        .unwrap(),
                );
            }
        }
        let (x, y): (BTreeSet<_>, BTreeSet<_>) = (
            a.assignment().into_iter().collect(),
            b.assignment().into_iter().collect(),
        );
        let split = !x.is_empty() && !y.is_empty() && x.is_disjoint(&y) && x.len() + y.len() == 6;
        (split && read.len() >= want).then_some(())
    })
    .await;
    read
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_different_brokers_form_one_group_that_outlives_its_coordinator() {
    let mut cluster = Cluster::start(3);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let client = Client::connect(&cluster.bootstrap()).await.unwrap();
    client
        .admin_raw()
        .create_topic(CreateTopicRequest {
            name: "shared".into(),
            partitions: 6,
            replication_factor: 3,
            configs: Default::default(),
        })
        .await
        .unwrap();
    produce(&client, 0..120).await;

    let mut a = member(&cluster.url(1)).await;
    let mut b = member(&cluster.url(2)).await;
    let first = read_together(&mut a, &mut b, 120, "120 records read by one group").await;
    let distinct: BTreeSet<u32> = first.iter().copied().collect();
    assert_eq!(distinct.len(), 120);
    a.commit().await.unwrap();
    b.commit().await.unwrap();

    // Any broker answers for the group's members: it forwards DescribeGroup
    // to the coordinator, which names itself.
    let mut coordinators = BTreeSet::new();
    for id in [1, 2, 3] {
        let admin = mq::Admin::new(&Client::connect(&cluster.url(id)).await.unwrap());
        let d = admin.describe_group("readers").await.unwrap();
        assert_eq!(d.members.len(), 2, "as node {id} describes it");
        coordinators.insert(d.coordinator);
    }
    assert_eq!(coordinators.len(), 1, "{coordinators:?}");
    let coordinator = coordinators.into_iter().next().unwrap();

    // The coordinator dies. The members find the next one, rejoin, split
    // the partitions again and resume from the commits.
    cluster.kill9(coordinator);
    produce(&client, 120..180).await;
    let second = read_together(&mut a, &mut b, 60, "the 60 new records after the failover").await;
    let old: Vec<&u32> = second.iter().filter(|v| **v < 120).collect();
    assert!(old.is_empty(), "committed records read again: {old:?}");
    let distinct: BTreeSet<u32> = second.iter().copied().collect();
    assert_eq!(distinct, (120..180).collect());
}
