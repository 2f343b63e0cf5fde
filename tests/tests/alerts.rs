//! Alert rules on a real mqd: a stalled consumer group fires (after its
//! for-duration), is acknowledged, resolves when the group catches up, and
//! a webhook receiver that is down at first still gets both events in
//! order. Alerts survive a restart; bad rules are refused with their fix.
//! An https webhook is verified against its CA, added by a reload.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use mq::proto::{AckAlertRequest, AlertRule, AlertState, ListAlertsRequest};
use mq::{Admin, Client, GroupConfig, GroupConsumer, Producer, ProducerConfig, Record};
use mq_tests::{commit_when_assigned, wait_for, DataDir, Mqd};
use tonic::Code;

fn config(webhook_port: u16) -> String {
    format!(
        r#"
[alerts]
evaluate_interval_ms = 200
webhooks = ["http://127.0.0.1:{webhook_port}/hook"]

[[alerts.rules]]
name = "stalled"
metric = "group_stalled"
threshold = 0
for = "1s"
severity = "critical"

[[alerts.rules]]
name = "disk"
metric = "disk_used_percent"
threshold = 0.0001
for = "0s"
severity = "info"
"#
    )
}

/// Reads one POST from `stream`, answers 200 and returns its JSON body.
fn answer_post(stream: impl Read + Write) -> Option<serde_json::Value> {
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    let mut stream = reader.into_inner();
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let _ = stream.flush();
    serde_json::from_slice(&body).ok()
}

/// A minimal HTTP receiver: each POST body (JSON) goes to `tx`.
fn receive_hooks(listener: TcpListener, tx: mpsc::Sender<serde_json::Value>) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if let Some(body) = stream.ok().and_then(answer_post) {
                let _ = tx.send(body);
            }
        }
    });
}

