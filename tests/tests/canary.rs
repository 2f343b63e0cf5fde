//! The built-in canary on a real mqd: it produces and reads back through
//! the broker's own listener, counting what it sent, received, lost and
//! got twice, with its latency; its topic is internal.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use mq::proto::{ListTopicsRequest, StatsRequest};
use mq_tests::{wait_for, DataDir, Mqd};

fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn the_canary_round_trips_records_and_reports_no_loss() {
    let dir = DataDir::new();
    let mqd = Mqd::start_with(&dir, &["--canary-interval-ms", "100"]);
    let metrics = wait_for(Duration::from_secs(30), "10 canary records", async || {
        let (_, body) = mqd.http_get("/metrics");
        // The counter and the histogram are read at different moments of
        // one scrape: wait until both have seen ten records.
        let received = sample(&body, "mq_canary_received_total")?;
        let timed = sample(&body, "mq_canary_latency_seconds_count")?;
        (received >= 10.0 && timed >= 10.0).then_some(body)
    })
    .await;
    assert_eq!(sample(&metrics, "mq_canary_lost_total"), Some(0.0));
    assert_eq!(sample(&metrics, "mq_canary_duplicated_total"), Some(0.0));
    assert_eq!(sample(&metrics, "mq_canary_failures_total"), Some(0.0));
    assert!(sample(&metrics, "mq_canary_latency_seconds_count").unwrap() >= 10.0);

    let client = mqd.client().await;
    let stats = client
        .admin_raw()
        .stats(StatsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let canary = stats.broker.unwrap().canary.unwrap();
    assert!(canary.sent >= 10 && canary.received >= 10, "{canary:?}");
    assert!(canary.last_latency_ms >= 0.0);

    // Internal: listed only when asked for.
    let list = async |include_internal: bool| {
        client
            .admin_raw()
            .list_topics(ListTopicsRequest {
                filter: String::new(),
                include_internal,
            })
            .await
            .unwrap()
            .into_inner()
            .topics
            .into_iter()
            .map(|t| t.name)
            .collect::<Vec<_>>()
    };
    assert!(list(false).await.is_empty());
    assert_eq!(list(true).await, vec!["__mq_canary".to_string()]);
}
