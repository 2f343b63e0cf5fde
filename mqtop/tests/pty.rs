//! mqtop in a real pseudo-terminal against a real mqd: the topic and the
//! lag of a lagging group are read off the screen (a vt100 parser keeps
//! the screen), the banner shows when the broker dies and goes when it
//! is back, and `q` leaves the terminal as it was.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mq::{Admin, GroupConfig, GroupConsumer, Producer, ProducerConfig, Record};
use mq_tests::{commit_when_assigned, DataDir, Mqd};
use portable_pty::{native_pty_system, CommandBuilder, PtySize};

const ROWS: u16 = 30;
const COLS: u16 = 110;

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Polls the screen until `check` finds what it wants.
    fn wait_for<T>(&self, what: &str, timeout: Duration, check: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.text();
            if let Some(v) = check(&text) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for {what}; the screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// mqtop running in a pseudo-terminal.
struct Tui {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    screen: Screen,
    master: Box<dyn portable_pty::MasterPty + Send>,
    pump: std::thread::JoinHandle<()>,
}

impl Tui {
    fn start(address: &str, state: &std::path::Path, args: &[&str]) -> Tui {
        Tui::start_with_env(address, state, args, &[])
    }

    fn start_with_env(
        address: &str,
        state: &std::path::Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mqtop"));
        cmd.args(["--server", address, "--interval", "0.5"]);
        cmd.args(args);
        cmd.env("MQTOP_STATE", state.join("mqtop.toml"));
        cmd.env("MQCTL_CONFIG", state.join("absent.toml"));
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("MQ_SERVER");
        cmd.env_remove("MQ_CONTEXT");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let keys = pty.master.take_writer().unwrap();
        let screen = Screen {
            parser: Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0))),
        };
        let parser = screen.parser.clone();
        let pump = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                parser.lock().unwrap().process(&buf[..n]);
            }
        });
        Tui {
            child,
            keys,
            screen,
            master: pty.master,
            pump,
        }
    }

    fn press(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).unwrap();
    }

    /// Quits with `q`; checks the exit status and that the terminal is
    /// back on its main screen.
    fn quit(mut self) {
        self.press("q");
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "mqtop did not quit on q");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "mqtop exited with {status:?}");
        drop(self.keys);
        drop(self.master);
        let _ = self.pump.join();
        let parser = self.screen.parser.lock().unwrap();
        assert!(
            !parser.screen().alternate_screen(),
            "mqtop left the terminal on the alternate screen"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtop_shows_a_topic_and_a_lagging_group_and_rides_out_a_broker_restart() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start(&dir);
    let address = mqd.url();
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("e2e-orders", 1, &[])
        .await
        .unwrap();
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for i in 0..30 {
        producer
            .send_to("e2e-orders", 0, Record::new(format!("order {i}")))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
    let mut config = GroupConfig::new("e2e-lagging", ["e2e-orders"]);
    config.auto_commit = false;
    let member = GroupConsumer::join(client.clone(), config).await.unwrap();
    commit_when_assigned(
        &client,
        "e2e-lagging",
        &member.member_id(),
        "e2e-orders",
        0,
        10,
    )
    .await;

    let state = tempfile::tempdir().unwrap();
    let mut tui = Tui::start(&address, state.path(), &["--view", "topics"]);
    tui.screen.wait_for(
        "the topic on the Topics view",
        Duration::from_secs(20),
        |s| s.contains("e2e-orders").then_some(()),
    );
    tui.press("3");
    let row = tui
        .screen
        .wait_for("the group's lag of 20", Duration::from_secs(20), |s| {
            s.lines()
                .find(|l| l.contains("e2e-lagging") && l.split_whitespace().any(|w| w == "20"))
                .map(str::to_string)
        });
    assert!(row.contains("cons") && row.contains("stable"), "{row}");

    // The broker dies: the banner says so and the last data stays.
    mqd.kill9();
    tui.screen
        .wait_for("the unreachable banner", Duration::from_secs(20), |s| {
            s.contains("UNREACHABLE").then_some(())
        });
    assert!(tui.screen.text().contains("e2e-lagging"), "last data kept");
    // It comes back on the same address: mqtop reconnects by itself.
    let _mqd = Mqd::restart_on(&dir, &address);
    tui.screen
        .wait_for("the banner to go", Duration::from_secs(30), |s| {
            (!s.contains("UNREACHABLE") && !s.contains("RECONNECTING") && s.contains("e2e-lagging"))
                .then_some(())
        });
    tui.quit();
    // The view open at quit is kept for the next start.
    let kept = std::fs::read_to_string(state.path().join("mqtop.toml")).unwrap();
    assert!(kept.contains("view = \"groups\""), "{kept}");
}

/// Acknowledging from mqtop reaches the broker: a firing alert, `a`, a
/// note, Enter; the broker then holds it as acknowledged with that note.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_is_acknowledged_from_the_alerts_view() {
    let dir = DataDir::new();
    let config = "[alerts]\nevaluate_interval_ms = 200\n\n[[alerts.rules]]\nname = \"disk-full\"\nmetric = \"disk_used_percent\"\nthreshold = 0.0001\nfor = \"0s\"\nseverity = \"warning\"\n";
    let mqd = Mqd::start_with_config(&dir, config, &[]);
    let state = tempfile::tempdir().unwrap();
    let mut tui = Tui::start(&mqd.url(), state.path(), &["--view", "alerts"]);
    tui.screen
        .wait_for("the firing alert", Duration::from_secs(20), |s| {
            (s.contains("FIRING") && s.contains("disk-full")).then_some(())
        });
    tui.press("a");
    tui.screen
        .wait_for("the note prompt", Duration::from_secs(10), |s| {
            s.contains("note:").then_some(())
        });
    tui.press("on it\r");
    tui.screen
        .wait_for("the acknowledged state", Duration::from_secs(20), |s| {
            s.lines()
                .any(|l| l.contains("acknowledged") && l.contains("disk-full"))
                .then_some(())
        });
    let client = mqd.client().await;
    let alerts = client
        .admin_raw()
        .list_alerts(mq::proto::ListAlertsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .alerts;
    let disk = alerts.iter().find(|a| a.rule == "disk-full").unwrap();
    assert_eq!(disk.state, mq::proto::AlertState::Acknowledged as i32);
    assert_eq!(disk.ack_note, "on it");
    tui.quit();
}

/// Mistakes are refused before the screen is taken: a bad address, an
/// unknown context, no terminal.
#[test]
fn bad_invocations_fail_with_a_message_and_leave_the_terminal_alone() {
    let state = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mqtop"))
            .args(args)
            .env("MQCTL_CONFIG", state.path().join("contexts.toml"))
            .env("MQTOP_STATE", state.path().join("mqtop.toml"))
            .env_remove("MQ_SERVER")
            .env_remove("MQ_CONTEXT")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(out.stdout.is_empty(), "nothing drawn for {args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let err = run(&["--server", "http://bad host:7420"]);
    assert!(
        err.contains("not a URL") && err.contains("--server"),
        "{err}"
    );
    let err = run(&["--context", "prod"]);
    assert!(err.contains("no context \"prod\""), "{err}");
    let err = run(&["--interval", "0.01"]);
    assert!(err.contains("0.2..=60"), "{err}");
    let err = run(&["--server", "http://127.0.0.1:1"]);
    assert!(err.contains("not a terminal"), "{err}");
}

/// A panic gives the terminal back (raw mode off, main screen) before the
/// message is printed, so the message is readable.
#[test]
fn a_panic_restores_the_terminal() {
    let state = tempfile::tempdir().unwrap();
    let mut tui = Tui::start_with_env(
        "http://127.0.0.1:1",
        state.path(),
        &[],
        &[("MQTOP_PANIC_AFTER_DRAW", "1"), ("RUST_BACKTRACE", "0")],
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = tui.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "mqtop did not exit after its panic"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    tui.screen
        .wait_for("the panic message", Duration::from_secs(10), |s| {
            s.contains("MQTOP_PANIC_AFTER_DRAW").then_some(())
        });
    let parser = tui.screen.parser.lock().unwrap();
    assert!(
        !parser.screen().alternate_screen(),
        "left on the alternate screen"
    );
    assert!(!parser.screen().hide_cursor(), "cursor left hidden");
}
