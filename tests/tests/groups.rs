//! Consumer groups against a real mqd: partitions are shared with one owner
//! each, a crashed member's partitions move within its session timeout and
//! are read again from the last commit, the sticky assignor moves only what
//! it must, and offsets outlive the broker.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use mq::client::admin::ResetTo;
use mq::proto::{CommitOffsetsRequest, GroupDescription, GroupState, OffsetCommit};
use mq::{
    reason, Admin, Client, GroupConfig, GroupConsumer, OffsetReset, Producer, ProducerConfig,
    Record,
};
use mq_tests::{wait_for, DataDir, Mqd};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tonic::Code;

const PARTITIONS: u32 = 12;

fn config(group: &str, name: &str) -> GroupConfig {
    let mut c = GroupConfig::new(group, ["work"]);
    c.session_timeout = Duration::from_millis(2_000);
    c.heartbeat_interval = Duration::from_millis(200);
    c.auto_offset_reset = OffsetReset::Earliest;
    c.auto_commit = false;
    c.client_id = name.to_string();
    c
}

/// A running mqd with topic "work" of `partitions` partitions.
async fn with_work_topic(partitions: u32) -> (DataDir, Mqd, Client, Admin) {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    admin.create_topic("work", partitions, &[]).await.unwrap();
    (dir, mqd, client, admin)
}

async fn produce_round(client: &Client, round: usize, per_partition: usize) {
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for p in 0..PARTITIONS {
        for i in 0..per_partition {
            producer
                .send_to("work", p, Record::new(format!("r{round}-p{p}-{i}")))
                .await
                .unwrap();
        }
    }
    producer.flush().await.unwrap();
}

/// (member name, partition, offset) of every record a member polled.
type Seen = Arc<Mutex<Vec<(String, u32, i64)>>>;

/// A member that polls forever; commits after each poll unless `commit`
/// is false (it then loses everything it read when it crashes).
fn member(client: Client, name: &str, commit: bool, seen: Seen) -> JoinHandle<()> {
    let name = name.to_string();
    tokio::spawn(async move {
        let mut consumer = GroupConsumer::join(client, config("g", &name))
            .await
            .unwrap();
        loop {
            let records = consumer.poll(Duration::from_millis(100)).await.unwrap();
            let mut seen = seen.lock().await;
            for r in &records {
                seen.push((name.clone(), r.partition, r.offset));
            }
            drop(seen);
            if commit && !records.is_empty() {
                // A commit may be refused while the member is fenced (the
                // broker restarted); it rejoins and reads on from the last
                // commit that landed.
                if let Err(e) = consumer.commit().await {
                    assert_eq!(e.reason(), Some(reason::UNKNOWN_MEMBER), "{e}");
                }
            }
        }
    })
}

/// Polls until `n` records have come.
async fn read_at_least(consumer: &mut GroupConsumer, n: usize) {
    let mut read = 0;
    while read < n {
        read += consumer
            .poll(Duration::from_millis(200))
            .await
            .unwrap()
            .len();
    }
}

async fn describe(admin: &Admin) -> GroupDescription {
    admin.describe_group("g").await.unwrap()
}

/// Waits for a stable group of `members` members, each owning its share.
async fn stable_with(admin: &Admin, members: usize) -> GroupDescription {
    wait_for(Duration::from_secs(20), "a stable group", async || {
        // Not found until the first member has joined.
        let d = admin.describe_group("g").await.ok()?;
        let owned: usize = d
            .members
            .iter()
            .map(|m| {
                m.assignment
                    .iter()
                    .map(|t| t.partitions.len())
                    .sum::<usize>()
            })
            .sum();
        (d.state == GroupState::Stable as i32
            && d.members.len() == members
            && owned == PARTITIONS as usize)
            .then_some(d)
    })
    .await
}

