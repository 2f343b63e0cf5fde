//! mqctl against a real mqd: every verb, its table and JSON output
//! (snapshots with volatile values redacted), and its exit code.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use mq_tests::{DataDir, Mqd};

/// A broker and a private contexts file for one test.
struct Env {
    _dir: DataDir,
    mqd: Mqd,
    config: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = DataDir::new();
        let mqd = Mqd::start(&dir);
        Env {
            _dir: dir,
            mqd,
            config: tempfile::tempdir().unwrap(),
        }
    }

    /// mqctl pointed at this broker with --server.
    fn mqctl(&self) -> Command {
        let mut cmd = bare(self.config.path());
        cmd.env("MQ_SERVER", self.mqd.url());
        cmd
    }
}

/// mqctl with no server configured and its own contexts file.
fn bare(config_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mqctl"));
    cmd.env_remove("MQ_SERVER")
        .env_remove("MQ_CONTEXT")
        .env("MQCTL_CONFIG", config_dir.join("mqctl.toml"))
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60));
    cmd
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs and expects exit `code`; returns stderr.
fn fails(cmd: &mut Command, code: i32) -> String {
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{cmd:?}: stdout {} stderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

fn json(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_str(&stdout(cmd)).unwrap()
}

#[test]
fn topic_verbs_print_tables_and_json_and_exit_by_outcome() {
    let env = Env::new();
    let created = stdout(env.mqctl().args([
        "topic",
        "create",
        "orders",
        "--partitions",
        "3",
        "--replication-factor",
        "1",
        "--config",
        "retention.ms=86400000",
    ]));
    assert_eq!(
        created.trim(),
        "created topic \"orders\" with 3 partition(s)"
    );
    let err = fails(env.mqctl().args(["topic", "create", "orders"]), 4);
    assert!(err.contains("already exists"), "{err}");
    stdout(
        env.mqctl()
            .args(["topic", "create", "orders", "--if-not-exists"]),
    );
    stdout(env.mqctl().args(["topic", "create", "audit"]));

    insta::assert_snapshot!("topic_list", stdout(env.mqctl().args(["topic", "list"])));
    insta::assert_json_snapshot!(
        "topic_list_json",
        json(env.mqctl().args(["topic", "list", "ord", "-o", "json"]))
    );
    insta::assert_json_snapshot!(
        "topic_describe_json",
        json(
            env.mqctl()
                .args(["topic", "describe", "orders", "-o", "json"])
        )
    );
    insta::assert_snapshot!(
        "topic_describe",
        stdout(env.mqctl().args(["topic", "describe", "orders"]))
    );

    // --dry-run prints before -> after and changes nothing.
    insta::assert_snapshot!(
        "alter_config_dry_run",
        stdout(env.mqctl().args([
            "topic",
            "alter-config",
            "orders",
            "--set",
            "retention.ms=1000",
            "--delete",
            "segment.ms",
            "--dry-run",
        ]))
    );
    let d = json(
        env.mqctl()
            .args(["topic", "describe", "orders", "-o", "json"]),
    );
    assert_eq!(d["configs"]["retention.ms"], "86400000");
    let applied = json(env.mqctl().args([
        "topic",
        "alter-config",
        "orders",
        "--set",
        "retention.ms=1000",
        "-o",
        "json",
    ]));
    assert_eq!(applied["applied"], true);
    assert_eq!(applied["changes"][0]["after"], "1000");

    let grown = json(env.mqctl().args([
        "topic",
        "add-partitions",
        "orders",
        "--total",
        "5",
        "-o",
        "json",
    ]));
    assert_eq!(
        (grown["before"].as_u64(), grown["after"].as_u64()),
        (Some(3), Some(5))
    );

    // Delete asks; off a terminal it refuses without --yes.
    let err = fails(env.mqctl().args(["topic", "delete", "audit"]), 1);
    assert!(err.contains("without --yes"), "{err}");
    let dry = json(
        env.mqctl()
            .args(["topic", "delete", "audit", "--dry-run", "-o", "json"]),
    );
    assert_eq!(dry["deleted"], false);
    stdout(env.mqctl().args(["topic", "delete", "audit", "--yes"]));
    let err = fails(env.mqctl().args(["topic", "describe", "audit"]), 3);
    assert!(err.contains("does not exist"), "{err}");
    let err = fails(env.mqctl().args(["topic", "describe", "ordres"]), 3);
    assert!(err.contains("did you mean \"orders\""), "{err}");
    // The broker's sentence, unchanged.
    let err = fails(
        env.mqctl()
            .args(["topic", "create", "x", "--partitions", "0"]),
        1,
    );
    assert!(err.contains("invalid partition count 0"), "{err}");
}

#[test]
fn produce_and_consume_round_trip_values_keys_and_headers() {
    let env = Env::new();
    stdout(env.mqctl().args(["topic", "create", "events"]));
    let sent = json(
        env.mqctl()
            .args([
                "produce",
                "events",
                "-K",
                ":",
                "-H",
                "source=test",
                "-o",
                "json",
            ])
            .write_stdin("k1:first\nk2:second\nthird\n"),
    );
    assert_eq!(sent["records"], 3);
    let offsets: Vec<i64> = sent["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["offset"].as_i64().unwrap())
        .collect();
    assert_eq!(offsets, vec![0, 1, 2]);
    stdout(env.mqctl().args(["produce", "events", "fourth", "fifth"]));

    // One value per line by default.
    let values = stdout(
        env.mqctl()
            .args(["consume", "events", "--from-beginning", "-n", "4"]),
    );
    assert_eq!(values, "first\nsecond\nthird\nfourth\n");
    let all = stdout(env.mqctl().args(["consume", "events", "--from-beginning"]));
    assert_eq!(all.lines().count(), 5, "stops at the end without --follow");
    let templated = stdout(env.mqctl().args([
        "consume",
        "events",
        "--from-beginning",
        "-n",
        "2",
        "--format",
        "{partition}/{offset} {key}={value} [{headers}]",
    ]));
    assert_eq!(
        templated,
        "0/0 k1=first [source=test]\n0/1 k2=second [source=test]\n"
    );
    let lines = stdout(env.mqctl().args([
        "consume",
        "events",
        "--partition",
        "0",
        "--offset",
        "2",
        "-n",
        "1",
        "-o",
        "json",
    ]));
    let mut record: serde_json::Value = serde_json::from_str(lines.trim()).unwrap();
    record["timestamp_ms"] = 0.into();
    insta::assert_json_snapshot!("consume_json", record);
    let dry = json(
        env.mqctl()
            .args(["produce", "events", "a", "b", "--dry-run", "-o", "json"]),
    );
    assert_eq!(
        (dry["records"].as_u64(), dry["sent"].as_bool()),
        (Some(2), Some(false))
    );

    // A group read commits exactly what it printed.
    let first = stdout(env.mqctl().args([
        "consume",
        "events",
        "--group",
        "readers",
        "--from-beginning",
        "-n",
        "2",
    ]));
    assert_eq!(first, "first\nsecond\n");
    let rest = stdout(
        env.mqctl()
            .args(["consume", "events", "--group", "readers", "--idle", "1s"]),
    );
    assert_eq!(rest, "third\nfourth\nfifth\n");
    let group = json(
        env.mqctl()
            .args(["group", "describe", "readers", "-o", "json"]),
    );
    assert_eq!(group["kind"], "consumer");
    assert_eq!(group["partitions"][0]["committed_offset"], 5);
    assert_eq!(group["total_lag"], 0);
}

#[test]
fn group_verbs_list_describe_reset_and_delete() {
    let env = Env::new();
    stdout(
        env.mqctl()
            .args(["topic", "create", "jobs", "--partitions", "2"]),
    );
    stdout(
        env.mqctl()
            .args(["produce", "jobs", "--partition", "0", "a", "b", "c"]),
    );
    stdout(env.mqctl().args([
        "consume",
        "jobs",
        "--group",
        "billing",
        "--from-beginning",
        "-n",
        "3",
    ]));
    insta::assert_snapshot!("group_list", stdout(env.mqctl().args(["group", "list"])));
    insta::assert_snapshot!(
        "group_describe",
        stdout(env.mqctl().args(["group", "describe", "billing"]))
    );
    let err = fails(env.mqctl().args(["group", "describe", "biling"]), 3);
    assert!(err.contains("did you mean \"billing\""), "{err}");

    // A plan by default; --execute applies it.
    insta::assert_snapshot!(
        "reset_plan",
        stdout(env.mqctl().args([
            "group",
            "reset-offsets",
            "billing",
            "--topic",
            "jobs:0",
            "--shift-by",
            "-2",
        ]))
    );
    let d = json(
        env.mqctl()
            .args(["group", "describe", "billing", "-o", "json"]),
    );
    assert_eq!(d["partitions"][0]["committed_offset"], 3);
    let applied = json(env.mqctl().args([
        "group",
        "reset-offsets",
        "billing",
        "--topic",
        "jobs",
        "--to-earliest",
        "--execute",
        "-o",
        "json",
    ]));
    assert_eq!(applied["applied"], true);
    assert_eq!(applied["changes"].as_array().unwrap().len(), 2);
    let d = json(
        env.mqctl()
            .args(["group", "describe", "billing", "-o", "json"]),
    );
    assert_eq!(d["partitions"][0]["committed_offset"], 0);
    fails(
        env.mqctl()
            .args(["group", "reset-offsets", "billing", "--topic", "jobs"]),
        2,
    );
    stdout(env.mqctl().args(["group", "delete", "billing", "--yes"]));
    fails(env.mqctl().args(["group", "describe", "billing"]), 3);
}

#[test]
fn queue_groups_show_deliveries() {
    let env = Env::new();
    stdout(env.mqctl().args(["topic", "create", "mail"]));
    stdout(env.mqctl().args(["produce", "mail", "x", "y"]));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = mq::Client::connect(&env.mqd.url()).await.unwrap();
        let mut config = mq::ReceiverConfig::new("mailers", "mail");
        config.receiver_id = "worker-1".into();
        let receiver = mq::Receiver::new(client, config).unwrap();
        let got = receiver.receive(Duration::from_secs(5)).await.unwrap();
        receiver.ack(&got[..1]).await.unwrap();
    });
    let d = json(
        env.mqctl()
            .args(["group", "describe", "mailers", "-o", "json"]),
    );
    assert_eq!(d["kind"], "queue");
    assert_eq!(d["receivers"][0]["receiver_id"], "worker-1");
    assert_eq!(d["queue_partitions"][0]["in_flight"], 1);
    assert_eq!(d["queue_partitions"][0]["acked"], 1);
    let table = stdout(env.mqctl().args(["group", "describe", "mailers"]));
    assert!(
        table.contains("IN-FLIGHT") && table.contains("DEAD-LETTERED"),
        "{table}"
    );
    let listed = json(env.mqctl().args(["group", "list", "-o", "json"]));
    assert_eq!(listed[0]["kind"], "queue");
}

