//! SIGHUP on a running mqd: the log filter and topic defaults change at
//! once, other changes are logged as needing a restart, and a config that
//! does not validate changes nothing.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use mq::Admin;
use mq_tests::{wait_for, DataDir, Mqd};

fn config(level: &str, retention_ms: u64, fsync: &str, extra: &str) -> String {
    format!(
        "[log]\nlevel = \"{level}\"\n\n[storage]\nfsync = \"{fsync}\"\n{extra}\n[topic_defaults]\n\"retention.ms\" = {retention_ms}\n"
    )
}

#[tokio::test]
async fn sighup_applies_what_it_can_and_names_what_needs_a_restart() {
    let dir = DataDir::new();
    let path = dir.path().join("reload.toml");
    std::fs::write(&path, config("info", 1_000_000, "interval:1000", "")).unwrap();
    let mqd = Mqd::start_with(&dir, &["--config", path.to_str().unwrap()]);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    admin.create_topic("t", 1, &[]).await.unwrap();
    admin
        .create_topic("pinned", 1, &[("retention.ms", "5000")])
        .await
        .unwrap();
    let retention = async |name: &str| {
        admin.describe_topic(name).await.unwrap().configs["retention.ms"].clone()
    };
    assert_eq!(retention("t").await, "1000000");
    let _ = mqd.http_get("/metrics");
    assert!(
        !mqd.log().contains("served /metrics"),
        "debug is off at first"
    );

    std::fs::write(&path, config("debug", 2_000_000, "always", "")).unwrap();
    mqd.signal("HUP");
    wait_for(Duration::from_secs(20), "the reload", async || {
        mqd.log().contains("config reloaded").then_some(())
    })
    .await;
    assert_eq!(retention("t").await, "2000000");
    assert_eq!(
        retention("pinned").await,
        "5000",
        "a topic's own setting wins"
    );
    assert!(mqd
        .log()
        .contains("storage.fsync changed; it takes effect after a restart"));
    let _ = mqd.http_get("/metrics");
    wait_for(Duration::from_secs(10), "a debug line", async || {
        mqd.log().contains("served /metrics").then_some(())
    })
    .await;

    // A broken file changes nothing.
    std::fs::write(&path, config("info", 3_000_000, "always", "bogus = 1\n")).unwrap();
    mqd.signal("HUP");
    wait_for(Duration::from_secs(20), "the refused reload", async || {
        mqd.log().contains("config reload failed").then_some(())
    })
    .await;
    assert_eq!(retention("t").await, "2000000");
}
