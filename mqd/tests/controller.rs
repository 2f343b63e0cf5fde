//! The controller's Raft group in one process, nodes wired together in
//! memory: log compaction into snapshots, a node that joins late catching
//! up by a snapshot install (its missing entries are purged everywhere),
//! and a restart restoring the state from snapshot plus log.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mqd::cluster::controller::NodeInfo;
use mqd::cluster::state::Command;
use mqd::cluster::transport::{PeerCall, PeerReply, PeerTransport};
use mqd::cluster::{ClusterSettings, Compaction, Controller};
use parking_lot::Mutex;

/// Routes calls to in-process controllers by address; an address with no
/// running node is unreachable.
#[derive(Default)]
struct Wires {
    nodes: Mutex<HashMap<String, Arc<Controller>>>,
}

impl PeerTransport for Wires {
    fn call(&self, address: &str, call: PeerCall, body: Vec<u8>, timeout: Duration) -> PeerReply {
        let node = self.nodes.lock().get(address).cloned();
        let address = address.to_string();
        Box::pin(async move {
            let node = node.ok_or_else(|| format!("{address} is unreachable"))?;
            tokio::time::timeout(timeout, node.serve_peer(call, &body))
                .await
                .map_err(|_| format!("{address} timed out"))?
                .map_err(|e| e.to_string())
        })
    }
}

const SETTLE: Duration = Duration::from_secs(30);

fn voters() -> BTreeMap<u32, String> {
    (1..=3).map(|id| (id, format!("node{id}"))).collect()
}

async fn start(id: u32, dir: &Path, wires: &Arc<Wires>) -> Arc<Controller> {
    let settings = ClusterSettings {
        heartbeat_interval: Duration::from_millis(200),
        session_timeout: Duration::from_secs(2),
        replica_lag_time_max: Duration::from_secs(10),
        compaction: Compaction {
            snapshot_every: 20,
            keep_after_snapshot: 5,
        },
    };
    let me = NodeInfo {
        node_id: id,
        cluster_id: format!("c{id}"),
        address: format!("node{id}"),
        version: "test".into(),
    };
    // sled lets go of a closed database's lock a moment after the last
    // handle is dropped, so a restart retries briefly.
    let deadline = Instant::now() + SETTLE;
    let node = loop {
        let transport: Arc<dyn PeerTransport> = wires.clone();
        match Controller::start(me.clone(), &voters(), dir, transport, settings).await {
            Ok(node) => break node,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("node {id} did not start: {e}"),
        }
    };
    wires.nodes.lock().insert(me.address, node.clone());
    node
}

async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + SETTLE;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn register(n: u64) -> Command {
    Command::Register {
        node_id: 7,
        address: "node7".into(),
        version: "test".into(),
        boot_id: n,
        at_ms: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_node_catches_up_by_snapshot_and_a_restart_restores_the_state() {
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let wires = Arc::new(Wires::default());
    let one = start(1, dirs[0].path(), &wires).await;
    let two = start(2, dirs[1].path(), &wires).await;
    until("a controller among nodes 1 and 2", || {
        one.status().leader.is_some()
    })
    .await;

    // 100 changes: five snapshots' worth, with the log purged behind them.
    for n in 1..=100 {
        one.write(register(n)).await.unwrap();
    }
    let incarnation = |c: &Controller| c.state().brokers.get(&7).map(|b| b.incarnation);
    until("node 2 to apply every change", || {
        incarnation(&two) == Some(100)
    })
    .await;
    // Snapshots are built in the background after every 20 entries.
    for node in [&one, &two] {
        until("a snapshot and a compacted log", || {
            let st = node.status();
            st.snapshot.is_some_and(|i| i >= 80) && st.purged.is_some_and(|i| i >= 70)
        })
        .await;
    }

    // Node 3 starts with an empty log; the entries it lacks are gone from
    // the others' logs, so only a snapshot install can bring it up to date.
    let three = start(3, dirs[2].path(), &wires).await;
    until("node 3 to catch up", || incarnation(&three) == Some(100)).await;
    assert!(three.status().snapshot.is_some(), "{:?}", three.status());
    assert_eq!(*three.state(), *one.state());

    // A restart rebuilds the state from the snapshot and the log after it.
    let before = one.state();
    one.shutdown().await;
    wires.nodes.lock().remove("node1");
    drop(one);
    let one = start(1, dirs[0].path(), &wires).await;
    until("node 1 to apply its log again", || {
        incarnation(&one) == Some(100)
    })
    .await;
    assert_eq!(*one.state(), *before);

    // And the group still commits with the restarted node in it.
    three.write(register(101)).await.unwrap();
    until("the write to reach every node", || {
        [&one, &two, &three]
            .iter()
            .all(|n| incarnation(n) == Some(101))
    })
    .await;
    for node in [&one, &two, &three] {
        node.shutdown().await;
    }
}