/// Member client id -> partitions it owns.
fn owners(d: &GroupDescription) -> BTreeMap<String, BTreeSet<u32>> {
    d.members
        .iter()
        .map(|m| {
            let parts = m
                .assignment
                .iter()
                .flat_map(|t| t.partitions.iter().copied())
                .collect();
            (m.client_id.clone(), parts)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_share_partitions_and_a_crashed_members_work_is_read_again() {
    let (_dir, mqd, client, admin) = with_work_topic(PARTITIONS).await;

    let seen: Seen = Arc::default();
    let a = member(mqd.client().await, "a", true, seen.clone());
    let b = member(mqd.client().await, "b", true, seen.clone());
    let c = member(mqd.client().await, "c", false, seen.clone());
    let d = stable_with(&admin, 3).await;
    let before = owners(&d);
    // Produced once the group is settled, so each record has one possible
    // reader: its partition's owner.
    produce_round(&client, 0, 50).await;
    let all: BTreeSet<u32> = before.values().flatten().copied().collect();
    assert_eq!(
        all.len(),
        PARTITIONS as usize,
        "each partition has exactly one owner: {before:?}"
    );
    assert!(before.values().all(|p| p.len() == 4), "{before:?}");

    wait_for(
        Duration::from_secs(20),
        "the first round to be read",
        async || (seen.lock().await.len() >= (PARTITIONS * 50) as usize).then_some(()),
    )
    .await;
    {
        let seen = seen.lock().await;
        let mut per_partition: BTreeMap<u32, BTreeSet<&str>> = BTreeMap::new();
        for (name, p, _) in seen.iter() {
            per_partition.entry(*p).or_default().insert(name);
        }
        assert!(
            per_partition.values().all(|names| names.len() == 1),
            "one reader per partition: {per_partition:?}"
        );
    }

    // "c" dies without committing or leaving.
    c.abort();
    let _ = c.await;
    let d = stable_with(&admin, 2).await;
    let after = owners(&d);
    assert!(!after.contains_key("c"));
    assert!(after.values().all(|p| p.len() == 6), "{after:?}");

    produce_round(&client, 1, 50).await;
    let c_partitions = before["c"].clone();
    wait_for(
        Duration::from_secs(20),
        "c's records to be read again",
        async || {
            let seen = seen.lock().await;
            let mut by_survivors: BTreeMap<u32, BTreeSet<i64>> = BTreeMap::new();
            for (name, p, o) in seen.iter() {
                if name != "c" {
                    by_survivors.entry(*p).or_default().insert(*o);
                }
            }
            // Every partition: offsets 0..100 seen by a survivor (c's from the
            // start, since c never committed), with no gap.
            (0..PARTITIONS)
                .all(|p| {
                    let offsets = by_survivors.get(&p);
                    let wanted = if c_partitions.contains(&p) {
                        0..100
                    } else {
                        50..100
                    };
                    wanted
                        .into_iter()
                        .all(|o| offsets.is_some_and(|s| s.contains(&o)))
                })
                .then_some(())
        },
    )
    .await;

    // The survivors committed: lag is zero once they caught up.
    wait_for(Duration::from_secs(20), "the lag to drain", async || {
        let d = describe(&admin).await;
        (d.total_lag == 0).then_some(())
    })
    .await;
    a.abort();
    b.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fourth_member_takes_only_the_partitions_it_must() {
    let (_dir, mqd, _client, admin) = with_work_topic(PARTITIONS).await;
    let seen: Seen = Arc::default();
    let members: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|n| {
            let seen = seen.clone();
            let url = mqd.url();
            let name = n.to_string();
            tokio::spawn(async move {
                let client = Client::connect(&url).await.unwrap();
                member(client, &name, true, seen).await.unwrap();
            })
        })
        .collect();
    let before = owners(&stable_with(&admin, 3).await);
    let d = member(mqd.client().await, "d", true, seen.clone());
    let after = owners(&stable_with(&admin, 4).await);
    let moved: usize = ["a", "b", "c"]
        .iter()
        .map(|m| before[*m].difference(&after[*m]).count())
        .sum();
    assert_eq!(moved, 3, "before {before:?} after {after:?}");
    assert_eq!(after["d"].len(), 3);
    for m in members {
        m.abort();
    }
    d.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_survive_a_restart_and_admin_resets_them() {
    let (dir, mut mqd, client, admin) = with_work_topic(PARTITIONS).await;
    produce_round(&client, 0, 10).await;

    let mut consumer = GroupConsumer::join(client.clone(), config("g", "solo"))
        .await
        .unwrap();
    read_at_least(&mut consumer, (PARTITIONS * 10) as usize).await;
    consumer.commit().await.unwrap();

    // While the member lives, resets and deletes are refused.
    let err = admin
        .reset_offsets("g", &[("work", &[])], ResetTo::Earliest(true), true)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), Some(reason::GROUP_NOT_EMPTY), "{err}");
    let err = admin.delete_group("g").await.unwrap_err();
    assert_eq!(err.code(), Some(Code::FailedPrecondition), "{err}");
    consumer.close().await.unwrap();

    mqd.terminate(Duration::from_secs(20)).await;
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    let d = admin.describe_group("g").await.unwrap();
    assert_eq!(d.state, GroupState::Empty as i32);
    assert_eq!(d.partitions.len(), PARTITIONS as usize);
    assert!(
        d.partitions
            .iter()
            .all(|p| p.committed_offset == 10 && p.lag == 0),
        "{d:?}"
    );
    let groups = admin.list_groups().await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].group, "g");

    // A dry run plans without changing anything.
    let plan = admin
        .reset_offsets("g", &[("work", &[0, 1])], ResetTo::ShiftBy(-3), true)
        .await
        .unwrap();
    assert!(!plan.applied);
    assert_eq!(plan.changes.len(), 2);
    assert!(plan.changes.iter().all(|c| c.before == 10 && c.after == 7));
    assert_eq!(admin.describe_group("g").await.unwrap().total_lag, 0);

    let done = admin
        .reset_offsets("g", &[("work", &[])], ResetTo::Earliest(true), false)
        .await
        .unwrap();
    assert!(done.applied);
    assert_eq!(done.changes.len(), PARTITIONS as usize);
    assert_eq!(
        admin.describe_group("g").await.unwrap().total_lag,
        (PARTITIONS * 10) as i64
    );

    let err = admin
        .reset_offsets("g", &[("work", &[3])], ResetTo::Offset(99), false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(Code::OutOfRange), "{err}");
    assert_eq!(err.reason(), Some(reason::OFFSET_OUT_OF_RANGE));

    // A restarted member resumes from the reset offsets.
    let mut consumer = GroupConsumer::join(client.clone(), config("g", "again"))
        .await
        .unwrap();
    read_at_least(&mut consumer, (PARTITIONS * 10) as usize).await;
    consumer.close().await.unwrap();

    admin.delete_group("g").await.unwrap();
    let err = admin.describe_group("g").await.unwrap_err();
    assert_eq!(err.reason(), Some(reason::GROUP_NOT_FOUND), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_group_input_gets_clear_errors() {
    let (_dir, _mqd, client, _) = with_work_topic(2).await;

    let join = |topics: Vec<&str>, session: u32, heartbeat: u32, assignor: &str, group: &str| {
        let request = mq::proto::JoinGroupRequest {
            group: group.into(),
            topics: topics.into_iter().map(String::from).collect(),
            session_timeout_ms: session,
            heartbeat_interval_ms: heartbeat,
            assignor: assignor.into(),
            client_id: "t".into(),
        };
        let client = client.clone();
        async move {
            client
                .broker()
                .join_group(request)
                .await
                .map_err(mq::Error::from)
        }
    };
    let err = join(vec!["wrok"], 0, 0, "", "g").await.unwrap_err();
    assert_eq!(err.reason(), Some(reason::TOPIC_NOT_FOUND), "{err}");
    assert!(
        err.to_string().contains("work"),
        "suggests the near miss: {err}"
    );
    let err = join(vec!["work"], 500, 0, "", "g").await.unwrap_err();
    assert_eq!(err.code(), Some(Code::InvalidArgument));
    assert!(err.to_string().contains("1000..=300000"), "{err}");
    let err = join(vec!["work"], 5000, 5000, "", "g").await.unwrap_err();
    assert!(
        err.to_string().contains("below the session timeout"),
        "{err}"
    );
    let err = join(vec!["work"], 0, 0, "fastest", "g").await.unwrap_err();
    assert!(
        err.to_string().contains("sticky, range, roundrobin"),
        "{err}"
    );
    let err = join(vec!["work"], 0, 0, "", "bad/name").await.unwrap_err();
    assert!(err.to_string().contains("invalid group name"), "{err}");

    // One member owns both partitions; a second owns none until a rebalance.
    let first = join(vec!["work"], 0, 0, "", "g")
        .await
        .unwrap()
        .into_inner();
    let commit = |member: String, partition: u32| {
        let request = CommitOffsetsRequest {
            group: "g".into(),
            member_id: member,
            offsets: vec![OffsetCommit {
                topic: "work".into(),
                partition,
                offset: 0,
                metadata: String::new(),
            }],
        };
        let client = client.clone();
        async move {
            client
                .broker()
                .commit_offsets(request)
                .await
                .map_err(mq::Error::from)
        }
    };
    // The first member reports that it reads both partitions.
    client
        .broker()
        .heartbeat(mq::proto::HeartbeatRequest {
            group: "g".into(),
            member_id: first.member_id.clone(),
            owned: vec![mq::proto::TopicPartitions {
                topic: "work".into(),
                partitions: vec![0, 1],
            }],
            max_wait_ms: 0,
            seq: 0,
            applied_assignment_seq: 0,
        })
        .await
        .unwrap();
    let second = join(vec!["work"], 0, 0, "", "g")
        .await
        .unwrap()
        .into_inner();
    assert!(
        second.assignment.is_empty(),
        "partitions still owned by the first are not handed out yet"
    );
    let err = commit(second.member_id.clone(), 0).await.unwrap_err();
    assert_eq!(err.reason(), Some(reason::PARTITION_NOT_ASSIGNED), "{err}");
    commit(first.member_id.clone(), 0).await.unwrap();
    let err = commit("nobody-1-0".into(), 0).await.unwrap_err();
    assert_eq!(err.code(), Some(Code::FailedPrecondition));
    assert_eq!(err.reason(), Some(reason::UNKNOWN_MEMBER), "{err}");
    assert!(err.to_string().contains("join the group again"), "{err}");

    // A fetch on behalf of a member that does not own the partition.
    let err = client
        .broker()
        .fetch(mq::proto::FetchRequest {
            topic: "work".into(),
            partition: 1,
            offset: 0,
            max_bytes: 0,
            max_wait_ms: 0,
            group: "g".into(),
            member_id: second.member_id.clone(),
            ..Default::default()
        })
        .await
        .map_err(mq::Error::from)
        .unwrap_err();
    assert_eq!(err.reason(), Some(reason::PARTITION_NOT_ASSIGNED), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_members_rejoin_after_a_broker_restart_and_resume_from_their_commits() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start(&dir);
    let address = mqd.url();
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("work", PARTITIONS, &[])
        .await
        .unwrap();
    produce_round(&client, 0, 20).await;

    let seen: Seen = Arc::default();
    let reader = member(
        Client::connect(&address).await.unwrap(),
        "r",
        true,
        seen.clone(),
    );
    wait_for(Duration::from_secs(20), "the first round", async || {
        (seen.lock().await.len() >= (PARTITIONS * 20) as usize).then_some(())
    })
    .await;
    // Let the last commit land, then restart mqd on the same address.
    wait_for(
        Duration::from_secs(20),
        "the first round committed",
        async || {
            let d = Admin::new(&client).describe_group("g").await.ok()?;
            (d.total_lag == 0).then_some(())
        },
    )
    .await;
    mqd.terminate(Duration::from_secs(20)).await;
    let mqd = Mqd::restart_on(&dir, &address);
    let client = mqd.client().await;
    produce_round(&client, 1, 20).await;

    // The member finds itself unknown, joins again, and reads on from its
    // committed offsets: the second round once, the first not again.
    wait_for(Duration::from_secs(30), "the second round", async || {
        (seen.lock().await.len() >= (PARTITIONS * 40) as usize).then_some(())
    })
    .await;
    let seen = seen.lock().await.clone();
    let mut counts: BTreeMap<(u32, i64), usize> = BTreeMap::new();
    for (_, p, o) in &seen {
        *counts.entry((*p, *o)).or_default() += 1;
    }
    assert_eq!(counts.len(), (PARTITIONS * 40) as usize);
    assert!(counts.values().all(|n| *n == 1), "nothing read twice");
    reader.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_committed_offset_lost_to_retention_restarts_from_the_reset_policy() {
    let dir = DataDir::new();
    let mqd = Mqd::start_with_config(&dir, "[storage]\nretention_check_interval_ms = 100\n", &[]);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    admin
        .create_topic("work", 1, &[("segment.bytes", "4096")])
        .await
        .unwrap();
    let producer = Producer::new(
        client.clone(),
        ProducerConfig {
            batch_bytes: 1024,
            ..ProducerConfig::default()
        },
    );
    let send = |from: usize| {
        let producer = producer.clone();
        async move {
            for i in from..from + 200 {
                producer
                    .send_to("work", 0, Record::new(format!("{i:05}").repeat(20)))
                    .await
                    .unwrap();
            }
            producer.flush().await.unwrap();
        }
    };
    send(0).await;
    // Commit offset 5, then let retention delete far past it.
    let mut consumer = GroupConsumer::join(client.clone(), config("g", "early"))
        .await
        .unwrap();
    let mut got = 0;
    while got == 0 {
        got = consumer
            .poll(Duration::from_millis(200))
            .await
            .unwrap()
            .len();
    }
    consumer.close().await.unwrap();
    admin
        .reset_offsets("g", &[("work", &[0])], ResetTo::Offset(5), false)
        .await
        .unwrap();
    // Only now does retention start to delete old segments.
    admin
        .alter_topic_config("work", &[("retention.bytes", "16384")], &[])
        .await
        .unwrap();
    send(200).await;
    wait_for(
        Duration::from_secs(20),
        "retention to pass offset 5",
        async || {
            let d = admin.describe_topic("work").await.ok()?;
            (d.partitions[0].log_start_offset > 5).then_some(d.partitions[0].log_start_offset)
        },
    )
    .await;

    // The new member's committed offset is below the log start: it resets
    // to the earliest offset instead of failing.
    let mut consumer = GroupConsumer::join(client.clone(), config("g", "late"))
        .await
        .unwrap();
    let first = wait_for(
        Duration::from_secs(20),
        "records after the reset",
        async || {
            let records = consumer.poll(Duration::from_millis(100)).await.unwrap();
            records.first().map(|r| r.offset)
        },
    )
    .await;
    let log_start = admin.describe_topic("work").await.unwrap().partitions[0].log_start_offset;
    assert!(
        first > 5 && first <= log_start + 100,
        "first {first}, log start {log_start}"
    );
    consumer.close().await.unwrap();
}

/// Raw heartbeat of `member` reporting `owned` partitions of topic "work".
async fn beat(
    client: &Client,
    group: &str,
    member: &str,
    owned: &[u32],
    seq: u64,
    applied: u64,
    max_wait_ms: u32,
) -> mq::proto::GroupAssignment {
    client
        .broker()
        .heartbeat(mq::proto::HeartbeatRequest {
            group: group.into(),
            member_id: member.into(),
            owned: vec![mq::proto::TopicPartitions {
                topic: "work".into(),
                partitions: owned.to_vec(),
            }],
            max_wait_ms,
            seq,
            applied_assignment_seq: applied,
        })
        .await
        .unwrap()
        .into_inner()
}

async fn raw_join(client: &Client, group: &str) -> mq::proto::GroupAssignment {
    client
        .broker()
        .join_group(mq::proto::JoinGroupRequest {
            group: group.into(),
            topics: vec!["work".into()],
            session_timeout_ms: 300_000,
            heartbeat_interval_ms: 100_000,
            assignor: String::new(),
            client_id: "raw".into(),
        })
        .await
        .unwrap()
        .into_inner()
}

fn partitions(a: &mq::proto::GroupAssignment) -> Vec<u32> {
    a.assignment
        .iter()
        .flat_map(|t| t.partitions.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_cannot_free_partitions_a_member_may_be_reading() {
    let (_dir, _mqd, client, _) = with_work_topic(2).await;

    // A late heartbeat (lower sequence) does not overwrite a newer report.
    let a = raw_join(&client, "ordered").await;
    assert_eq!(partitions(&a), vec![0, 1]);
    beat(
        &client,
        "ordered",
        &a.member_id,
        &[0, 1],
        2,
        a.assignment_seq,
        0,
    )
    .await;
    let b = raw_join(&client, "ordered").await;
    assert!(partitions(&b).is_empty(), "a still reads both: {b:?}");
    beat(
        &client,
        "ordered",
        &a.member_id,
        &[],
        1,
        a.assignment_seq,
        0,
    )
    .await;
    let b = beat(
        &client,
        "ordered",
        &b.member_id,
        &[],
        1,
        b.assignment_seq,
        0,
    )
    .await;
    assert!(
        partitions(&b).is_empty(),
        "the stale report freed nothing: {b:?}"
    );

    // A report sent before the member applied its answer does not free
    // the partitions that answer gave it.
    let a = raw_join(&client, "applied").await;
    let b = raw_join(&client, "applied").await;
    assert!(partitions(&b).is_empty(), "a may be taking both up: {b:?}");
    beat(
        &client,
        "applied",
        &a.member_id,
        &[],
        1,
        a.assignment_seq - 1,
        0,
    )
    .await;
    let b = beat(
        &client,
        "applied",
        &b.member_id,
        &[],
        1,
        b.assignment_seq,
        0,
    )
    .await;
    assert!(
        partitions(&b).is_empty(),
        "not freed by an old report: {b:?}"
    );
    // Once a reports, having applied the answer, that it reads nothing,
    // the partition moving to b is free.
    beat(
        &client,
        "applied",
        &a.member_id,
        &[],
        2,
        a.assignment_seq,
        0,
    )
    .await;
    let b = beat(
        &client,
        "applied",
        &b.member_id,
        &[],
        2,
        b.assignment_seq,
        0,
    )
    .await;
    assert_eq!(partitions(&b).len(), 1, "{b:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_heartbeat_is_answered_when_the_group_changes() {
    let (_dir, _mqd, client, _) = with_work_topic(2).await;
    let a = raw_join(&client, "g").await;
    let seq = a.assignment_seq;
    let member = a.member_id.clone();
    let waiting = {
        let client = client.clone();
        // Nothing new for "a": the broker may hold this for up to 120 s.
        tokio::spawn(async move { beat(&client, "g", &member, &[0, 1], 1, seq, 120_000).await })
    };
    raw_join(&client, "g").await;
    // Answered because the group changed, long before the 120 s are up.
    let answer = tokio::time::timeout(Duration::from_secs(60), waiting)
        .await
        .expect("the heartbeat was answered when a member joined")
        .unwrap();
    assert_eq!(
        partitions(&answer).len(),
        1,
        "a gives one partition up: {answer:?}"
    );
}
