//! Group benchmarks: commit throughput and rebalance time.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::{new_histogram, Latency, Report};
use crate::error::{Error, Result};
use crate::proto::{CommitOffsetsRequest, GroupState, JoinGroupRequest, OffsetCommit};
use crate::{Admin, Client, GroupConfig, GroupConsumer, OffsetReset};

/// Commits `commits` times from `concurrency` members (one partition each,
/// one offset per commit), each waiting for its commit to be durable.
pub async fn commits(servers: &str, commits: u64, concurrency: u32) -> Result<Report> {
    let client = Client::connect(servers).await?;
    let topic = format!("bench-commits-{}", std::process::id());
    let admin = Admin::new(&client);
    admin.create_topic(&topic, concurrency.max(1), &[]).await?;
    let group = format!("{topic}-group");
    let mut members = Vec::new();
    // One member per partition: join all, then wait until each holds one.
    for _ in 0..concurrency.max(1) {
        let answer = client
            .broker()
            .join_group(JoinGroupRequest {
                group: group.clone(),
                topics: vec![topic.clone()],
                session_timeout_ms: 60_000,
                heartbeat_interval_ms: 0,
                assignor: "roundrobin".into(),
                client_id: "bench".into(),
            })
            .await?
            .into_inner();
        members.push(answer.member_id);
    }
    // Heartbeat in rounds, each member reporting what it was given, until
    // every member holds its one partition.
    let mut state: Vec<(Vec<crate::proto::TopicPartitions>, u64)> =
        vec![(Vec::new(), 0); members.len()];
    let mut owned = Vec::new();
    for _round in 0..20 {
        owned.clear();
        for (member, (given, seq)) in members.iter().zip(state.iter_mut()) {
            let answer = client
                .broker()
                .heartbeat(crate::proto::HeartbeatRequest {
                    group: group.clone(),
                    member_id: member.clone(),
                    owned: given.clone(),
                    max_wait_ms: 0,
                    seq: 0,
                    applied_assignment_seq: *seq,
                })
                .await?
                .into_inner();
            *given = answer.assignment.clone();
            *seq = answer.assignment_seq;
            if let Some(p) = answer
                .assignment
                .first()
                .and_then(|t| t.partitions.first().copied())
            {
                owned.push((member.clone(), p));
            }
        }
        if owned.len() == members.len() {
            break;
        }
    }
    if owned.len() != members.len() {
        return Err(Error::InvalidArgument(
            "bench members did not settle on one partition each".into(),
        ));
    }
    let per_member = commits / owned.len() as u64;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (member, partition) in owned {
        let (client, group, topic) = (client.clone(), group.clone(), topic.clone());
        tasks.push(tokio::spawn(async move {
            let mut histogram = new_histogram();
            for _ in 0..per_member {
                let sent = Instant::now();
                client
                    .broker()
                    .commit_offsets(CommitOffsetsRequest {
                        group: group.clone(),
                        member_id: member.clone(),
                        offsets: vec![OffsetCommit {
                            topic: topic.clone(),
                            partition,
                            offset: 0,
                            metadata: String::new(),
                        }],
                    })
                    .await?;
                let _ = histogram.record(sent.elapsed().as_micros() as u64);
            }
            Ok::<_, Error>(histogram)
        }));
    }
    let mut all: Histogram<u64> = new_histogram();
    for task in tasks {
        let h = task
            .await
            .map_err(|e| Error::InvalidArgument(format!("commit task failed: {e}")))??;
        all.add(h)
            .map_err(|e| Error::InvalidArgument(format!("histogram: {e}")))?;
    }
    let elapsed = started.elapsed();
    admin.delete_topic(&topic).await?;
    Ok(Report {
        records: per_member * members.len() as u64,
        bytes: 0,
        elapsed,
        latency: Some(Latency {
            p50_us: all.value_at_quantile(0.5),
            p99_us: all.value_at_quantile(0.99),
            p999_us: all.value_at_quantile(0.999),
            max_us: all.max(),
        }),
    })
}

/// Time for a group of `members` over `partitions` partitions to be stable
/// again after one more member joins, with the given heartbeat interval.
pub async fn rebalance(
    servers: &str,
    partitions: u32,
    members: u32,
    heartbeat: Duration,
) -> Result<Duration> {
    let client = Client::connect(servers).await?;
    let topic = format!("bench-rebalance-{}", std::process::id());
    let admin = Admin::new(&client);
    admin.create_topic(&topic, partitions, &[]).await?;
    let group = format!("{topic}-group");
    let config = {
        let mut c = GroupConfig::new(&group, [topic.clone()]);
        c.heartbeat_interval = heartbeat;
        c.session_timeout = (heartbeat * 10).max(Duration::from_secs(1));
        c.auto_offset_reset = OffsetReset::Latest;
        c
    };
    let spawn_member =
        |client: Client, config: GroupConfig| tokio::spawn(run_member(client, config));
    let mut tasks = Vec::new();
    for _ in 0..members {
        tasks.push(spawn_member(
            Client::connect(servers).await?,
            config.clone(),
        ));
    }
    wait_stable(&admin, &group, members as usize).await?;
    let started = Instant::now();
    tasks.push(spawn_member(
        Client::connect(servers).await?,
        config.clone(),
    ));
    wait_stable(&admin, &group, members as usize + 1).await?;
    let elapsed = started.elapsed();
    for task in tasks {
        task.abort();
    }
    admin.delete_topic(&topic).await?;
    Ok(elapsed)
}

/// A member that polls until aborted.
async fn run_member(client: Client, config: GroupConfig) -> Result<()> {
    let mut consumer = GroupConsumer::join(client, config).await?;
    loop {
        consumer.poll(Duration::from_millis(20)).await?;
    }
}

async fn wait_stable(admin: &Admin, group: &str, members: usize) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(d) = admin.describe_group(group).await {
            if d.state == GroupState::Stable as i32 && d.members.len() == members {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return Err(Error::InvalidArgument(format!(
                "group {group} did not settle with {members} members within 120 s"
            )));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
