//! mqd under systemd's notify protocol, against a real NOTIFY_SOCKET the
//! test listens on: STATUS while recovering, READY=1 only once it serves,
//! WATCHDOG=1 pings while it works, STOPPING=1 at shutdown. And the unit
//! file in contrib/ passes `systemd-analyze verify`.
#![allow(clippy::unwrap_used)]

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mq_tests::{mqd_binary, DataDir, Mqd};

/// Datagrams received until `done` says stop, or the deadline.
fn receive_until(socket: &UnixDatagram, seen: &mut Vec<String>, done: impl Fn(&[String]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buf = vec![0u8; 4096];
    while !done(seen) {
        assert!(Instant::now() < deadline, "timed out; got {seen:?}");
        match socket.recv(&mut buf) {
            Ok(n) => seen.push(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("{e}"),
        }
    }
}

#[tokio::test]
async fn readiness_status_watchdog_and_stopping_reach_the_notify_socket() {
    let dir = DataDir::new();
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut mqd = Mqd::start_with_env(
        &dir,
        &[],
        &[
            ("NOTIFY_SOCKET", path.to_str().unwrap()),
            ("WATCHDOG_USEC", "400000"),
        ],
    );
    let mut seen = Vec::new();
    receive_until(&socket, &mut seen, |s| {
        s.iter().filter(|m| m.contains("WATCHDOG=1")).count() >= 3
    });
    let ready = seen
        .iter()
        .position(|m| m.contains("READY=1"))
        .expect("READY=1 sent");
    let recovering = seen
        .iter()
        .position(|m| m.contains("STATUS=recovering"))
        .expect("a recovery STATUS");
    let first_ping = seen.iter().position(|m| m.contains("WATCHDOG=1")).unwrap();
    assert!(recovering < ready && ready < first_ping, "{seen:?}");
    assert!(seen[ready].contains("STATUS=serving on"), "{seen:?}");
    // READY comes once mqd answers: the "mqd ready" line is logged first.
    assert!(mqd.log().contains("mqd ready"));

    let status = mqd.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "{status:?}");
    receive_until(&socket, &mut seen, |s| {
        s.iter().any(|m| m.contains("STOPPING=1"))
    });
}

/// Needs `systemd-analyze`. `.ci/run` installs it and sets
/// MQ_REQUIRE_SYSTEMD_ANALYZE=1, so CI always runs this; on a machine with
/// only the Rust toolchain (the README's test command) it is skipped, loudly.
#[test]
fn the_unit_file_passes_systemd_analyze_verify() {
    let installed = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        assert!(
            std::env::var_os("MQ_REQUIRE_SYSTEMD_ANALYZE").is_none(),
            "systemd-analyze is required here but not installed"
        );
        eprintln!("SKIPPED: systemd-analyze is not installed (Debian package systemd)");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let unit = std::fs::read_to_string(root.join("contrib/systemd/mqd.service")).unwrap();
    // verify checks that ExecStart exists: point it at the built binary.
    let binary = mqd_binary();
    let unit = unit.replace("/usr/bin/mqd", binary.to_str().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mqd.service");
    std::fs::write(&path, unit).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{stderr}"
    );
    // Warnings about the unit itself count as failures too.
    let about_unit: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("mqd.service"))
        .collect();
    assert!(about_unit.is_empty(), "{about_unit:?}");
}

#[test]
fn the_example_config_is_the_default_one() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let stored = std::fs::read_to_string(root.join("contrib/mqd.toml")).unwrap();
    let out = std::process::Command::new(mqd_binary())
        .arg("print-default-config")
        .output()
        .unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(
        stored == printed,
        "contrib/mqd.toml differs from `mqd print-default-config`; regenerate it with that command"
    );
}

#[tokio::test]
async fn under_the_journal_lines_carry_priorities_not_timestamps() {
    let dir = DataDir::new();
    let mut mqd = Mqd::start_with_env(&dir, &[], &[("JOURNAL_STREAM", "8:12345")]);
    let _ = mqd.terminate(Duration::from_secs(30)).await;
    let log = mqd.log();
    let lines: Vec<&str> = log.lines().filter(|l| !l.is_empty()).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let priority = line
            .strip_prefix('<')
            .and_then(|rest| rest.split_once('>'))
            .map(|(p, _)| p);
        assert!(
            matches!(priority, Some("3" | "4" | "6" | "7")),
            "no syslog priority: {line}"
        );
        assert!(!has_clock_time(line), "a timestamp: {line}");
    }
    assert!(lines.iter().any(|l| l.starts_with("<6>mqd ready")), "{log}");
}

/// Whether `line` holds an `HH:MM:SS` time, as a log timestamp would.
fn has_clock_time(line: &str) -> bool {
    line.as_bytes().windows(8).any(|w| {
        w[2] == b':' && w[5] == b':' && [0, 1, 3, 4, 6, 7].iter().all(|&i| w[i].is_ascii_digit())
    })
}
