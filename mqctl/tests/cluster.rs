//! mqctl's cluster verbs against real mqd processes: status, brokers,
//! health, `cluster wait --healthy` and `broker safe-to-stop`, with their
//! exit codes, on three nodes and on one.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use assert_cmd::Command;
use mq_tests::cluster::Cluster;
use mq_tests::{DataDir, Mqd};

const SETTLE: Duration = Duration::from_secs(30);

fn mqctl(server: &str, args: &[&str]) -> std::process::Output {
    let config = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_mqctl"))
        .env_remove("MQ_CONTEXT")
        .env("MQCTL_CONFIG", config.path().join("mqctl.toml"))
        .env("MQ_SERVER", server)
        .env("NO_COLOR", "1")
        .args(args)
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_restart_helpers_follow_the_clusters_health() {
    let mut cluster = Cluster::start(3);
    let url = cluster.url(1);
    let wait = mqctl(&url, &["cluster", "wait", "--healthy", "--timeout", "30s"]);
    assert!(wait.status.success(), "{wait:?}");
    let controller = cluster.agreed_controller().await.unwrap();

    let status = json(&mqctl(&url, &["-o", "json", "cluster", "status"]));
    assert_eq!(status["controller_id"], controller);
    assert_eq!(status["voters"].as_array().unwrap().len(), 3);
    assert_eq!(status["brokers_alive"], 3);
    let brokers = json(&mqctl(&url, &["-o", "json", "cluster", "brokers"]));
    assert_eq!(brokers.as_array().unwrap().len(), 3);
    assert!(brokers
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["alive"] == true));

    // A topic gets three replicas by default.
    let created = mqctl(&url, &["topic", "create", "orders", "-p", "1"]);
    assert!(created.status.success(), "{created:?}");
    let parts = json(&mqctl(
        &url,
        &["-o", "json", "cluster", "partitions", "--topic", "orders"],
    ));
    assert_eq!(parts[0]["replicas"].as_array().unwrap().len(), 3, "{parts}");
    let wait = mqctl(&url, &["cluster", "wait", "--healthy", "--timeout", "30s"]);
    assert!(wait.status.success(), "{wait:?}");

    // With all three up, any one may stop.
    let safe = mqctl(&url, &["broker", "safe-to-stop", "3"]);
    assert!(safe.status.success(), "{safe:?}");

    // One down: the cluster is unhealthy, and stopping a second voter
    // would cost the controller its majority.
    cluster.kill9(3);
    cluster.wait_settled(&[1, 2], SETTLE).await;
    let health = mqctl(&url, &["cluster", "health"]);
    assert_eq!(health.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&health.stderr).contains("broker 3 is down"));
    // Its replica left the ISR when it was fenced.
    let under = json(&mqctl(
        &url,
        &[
            "-o",
            "json",
            "cluster",
            "partitions",
            "--topic",
            "orders",
            "--under-replicated",
        ],
    ));
    assert_eq!(under[0]["topic"], "orders", "{under}");
    assert!(
        !under[0]["isr"].as_array().unwrap().contains(&3.into()),
        "{under}"
    );
    let unsafe_stop = mqctl(&url, &["-o", "json", "broker", "safe-to-stop", "2"]);
    assert_eq!(unsafe_stop.status.code(), Some(6));
    let verdict = json(&unsafe_stop);
    assert_eq!(verdict["safe"], false);
    assert!(verdict["reasons"][0]
        .as_str()
        .unwrap()
        .contains("1 of 3 voters would be left, 2 are needed"));
    // The one already down may "stop" again; an unknown id is exit 3.
    assert!(mqctl(&url, &["broker", "safe-to-stop", "3"])
        .status
        .success());
    assert_eq!(
        mqctl(&url, &["broker", "safe-to-stop", "9"]).status.code(),
        Some(3)
    );

    // wait gives up with exit 6 while a broker stays down, and succeeds
    // once it is back.
    let waited = mqctl(&url, &["cluster", "wait", "--healthy", "--timeout", "1s"]);
    assert_eq!(waited.status.code(), Some(6));
    cluster.start_node(3);
    let wait = mqctl(&url, &["cluster", "wait", "--healthy", "--timeout", "30s"]);
    assert!(wait.status.success(), "{wait:?}");

    // Move the partition to two replicas, 2 preferred, and wait for it.
    let moved = json(&mqctl(
        &url,
        &[
            "-o",
            "json",
            "cluster",
            "reassign",
            "orders",
            "0",
            "--replicas",
            "2,1",
            "--wait",
            "--timeout",
            "30s",
        ],
    ));
    assert_eq!(
        (&moved["done"], &moved["replicas"]),
        (&true.into(), &serde_json::json!([2, 1])),
        "{moved}"
    );
    // Leadership goes to 2 on request (it may have it already).
    let elected = mqctl(
        &url,
        &["-o", "json", "cluster", "elect-leader", "--topic", "orders"],
    );
    assert!(elected.status.success(), "{elected:?}");
    assert_eq!(
        json(&elected)[0]["leader"],
        2,
        "{}",
        String::from_utf8_lossy(&elected.stdout)
    );
    let bad = mqctl(
        &url,
        &["cluster", "reassign", "orders", "0", "--replicas", "2,2"],
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("distinct"),
        "{bad:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_node_is_never_safe_to_stop() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let url = mqd.url();
    assert!(mqctl(&url, &["topic", "create", "orders", "-p", "2"])
        .status
        .success());
    let wait = mqctl(&url, &["cluster", "wait", "--healthy", "--timeout", "30s"]);
    assert!(wait.status.success(), "{wait:?}");
    let parts = json(&mqctl(
        &url,
        &["-o", "json", "cluster", "partitions", "--topic", "orders"],
    ));
    let parts = parts.as_array().unwrap();
    assert_eq!(parts.len(), 2);
    for p in parts {
        assert_eq!(
            (&p["leader"], &p["replicas"], &p["isr"]),
            (&1.into(), &serde_json::json!([1]), &serde_json::json!([1]))
        );
        assert_eq!(
            (&p["under_replicated"], &p["offline"]),
            (&false.into(), &false.into())
        );
    }
    let none = json(&mqctl(
        &url,
        &["-o", "json", "cluster", "partitions", "--under-replicated"],
    ));
    assert_eq!(none, serde_json::json!([]));
    let missing = mqctl(&url, &["cluster", "partitions", "--topic", "nope"]);
    assert_eq!(missing.status.code(), Some(3));
    let alone = mqctl(
        &url,
        &["cluster", "reassign", "orders", "0", "--replicas", "1"],
    );
    assert!(!alone.status.success());
    assert!(
        String::from_utf8_lossy(&alone.stderr).contains("needs a cluster"),
        "{alone:?}"
    );

    let out = mqctl(&url, &["-o", "json", "broker", "safe-to-stop", "1"]);
    assert_eq!(out.status.code(), Some(6));
    let reasons = json(&out)["reasons"].to_string();
    assert!(reasons.contains("0 of 1 voters"), "{reasons}");
    assert!(
        reasons.contains("2 partition(s) have no other in-sync replica"),
        "{reasons}"
    );
}
