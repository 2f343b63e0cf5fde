//! The controller across real mqd processes: election, broker
//! registration, fencing of silent brokers (kill -9 and SIGSTOP),
//! re-registration, failover of the controller itself, and state that
//! survives a restart of every node.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use mq::proto::{AlertState, ClusterStatusRequest, ListAlertsRequest};
use mq_tests::cluster::Cluster;
use mq_tests::{wait_for, DataDir, Mqd};

const SETTLE: Duration = Duration::from_secs(30);

fn incarnation(brokers: &[mq::proto::BrokerStatus], id: u32) -> u64 {
    brokers
        .iter()
        .find(|b| b.node_id == id)
        .unwrap()
        .incarnation
}

/// The broker-down alert about `subject` in `state`, if there is one.
async fn broker_down(
    client: &mq::Client,
    state: AlertState,
    subject: &str,
) -> Option<mq::proto::Alert> {
    let request = ListAlertsRequest {
        state: state as i32,
    };
    let alerts = client.admin_raw().list_alerts(request).await.ok()?;
    alerts
        .into_inner()
        .alerts
        .into_iter()
        .find(|a| a.rule == "broker-down" && a.subject == subject)
}

/// The data plane's Metadata: the controller and the live brokers' ids.
async fn metadata_brokers(cluster: &Cluster, asked: u32) -> (u32, Vec<u32>) {
    let client = mq::Client::connect(&cluster.url(asked)).await.unwrap();
    let request = mq::proto::MetadataRequest::default();
    let m = client
        .broker()
        .metadata(request)
        .await
        .unwrap()
        .into_inner();
    (
        m.controller_id,
        m.brokers.iter().map(|b| b.node_id).collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brokers_are_fenced_when_silent_and_readmitted_when_back() {
    let mut cluster = Cluster::start(3);
    let controller = cluster.wait_settled(&[1, 2, 3], SETTLE).await;

    // Every node reports the same cluster, voters and controller.
    let mut ids = Vec::new();
    for id in 1..=3 {
        let st = cluster.status(id).await.unwrap();
        assert_eq!(st.voters.len(), 3);
        assert_eq!(st.controller_id, Some(controller));
        assert_eq!(st.role == "leader", id == controller, "node {id}: {st:?}");
        ids.push(st.cluster_id);
    }
    assert!(
        ids.iter().all(|c| c == &ids[0]),
        "cluster ids differ: {ids:?}"
    );

    // kill -9 a follower: the others fence it, saying why.
    let victim = (1..=3).find(|id| *id != controller).unwrap();
    cluster.kill9(victim);
    let alive: Vec<u32> = (1..=3).filter(|id| *id != victim).collect();
    cluster.wait_settled(&alive, SETTLE).await;
    let brokers = cluster.brokers(controller).await.unwrap();
    let down = brokers.iter().find(|b| b.node_id == victim).unwrap();
    assert!(down.down_reason.contains("no heartbeat"), "{down:?}");
    assert_eq!(down.incarnation, 1);
    let (_, live) = metadata_brokers(&cluster, controller).await;
    assert!(!live.contains(&victim), "{live:?}");

    // The same in Prometheus and as a firing broker-down alert.
    let (_, metrics) = cluster.node(controller).http_get("/metrics");
    for line in [
        "mq_raft_is_leader 1",
        "mq_cluster_brokers{state=\"alive\"} 2",
        "mq_cluster_brokers{state=\"down\"} 1",
        &format!("mq_raft_leader {controller}"),
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} missing:\n{metrics}"
        );
    }
    let client = mq::Client::connect(&cluster.url(controller)).await.unwrap();
    let subject = format!("broker {victim}");
    let alert = wait_for(SETTLE, "a firing broker-down alert", async || {
        broker_down(&client, AlertState::Firing, &subject).await
    })
    .await;
    assert!(alert.message.contains("fenced"), "{alert:?}");

    // Back: it registers again as a new life.
    cluster.start_node(victim);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let brokers = cluster.brokers(victim).await.unwrap();
    assert_eq!(incarnation(&brokers, victim), 2);
    wait_for(SETTLE, "the broker-down alert to resolve", async || {
        broker_down(&client, AlertState::Resolved, &subject).await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_controller_takes_over_and_a_paused_one_steps_down() {
    let mut cluster = Cluster::start(3);
    let first = cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let term = cluster.status(first).await.unwrap().raft_term;

    // kill -9 the controller: the other two elect one of themselves in a
    // later term and fence the old one.
    cluster.kill9(first);
    let rest: Vec<u32> = (1..=3).filter(|id| *id != first).collect();
    let second = cluster.wait_settled(&rest, SETTLE).await;
    assert_ne!(second, first);
    assert!(cluster.status(second).await.unwrap().raft_term > term);
    cluster.start_node(first);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;

    // SIGSTOP the controller past the session timeout (a stand-in for a
    // network partition): the others replace and fence it. SIGCONT: it
    // learns of the later term, steps down and registers again.
    let paused = cluster.agreed_controller().await.unwrap();
    let lives = incarnation(&cluster.brokers(paused).await.unwrap(), paused);
    cluster.node(paused).signal("STOP");
    let rest: Vec<u32> = (1..=3).filter(|id| *id != paused).collect();
    // wait_settled asks every running node, and the paused one cannot
    // answer: ask the others. The fence is itself a metadata write, so the
    // new controller is seen committing while the old one is stopped.
    let third = wait_for(
        SETTLE,
        "a new controller without the paused node",
        async || {
            let mut leaders = Vec::new();
            for id in &rest {
                leaders.push(cluster.status(*id).await?.controller_id?);
            }
            let brokers = cluster.brokers(rest[0]).await?;
            let fenced = brokers.iter().any(|b| b.node_id == paused && !b.alive);
            (leaders.iter().all(|l| *l == leaders[0] && *l != paused) && fenced)
                .then_some(leaders[0])
        },
    )
    .await;
    cluster.node(paused).signal("CONT");
    let back = cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    assert_eq!(
        back, third,
        "the resumed node must not take control back by itself"
    );
    let st = cluster.status(paused).await.unwrap();
    assert_ne!(st.role, "leader");
    // Asked of the controller: the resumed node's own view may lag a
    // moment behind the log.
    assert_eq!(
        incarnation(&cluster.brokers(third).await.unwrap(), paused),
        lives + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_that_stops_cleanly_says_so_and_comes_back() {
    let mut cluster = Cluster::start(3);
    let controller = cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    // Both a follower and then the controller itself leave cleanly: each
    // is fenced as having shut down, not for silence.
    let follower = (1..=3).find(|id| *id != controller).unwrap();
    for leaving in [follower, controller] {
        assert!(cluster.terminate(leaving).await.success());
        let rest: Vec<u32> = cluster.running();
        cluster.wait_settled(&rest, SETTLE).await;
        let asked = rest[0];
        let brokers = cluster.brokers(asked).await.unwrap();
        let gone = brokers.iter().find(|b| b.node_id == leaving).unwrap();
        assert_eq!(gone.down_reason, "fenced: shut down cleanly", "{gone:?}");
        if leaving == follower {
            cluster.start_node(follower);
            cluster.wait_settled(&[1, 2, 3], SETTLE).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controllers_state_survives_a_restart_of_every_node() {
    let mut cluster = Cluster::start(3);
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let before = cluster.status(1).await.unwrap();
    for id in 1..=3 {
        cluster.kill9(id);
    }
    for id in 1..=3 {
        cluster.start_node(id);
    }
    cluster.wait_settled(&[1, 2, 3], SETTLE).await;
    let after = cluster.status(1).await.unwrap();
    assert_eq!(after.cluster_id, before.cluster_id);
    // A restarted leader whose vote was committed may lead again in the
    // same term (openraft resumes it); terms never go back.
    assert!(after.raft_term >= before.raft_term, "{before:?} {after:?}");
    assert!(after.commit_index > before.commit_index);
    // The broker records came back from disk: each registration is a
    // second life, not a first.
    let brokers = cluster.brokers(1).await.unwrap();
    for id in 1..=3 {
        assert_eq!(incarnation(&brokers, id), 2, "{brokers:?}");
    }
}

async fn cluster_id(client: &mq::Client) -> String {
    let request = mq::proto::MetadataRequest::default();
    client
        .broker()
        .metadata(request)
        .await
        .unwrap()
        .into_inner()
        .cluster_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_node_is_a_cluster_of_one() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let metadata_id = cluster_id(&client).await;
    let st = wait_for(
        Duration::from_secs(10),
        "the node to lead itself",
        async || {
            let st = client
                .admin_raw()
                .cluster_status(ClusterStatusRequest {})
                .await
                .ok()?
                .into_inner();
            (st.controller_id == Some(1) && st.brokers_alive == 1).then_some(st)
        },
    )
    .await;
    assert_eq!(st.role, "leader");
    assert_eq!(st.voters.len(), 1);
    assert_eq!(st.cluster_id, metadata_id);
    // The data directory keeps its cluster id across restarts.
    let url = mqd.url();
    drop(client);
    mqd.terminate(Duration::from_secs(20)).await;
    let mqd = Mqd::restart_on(&dir, &url);
    let client = mqd.client().await;
    let again = cluster_id(&client).await;
    assert_eq!(again, metadata_id);
}