async fn alert(client: &Client, id: &str) -> Option<mq::proto::Alert> {
    client
        .admin_raw()
        .list_alerts(ListAlertsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .alerts
        .into_iter()
        .find(|a| a.id == id)
}

async fn commit(client: &Client, member: &GroupConsumer, offset: i64) {
    commit_when_assigned(client, "g", &member.member_id(), "t", 0, offset).await;
}

#[tokio::test]
async fn a_stalled_group_fires_is_acked_resolves_and_the_webhook_gets_it_all() {
    // The receiver's port, closed for now: the first deliveries fail.
    let reserved = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = reserved.local_addr().unwrap().port();
    drop(reserved);
    let dir = DataDir::new();
    let text = config(port);
    let mut mqd = Mqd::start_with_config(&dir, &text, &[]);
    let client = mqd.client().await;

    // The disk rule (threshold near 0, no for-duration) fires at once.
    wait_for(Duration::from_secs(20), "the disk alert", async || {
        let a = alert(&client, "disk/broker 1").await?;
        (a.state == AlertState::Firing as i32).then_some(())
    })
    .await;

    Admin::new(&client).create_topic("t", 1, &[]).await.unwrap();
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for i in 0..10 {
        producer
            .send("t", Record::new(format!("r{i}")))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
    let mut config = GroupConfig::new("g", ["t"]);
    config.auto_commit = false;
    let member = GroupConsumer::join(client.clone(), config).await.unwrap();
    commit(&client, &member, 2).await;

    let fired = wait_for(Duration::from_secs(40), "the stalled alert", async || {
        let a = alert(&client, "stalled/group g").await?;
        (a.state == AlertState::Firing as i32).then_some(a)
    })
    .await;
    assert_eq!(fired.severity, "critical");
    assert!(fired.message.contains("no commit"), "{}", fired.message);

    // Now the receiver comes up; the retried deliveries arrive in order.
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let (tx, rx) = mpsc::channel();
    receive_hooks(listener, tx);
    let mut events = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !events
        .iter()
        .any(|e: &serde_json::Value| e["alert"]["id"] == "stalled/group g")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no webhook for the stalled alert: {events:?}"
        );
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(200)) {
            events.push(e);
        }
    }
    assert_eq!(events[0]["event"], "firing");
    assert_eq!(
        events[0]["alert"]["id"], "disk/broker 1",
        "in order: {events:?}"
    );
    let stalled = events
        .iter()
        .find(|e| e["alert"]["id"] == "stalled/group g")
        .unwrap();
    assert_eq!(stalled["event"], "firing");
    assert_eq!(stalled["broker"]["node_id"], 1);

    // Acknowledge with a note.
    let acked = client
        .admin_raw()
        .ack_alert(AckAlertRequest {
            id: "stalled/group g".into(),
            note: "looking at it".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(acked.state, AlertState::Acknowledged as i32);
    assert_eq!(acked.ack_note, "looking at it");

    // The group catches up: resolved, and the webhook hears of it.
    commit(&client, &member, 10).await;
    let resolved = wait_for(
        Duration::from_secs(60),
        "the resolved webhook",
        async || {
            rx.recv_timeout(Duration::from_millis(200))
                .ok()
                .filter(|e| e["alert"]["id"] == "stalled/group g" && e["event"] == "resolved")
        },
    )
    .await;
    assert_eq!(resolved["alert"]["state"], "resolved");
    member.close().await.unwrap();

    // Alerts survive a restart.
    let address = mqd.url();
    mqd.terminate(Duration::from_secs(30)).await;
    let mqd = Mqd::start_with_config(
        &dir,
        &text,
        &["--listen", address.trim_start_matches("http://")],
    );
    let client = mqd.client().await;
    let after = alert(&client, "stalled/group g").await.unwrap();
    assert_eq!(after.state, AlertState::Resolved as i32);
    assert_eq!(after.ack_note, "looking at it");

    // A rule set through Admin is listed; a bad one is refused.
    let rule = AlertRule {
        name: "lag".into(),
        metric: "group_lag_records".into(),
        threshold: 5.0,
        r#for: "1m".into(),
        severity: "warning".into(),
    };
    client
        .admin_raw()
        .set_alert_rule(rule.clone())
        .await
        .unwrap();
    let rules = client
        .admin_raw()
        .list_alert_rules(mq::proto::ListAlertRulesRequest {})
        .await
        .unwrap()
        .into_inner()
        .rules;
    assert!(
        rules.iter().any(|r| r.name == "lag" && r.r#for == "1m"),
        "{rules:?}"
    );
    for bad in [
        AlertRule {
            metric: "lagginess".into(),
            ..rule.clone()
        },
        AlertRule {
            threshold: -1.0,
            ..rule.clone()
        },
        AlertRule {
            r#for: "soon".into(),
            ..rule.clone()
        },
    ] {
        let err = client.admin_raw().set_alert_rule(bad).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    }
    let err = client
        .admin_raw()
        .ack_alert(AckAlertRequest {
            id: "nope".into(),
            note: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[test]
fn bad_rules_and_webhooks_in_the_config_are_refused_with_their_fix() {
    let cases = [
        ("metric = \"lagginess\"\nthreshold = 1", "unknown metric"),
        (
            "metric = \"group_lag_records\"\nthreshold = -5",
            "threshold",
        ),
        (
            "metric = \"group_lag_records\"\nthreshold = 5\nfor = \"5 minutes\"",
            "for =",
        ),
    ];
    for (rule, expected) in cases {
        let dir = DataDir::new();
        let text = format!("[[alerts.rules]]\nname = \"r\"\n{rule}\n");
        let (status, log) = Mqd::run_to_exit(&dir, &[], Some(&text));
        assert_eq!(status.code(), Some(2), "{log}");
        assert!(log.contains(expected), "{expected}: {log}");
    }
    let dir = DataDir::new();
    let (status, log) = Mqd::run_to_exit(&dir, &[], Some("[alerts]\nwebhooks = [\"ftp://x/y\"]\n"));
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(log.contains("not an http:// or https:// URL"), "{log}");
    let (status, log) = Mqd::run_to_exit(
        &dir,
        &[],
        Some("[alerts]\nwebhook_ca_file = \"/nonexistent/ca.pem\"\n"),
    );
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(
        log.contains("alerts.webhook_ca_file") && log.contains("/nonexistent/ca.pem"),
        "{log}"
    );
}

/// A certificate authority and a server certificate for 127.0.0.1 signed
/// by it, as PEM: (ca, server certificate, server key).
fn private_ca() -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    (ca.pem(), leaf.pem(), key.serialize_pem())
}

/// An https receiver: each POST body (JSON) goes to `tx`. A client that
/// refuses the certificate ends the handshake, and nothing is sent.
fn receive_https_hooks(
    listener: TcpListener,
    cert_pem: &str,
    key_pem: &str,
    tx: mpsc::Sender<serde_json::Value>,
) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let certs = vec![CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = std::sync::Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let tls = rustls::ServerConnection::new(config.clone()).unwrap();
            if let Some(body) = answer_post(rustls::StreamOwned::new(tls, stream)) {
                let _ = tx.send(body);
            }
        }
    });
}

/// An https webhook is verified: without the private CA that signed the
/// receiver's certificate, nothing is delivered and the log says why; with
/// the CA file added by a SIGHUP reload, the next alert arrives.
#[tokio::test]
async fn https_webhooks_are_verified_and_a_reload_adds_the_ca() {
    let (ca, cert, key) = private_ca();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    receive_https_hooks(listener, &cert, &key, tx);

    let dir = DataDir::new();
    let ca_path = dir.path().join("hooks-ca.pem");
    std::fs::write(&ca_path, &ca).unwrap();
    let config_path = dir.path().join("mqd.toml");
    let config = |ca_line: &str| {
        format!(
            "[alerts]\nevaluate_interval_ms = 200\nwebhooks = [\"https://127.0.0.1:{port}/hook\"]\n{ca_line}\n"
        )
    };
    std::fs::write(&config_path, config("")).unwrap();
    let mqd = Mqd::start_with(&dir, &["--config", config_path.to_str().unwrap()]);
    let client = mqd.client().await;
    let rule = |name: &str| AlertRule {
        name: name.to_string(),
        metric: "disk_used_percent".into(),
        threshold: 0.0001,
        r#for: "0s".into(),
        severity: "info".into(),
    };
    client
        .admin_raw()
        .set_alert_rule(rule("disk-a"))
        .await
        .unwrap();
    wait_for(
        Duration::from_secs(30),
        "a refused certificate in the log",
        async || {
            let log = mqd.log();
            (log.contains("webhook delivery failed") && log.contains("certificate")).then_some(())
        },
    )
    .await;
    assert!(
        rx.try_recv().is_err(),
        "nothing may arrive over an unverified connection"
    );

    let ca_line = format!("webhook_ca_file = {:?}", ca_path.to_str().unwrap());
    std::fs::write(&config_path, config(&ca_line)).unwrap();
    mqd.signal("HUP");
    wait_for(Duration::from_secs(20), "the reload", async || {
        let log = mqd.log();
        (log.contains("config reloaded") && log.contains("alerts.webhooks")).then_some(())
    })
    .await;
    client
        .admin_raw()
        .set_alert_rule(rule("disk-b"))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let event = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let e = rx.recv_timeout(left).expect("the disk-b alert over https");
        if e["alert"]["rule"] == "disk-b" {
            break e;
        }
    };
    assert_eq!(event["event"], "firing");
}