#[test]
fn an_unreachable_broker_exits_5_within_the_timeout_and_says_where_the_address_came_from() {
    let config = tempfile::tempdir().unwrap();
    // A port nothing listens on: bind, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let err = fails(
        bare(config.path()).args([
            "--server",
            &format!("http://127.0.0.1:{port}"),
            "--timeout",
            "2s",
            "topic",
            "list",
        ]),
        5,
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(err.contains("from --server"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let err = fails(
        bare(config.path())
            .env("MQ_SERVER", format!("http://127.0.0.1:{port}"))
            .args(["topic", "list"]),
        5,
    );
    assert!(err.contains("from MQ_SERVER"), "{err}");
}

#[test]
fn contexts_pick_the_server_and_read_only_ones_refuse_changes() {
    let env = Env::new();
    let url = env.mqd.url();
    let ctl = || bare(env.config.path());
    stdout(ctl().args(["context", "add", "prod", "--server", &url, "--read-only"]));
    stdout(ctl().args(["context", "add", "dev", "--server", &url]));
    let listed = json(ctl().args(["context", "list", "-o", "json"]));
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // The first context added became current.
    stdout(ctl().args(["topic", "list"]));
    let err = fails(ctl().args(["topic", "create", "t"]), 1);
    assert!(err.contains("read-only"), "{err}");
    stdout(ctl().args(["--context", "dev", "topic", "create", "t"]));
    stdout(ctl().args(["context", "use", "dev"]));
    stdout(ctl().args(["topic", "delete", "t", "--yes"]));
    let err = fails(ctl().args(["--context", "staging", "topic", "list"]), 3);
    assert!(err.contains("known: dev, prod"), "{err}");
    let shown = json(ctl().args(["context", "show", "-o", "json"]));
    assert_eq!(shown["name"], "dev");
    stdout(ctl().args(["context", "remove", "prod"]));
    fails(ctl().args(["context", "use", "prod"]), 3);
}

#[test]
fn bad_flags_are_usage_errors() {
    let config = tempfile::tempdir().unwrap();
    fails(bare(config.path()).args(["topic", "create"]), 2);
    fails(bare(config.path()).args(["topic", "list", "--bogus"]), 2);
    fails(
        bare(config.path()).args(["--timeout", "soon", "topic", "list"]),
        2,
    );
    fails(bare(config.path()).args(["-o", "yaml", "topic", "list"]), 2);
    let help = stdout(bare(config.path()).arg("--help"));
    assert!(
        help.contains("Exit codes:") && help.contains("5  unavailable"),
        "{help}"
    );
}

/// Completions are checked in; regenerate with
/// `UPDATE_COMPLETIONS=1 cargo test -p mqctl --test cli completions`.
#[test]
fn completions_in_the_repository_are_current() {
    let config = tempfile::tempdir().unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../completions");
    for (shell, file) in [
        ("bash", "mqctl.bash"),
        ("zsh", "_mqctl"),
        ("fish", "mqctl.fish"),
    ] {
        let generated = stdout(bare(config.path()).args(["completions", shell]));
        let path = dir.join(file);
        if std::env::var_os("UPDATE_COMPLETIONS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &generated).unwrap();
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            stored == generated,
            "{} is out of date; run UPDATE_COMPLETIONS=1 cargo test -p mqctl --test cli completions",
            path.display()
        );
    }
}

/// contrib/man holds the pages the .deb installs;
/// `UPDATE_MAN=1 cargo test -p mqctl --test cli man_pages` rewrites them.
#[test]
fn man_pages_in_the_repository_are_current() {
    let config = tempfile::tempdir().unwrap();
    let fresh = tempfile::tempdir().unwrap();
    bare(config.path())
        .arg("man")
        .arg(fresh.path())
        .assert()
        .success();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../contrib/man");
    let mqctl_pages = |d: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(d)
            .map(|r| {
                r.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|n| n.starts_with("mqctl"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let update = std::env::var_os("UPDATE_MAN").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for stale in mqctl_pages(&dir) {
            std::fs::remove_file(dir.join(stale)).unwrap();
        }
    }
    for name in mqctl_pages(fresh.path()) {
        let generated = std::fs::read(fresh.path().join(&name)).unwrap();
        if update {
            std::fs::write(dir.join(&name), &generated).unwrap();
        }
        let stored = std::fs::read(dir.join(&name)).unwrap_or_default();
        assert!(
            stored == generated,
            "contrib/man/{name} is out of date; run UPDATE_MAN=1 cargo test -p mqctl --test cli man_pages"
        );
    }
    assert_eq!(
        mqctl_pages(&dir),
        mqctl_pages(fresh.path()),
        "stale pages in contrib/man"
    );
}

/// Every Admin RPC has an mqctl verb.
#[test]
fn every_admin_rpc_has_a_verb() {
    let verbs = [
        ("CreateTopic", "topic create"),
        ("ListTopics", "topic list"),
        ("DescribeTopic", "topic describe"),
        ("AlterTopicConfig", "topic alter-config"),
        ("AddPartitions", "topic add-partitions"),
        ("DeleteTopic", "topic delete"),
        ("ListGroups", "group list"),
        ("DescribeGroup", "group describe"),
        ("ResetOffsets", "group reset-offsets"),
        ("DeleteGroup", "group delete"),
        ("Stats", "stats"),
        ("Watch", "stats"),
        ("SetLogLevel", "broker set-log-level"),
        ("ListAlerts", "alert list"),
        ("AckAlert", "alert ack"),
        ("ListAlertRules", "alert rules list"),
        ("SetAlertRule", "alert rules set"),
        ("ClusterStatus", "cluster status"),
        ("ListBrokers", "cluster brokers"),
        ("DescribePartitions", "cluster partitions"),
        ("ElectLeaders", "cluster elect-leader"),
        ("ReassignPartition", "cluster reassign"),
    ];
    let proto = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/proto/mq/v1/admin.proto"),
    )
    .unwrap();
    let config = tempfile::tempdir().unwrap();
    for line in proto
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("rpc "))
    {
        let name = line[4..].split('(').next().unwrap().trim();
        let verb = verbs
            .iter()
            .find(|(rpc, _)| *rpc == name)
            .unwrap_or_else(|| panic!("Admin RPC {name} has no mqctl verb"))
            .1;
        let mut args: Vec<&str> = verb.split(' ').collect();
        args.push("--help");
        stdout(bare(config.path()).args(&args));
    }
}

#[test]
fn man_pages_are_written() {
    let config = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    stdout(bare(config.path()).args(["man", out.path().to_str().unwrap()]));
    let page = std::fs::read_to_string(out.path().join("mqctl-topic.1")).unwrap();
    assert!(page.contains(".TH"), "{page}");
}

#[test]
fn apply_makes_topics_match_the_file_and_diff_shows_the_plan() {
    let env = Env::new();
    stdout(env.mqctl().args(["topic", "create", "stray"]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("topics.toml");
    let path = file.to_str().unwrap();
    std::fs::write(
        &file,
        "[topics.orders]\npartitions = 2\nconfig = { \"retention.ms\" = 86400000 }\n\n[topics.audit]\npartitions = 1\n",
    )
    .unwrap();
    insta::assert_snapshot!(
        "diff_create",
        stdout(env.mqctl().args(["diff", "-f", path]))
    );
    let applied = json(env.mqctl().args(["apply", "-f", path, "-o", "json"]));
    assert_eq!(applied["changes"].as_array().unwrap().len(), 2);
    let d = json(
        env.mqctl()
            .args(["topic", "describe", "orders", "-o", "json"]),
    );
    assert_eq!(d["configs"]["retention.ms"], "86400000");
    // Idempotent: nothing left to do.
    let again = json(env.mqctl().args(["apply", "-f", path, "-o", "json"]));
    assert_eq!(again["changes"].as_array().unwrap().len(), 0);

    std::fs::write(
        &file,
        "[topics.orders]\npartitions = 4\nconfig = { \"retention.ms\" = 3600000 }\n\n[topics.audit]\npartitions = 1\n",
    )
    .unwrap();
    insta::assert_snapshot!(
        "diff_grow_and_prune",
        stdout(env.mqctl().args(["diff", "-f", path, "--prune"]))
    );
    // --dry-run changes nothing.
    stdout(
        env.mqctl()
            .args(["apply", "-f", path, "--prune", "--dry-run"]),
    );
    assert_eq!(
        json(env.mqctl().args(["topic", "list", "-o", "json"]))
            .as_array()
            .unwrap()
            .len(),
        3
    );
    stdout(env.mqctl().args(["apply", "-f", path, "--prune"]));
    let topics = json(env.mqctl().args(["topic", "list", "-o", "json"]));
    let names: Vec<&str> = topics
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["audit", "orders"]);
    let d = json(
        env.mqctl()
            .args(["topic", "describe", "orders", "-o", "json"]),
    );
    assert_eq!(d["partitions"].as_array().unwrap().len(), 4);

    // Partitions cannot shrink: a conflict, before anything changes.
    std::fs::write(&file, "[topics.orders]\npartitions = 1\n").unwrap();
    let err = fails(env.mqctl().args(["apply", "-f", path]), 4);
    assert!(err.contains("cannot be removed"), "{err}");
    std::fs::write(&file, "[topics.orders]\npartitions = 4\nreplicas = 3\n").unwrap();
    let err = fails(env.mqctl().args(["diff", "-f", path]), 1);
    assert!(
        err.contains("unknown field") && err.contains("line 3"),
        "{err}"
    );
}

#[test]
fn bench_reports_saves_and_fails_on_a_regression() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("run.json");
    let saved = saved.to_str().unwrap();
    let run = json(env.mqctl().args([
        "bench",
        "produce",
        "--records",
        "2000",
        "--record-size",
        "100",
        "--save",
        saved,
        "-o",
        "json",
    ]));
    assert_eq!(run["kind"], "produce");
    assert_eq!(run["records"], 2000);
    assert!(run["records_per_s"].as_f64().unwrap() > 0.0);
    assert!(run["latency_us"]["p99"].as_u64().is_some());
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(saved).unwrap()).unwrap();
    assert_eq!(stored["params"]["record_size"], 100);
    let table = stdout(env.mqctl().args(["bench", "consume", "--records", "2000"]));
    assert!(table.contains("records/s"), "{table}");

    // Against itself with a huge threshold: no regression, a comparison.
    let compared = json(env.mqctl().args([
        "bench",
        "produce",
        "--records",
        "2000",
        "--record-size",
        "100",
        "--baseline",
        saved,
        "--threshold",
        "1000000",
        "-o",
        "json",
    ]));
    assert_eq!(compared["comparison"][0]["metric"], "records/s");
    // Against an impossible baseline: exit 1 naming the regression.
    let mut impossible = stored.clone();
    impossible["records_per_s"] = 1e15.into();
    std::fs::write(saved, impossible.to_string()).unwrap();
    let err = fails(
        env.mqctl().args([
            "bench",
            "produce",
            "--records",
            "2000",
            "--record-size",
            "100",
            "--baseline",
            saved,
        ]),
        1,
    );
    assert!(
        err.contains("regression beyond 10%") && err.contains("records/s"),
        "{err}"
    );
    let err = fails(
        env.mqctl()
            .args(["bench", "consume", "--records", "10", "--baseline", saved]),
        1,
    );
    assert!(err.contains("compare like with like"), "{err}");
}

#[test]
fn a_following_consume_stops_cleanly_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    let env = Env::new();
    stdout(env.mqctl().args(["topic", "create", "live"]));
    stdout(env.mqctl().args(["produce", "live", "one"]));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mqctl"))
        .env("MQ_SERVER", env.mqd.url())
        .env("MQCTL_CONFIG", env.config.path().join("mqctl.toml"))
        .args([
            "consume",
            "live",
            "--from-beginning",
            "--follow",
            "--group",
            "tail",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Killed if the test fails before it exits by itself.
    struct Reap(std::process::Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Reap(child);
    assert_eq!(lines.next().unwrap().unwrap(), "one");
    stdout(env.mqctl().args(["produce", "live", "two"]));
    assert_eq!(lines.next().unwrap().unwrap(), "two");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.0.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "mqctl did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    // It left the group and committed what it printed.
    let group = json(
        env.mqctl()
            .args(["group", "describe", "tail", "-o", "json"]),
    );
    assert_eq!(group["members"].as_array().unwrap().len(), 0);
    assert_eq!(group["partitions"][0]["committed_offset"], 2);
}

#[test]
fn stats_and_group_check_report_the_brokers_lag_status() {
    let env = Env::new();
    stdout(env.mqctl().args(["topic", "create", "work"]));
    stdout(env.mqctl().args(["produce", "work", "a", "b", "c", "d"]));
    // "done" read everything; "behind" read one record and left.
    stdout(env.mqctl().args([
        "consume",
        "work",
        "--group",
        "done",
        "--from-beginning",
        "-n",
        "4",
    ]));
    stdout(env.mqctl().args([
        "consume",
        "work",
        "--group",
        "behind",
        "--from-beginning",
        "-n",
        "1",
    ]));
    let snapshot = json(env.mqctl().args(["stats", "-o", "json"]));
    assert_eq!(snapshot["partitions"][0]["high_watermark"], 4);
    assert!(snapshot["broker"]["disk_total_bytes"].as_u64().unwrap() > 0);
    assert_eq!(snapshot["partitions"][0]["isr"], serde_json::json!([1]));
    assert_eq!(snapshot["cluster"]["controller_id"], 1);
    assert_eq!(snapshot["cluster"]["brokers"][0]["alive"], true);
    let work = snapshot["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "work")
        .unwrap();
    assert_eq!(work["retention_ms"], 604_800_000);
    assert_eq!(snapshot["queues"], serde_json::json!([]));
    let behind = snapshot["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "behind")
        .unwrap();
    assert_eq!(behind["state"], "empty");
    let table = stdout(env.mqctl().args(["stats"]));
    assert!(
        table.contains("GROUP") && table.contains("behind"),
        "{table}"
    );

    stdout(env.mqctl().args(["group", "check", "done"]));
    let err = fails(env.mqctl().args(["group", "check", "done", "behind"]), 6);
    assert!(err.contains("behind is STOPPED"), "{err}");
    let described = json(
        env.mqctl()
            .args(["group", "describe", "behind", "-o", "json"]),
    );
    assert_eq!(described["lag_status"], "STOPPED");
    assert_eq!(described["partitions"][0]["lag_status"], "STOPPED");
    assert!(described["partitions"][0]["lag_seconds"].as_f64().unwrap() >= 0.0);
    let checked = json(env.mqctl().args(["group", "check", "done", "-o", "json"]));
    assert_eq!(checked[0]["status"], "OK");
    fails(env.mqctl().args(["group", "check", "nobody"]), 3);
}

#[test]
fn the_log_level_changes_while_mqd_runs() {
    let env = Env::new();
    let _ = env.mqd.http_get("/metrics");
    assert!(
        !env.mqd.log().contains("served /metrics"),
        "debug is off at first"
    );
    let dry = json(env.mqctl().args([
        "broker",
        "set-log-level",
        "debug",
        "--dry-run",
        "-o",
        "json",
    ]));
    assert_eq!(dry["applied"], false);
    let err = fails(env.mqctl().args(["broker", "set-log-level", "info,=["]), 1);
    assert!(err.contains("not a log filter"), "{err}");
    let set = json(
        env.mqctl()
            .args(["broker", "set-log-level", "debug", "-o", "json"]),
    );
    assert_eq!(
        (set["current"].as_str(), set["applied"].as_bool()),
        (Some("debug"), Some(true))
    );
    // A debug line appears: each scrape is logged at debug.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let _ = env.mqd.http_get("/metrics");
        if env.mqd.log().contains("served /metrics") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no debug line after set-log-level debug"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let back = json(
        env.mqctl()
            .args(["broker", "set-log-level", "info", "-o", "json"]),
    );
    assert_eq!(back["previous"], "debug");
}

#[test]
fn alert_verbs_list_rules_and_alerts() {
    let env = Env::new();
    let rules = json(env.mqctl().args(["alert", "rules", "list", "-o", "json"]));
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "group-stalled"),
        "defaults: {rules}"
    );
    let dry = json(env.mqctl().args([
        "alert",
        "rules",
        "set",
        "disk",
        "--metric",
        "disk_used_percent",
        "--threshold",
        "0.0001",
        "--dry-run",
        "-o",
        "json",
    ]));
    assert_eq!(dry["applied"], false);
    let err = fails(
        env.mqctl().args([
            "alert",
            "rules",
            "set",
            "x",
            "--metric",
            "lagginess",
            "--threshold",
            "1",
        ]),
        1,
    );
    assert!(err.contains("unknown metric"), "{err}");
    let set = json(env.mqctl().args([
        "alert",
        "rules",
        "set",
        "disk",
        "--metric",
        "disk_used_percent",
        "--threshold",
        "0.0001",
        "-o",
        "json",
    ]));
    assert_eq!(set["rule"]["for"], "0s");
    // The default evaluation interval is 5 s: wait for the disk alert.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let firing = json(
            env.mqctl()
                .args(["alert", "list", "--state", "firing", "-o", "json"]),
        );
        if let Some(a) = firing
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == "disk")
        {
            let id = a["id"].as_str().unwrap().to_string();
            let acked = json(
                env.mqctl()
                    .args(["alert", "ack", &id, "--note", "fine", "-o", "json"]),
            );
            assert_eq!(acked["state"], "acknowledged");
            break;
        }
        assert!(Instant::now() < deadline, "the disk alert never fired");
        std::thread::sleep(Duration::from_millis(200));
    }
    let err = fails(env.mqctl().args(["alert", "ack", "nope"]), 3);
    assert!(err.contains("no alert"), "{err}");
    let table = stdout(env.mqctl().args(["alert", "list"]));
    assert!(table.contains("acknowledged"), "{table}");
}
