//! The Prometheus endpoint of a real mqd: the exposition parses with a
//! real OpenMetrics parser, and its figures equal what the test did.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use mq::{
    Admin, GroupConfig, GroupConsumer, OffsetReset, Producer, ProducerConfig, Receiver,
    ReceiverConfig, Record,
};
use mq_tests::{wait_for, DataDir, Mqd};
use openmetrics_parser::{MetricsExposition, OpenMetricsType, OpenMetricsValue};

type Exposition = MetricsExposition<OpenMetricsType, OpenMetricsValue>;

fn scrape(mqd: &Mqd) -> Exposition {
    let (status, body) = mqd.http_get("/metrics");
    assert!(status.contains("200"), "{status}");
    openmetrics_parser::openmetrics::parse_openmetrics(&body)
        .unwrap_or_else(|e| panic!("not valid OpenMetrics ({e:?}):\n{body}"))
}

/// The value of `family`'s sample whose labels include `labels`.
fn value(e: &Exposition, family: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let f = e.families.get(family)?;
    f.iter_samples().find_map(|s| {
        let set = s.get_labelset().ok()?;
        let matches = labels
            .iter()
            .all(|(k, v)| set.get_label_value(k) == Some(*v));
        if !matches {
            return None;
        }
        Some(match &s.value {
            OpenMetricsValue::Gauge(n) | OpenMetricsValue::Unknown(n) => n.as_f64(),
            OpenMetricsValue::Counter(c) => c.value.as_f64(),
            OpenMetricsValue::Histogram(h) => h.count.map_or(0.0, |c| c as f64),
            _ => return None,
        })
    })
}

#[tokio::test]
async fn metrics_parse_and_match_what_was_done() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    let admin = Admin::new(&client);
    admin.create_topic("t", 2, &[]).await.unwrap();
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for i in 0..100 {
        producer
            .send_to("t", 0, Record::new(format!("{i:0>100}")))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();

    // A group member that reads at least 60 records.
    let mut config = GroupConfig::new("g", ["t"]);
    config.auto_offset_reset = OffsetReset::Earliest;
    config.auto_commit = false;
    let mut member = GroupConsumer::join(client.clone(), config).await.unwrap();
    let mut seen = 0;
    wait_for(Duration::from_secs(30), "60 records", async || {
        seen += member.poll(Duration::from_millis(200)).await.unwrap().len();
        (seen >= 60).then_some(())
    })
    .await;
    // It owns partition 0 (it read from it): commit exactly 60.
    client
        .broker()
        .commit_offsets(mq::proto::CommitOffsetsRequest {
            group: "g".into(),
            member_id: member.member_id(),
            offsets: vec![mq::proto::OffsetCommit {
                topic: "t".into(),
                partition: 0,
                offset: 60,
                metadata: String::new(),
            }],
        })
        .await
        .unwrap();
    member.close().await.unwrap();

    // A queue group that receives 10 and acks 4.
    let mut rc = ReceiverConfig::new("q", "t");
    rc.max_records = 10;
    let receiver = Receiver::new(client.clone(), rc).unwrap();
    let got = receiver.receive(Duration::from_secs(5)).await.unwrap();
    assert_eq!(got.len(), 10);
    receiver.ack(&got[..4]).await.unwrap();
    // And a request that fails.
    assert!(admin.describe_topic("missing").await.is_err());

    let m = scrape(&mqd);
    let p0 = [("topic", "t"), ("partition", "0")];
    assert_eq!(value(&m, "mq_partition_in_records", &p0), Some(100.0));
    assert_eq!(value(&m, "mq_partition_high_watermark", &p0), Some(100.0));
    assert_eq!(
        value(
            &m,
            "mq_partition_log_end_offset",
            &[("topic", "t"), ("partition", "1")]
        ),
        Some(0.0)
    );
    assert!(value(&m, "mq_partition_in_bytes", &p0).unwrap() > 100.0 * 100.0);
    assert!(value(&m, "mq_partition_out_records", &p0).unwrap() >= 60.0);
    assert!(value(&m, "mq_partition_size_bytes", &p0).unwrap() > 10_000.0);
    let g0 = [("group", "g"), ("topic", "t"), ("partition", "0")];
    assert_eq!(value(&m, "mq_group_committed_offset", &g0), Some(60.0));
    assert_eq!(value(&m, "mq_group_lag_records", &g0), Some(40.0));
    let q0 = [("group", "q"), ("topic", "t"), ("partition", "0")];
    assert_eq!(value(&m, "mq_queue_in_flight_records", &q0), Some(6.0));
    assert_eq!(value(&m, "mq_queue_acked", &q0), Some(4.0));
    assert_eq!(value(&m, "mq_queue_delivered", &q0), Some(10.0));
    assert_eq!(value(&m, "mq_queue_backlog_records", &q0), Some(96.0));
    assert_eq!(value(&m, "mq_topics", &[]), Some(1.0));
    assert_eq!(value(&m, "mq_partitions", &[]), Some(2.0));
    assert!(value(&m, "mq_disk_free_bytes", &[]).unwrap() > 0.0);
    assert!(value(&m, "mq_connections_accepted", &[]).unwrap() >= 1.0);
    assert!(
        value(&m, "mq_connections", &[]).unwrap() >= 1.0,
        "this test's client is connected"
    );
    assert!(
        value(
            &m,
            "mq_requests",
            &[("api", "Broker/ProduceStream"), ("code", "OK")]
        )
        .unwrap()
            >= 1.0
    );
    assert_eq!(
        value(
            &m,
            "mq_requests",
            &[("api", "Admin/DescribeTopic"), ("code", "NOT_FOUND")]
        ),
        Some(1.0)
    );
    assert!(value(&m, "mq_produce_latency_seconds", &[]).unwrap() >= 1.0);
    assert!(
        value(
            &m,
            "mq_request_duration_seconds",
            &[("api", "Admin/CreateTopic")]
        )
        .unwrap()
            >= 1.0
    );
    let families: HashMap<_, _> = m
        .families
        .iter()
        .map(|(k, f)| (k.clone(), f.family_type))
        .collect();
    assert!(matches!(families["mq_requests"], OpenMetricsType::Counter));
    assert!(matches!(
        families["mq_request_duration_seconds"],
        OpenMetricsType::Histogram
    ));

    let (status, _) = mqd.http_get("/nope");
    assert!(status.contains("404"), "{status}");
}
