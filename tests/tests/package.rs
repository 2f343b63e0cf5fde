//! The .deb: built with cargo-deb from release binaries, then read back
//! with dpkg-deb: its metadata, every file it installs, and that what it
//! holds works (the binaries run, the packaged config passes check-config,
//! the unit and maintainer scripts are the repository's).
//!
//! Needs cargo-deb (`cargo install cargo-deb`; `.ci/run` installs it) and
//! dpkg-deb (part of dpkg on every Debian system). Without them the test
//! says so and passes, unless MQ_REQUIRE_CARGO_DEB=1 (set by .ci/run).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn tools_present() -> bool {
    let deb = cargo()
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    let dpkg = Command::new("dpkg-deb")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if deb && dpkg {
        return true;
    }
    let missing = if deb { "dpkg-deb" } else { "cargo-deb" };
    assert!(
        std::env::var_os("MQ_REQUIRE_CARGO_DEB").is_none(),
        "{missing} is missing and MQ_REQUIRE_CARGO_DEB is set"
    );
    eprintln!("SKIPPED: {missing} is not installed (cargo install cargo-deb; .ci/run does)");
    false
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn same_file(a: &Path, b: &Path) {
    assert_eq!(
        std::fs::read(a).unwrap(),
        std::fs::read(b).unwrap(),
        "{} differs from {}",
        a.display(),
        b.display()
    );
}

#[test]
fn the_deb_holds_the_binaries_unit_config_completions_and_man_pages() {
    if !tools_present() {
        return;
    }
    run(cargo().current_dir(repo()).args([
        "build",
        "--release",
        "-p",
        "mqd",
        "-p",
        "mqctl",
        "-p",
        "mqtop",
    ]));
    let out = tempfile::tempdir().unwrap();
    let deb = out.path().join("mq.deb");
    run(cargo()
        .current_dir(repo())
        .args(["deb", "-p", "mqd", "--no-build", "--strip", "--output"])
        .arg(&deb));

    let info = run(Command::new("dpkg-deb").arg("--info").arg(&deb));
    for field in [
        "Package: mq",
        &format!("Version: {}-1", env!("CARGO_PKG_VERSION")),
        "Section: net",
        "passwd",
        "libc6",
    ] {
        assert!(info.contains(field), "no {field:?} in:\n{info}");
    }

    let contents = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    let paths: Vec<&str> = contents
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    let expected = [
        "./usr/bin/mqd",
        "./usr/bin/mqctl",
        "./usr/bin/mqtop",
        "./usr/lib/systemd/system/mqd.service",
        "./etc/mqd/mqd.toml",
        "./usr/share/bash-completion/completions/mqctl",
        "./usr/share/zsh/vendor-completions/_mqctl",
        "./usr/share/fish/vendor_completions.d/mqctl.fish",
        "./usr/share/man/man1/mqd.1.gz",
        "./usr/share/man/man1/mqctl.1.gz",
        "./usr/share/man/man1/mqctl-topic.1.gz",
        "./usr/share/man/man1/mqtop.1.gz",
        "./usr/share/doc/mq/README.md",
        "./usr/share/doc/mq/operations.md",
        "./usr/share/doc/mq/mqtop.md",
    ];
    for path in expected {
        assert!(
            paths.contains(&path),
            "{path} missing from the .deb:\n{contents}"
        );
    }
    // Every man page in the repository is packaged.
    for entry in std::fs::read_dir(repo().join("contrib/man")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let packaged = format!("./usr/share/man/man1/{name}.gz");
        assert!(paths.contains(&packaged.as_str()), "{packaged} missing");
    }

    // What it installs works.
    let root = out.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    for bin in ["mqd", "mqctl", "mqtop"] {
        let version = run(Command::new(root.join("usr/bin").join(bin)).arg("--version"));
        assert!(
            version.contains(env!("CARGO_PKG_VERSION")),
            "{bin} --version: {version}"
        );
    }
    run(Command::new(root.join("usr/bin/mqd"))
        .arg("check-config")
        .arg(root.join("etc/mqd/mqd.toml")));
    same_file(
        &root.join("usr/lib/systemd/system/mqd.service"),
        &repo().join("contrib/systemd/mqd.service"),
    );
    same_file(
        &root.join("etc/mqd/mqd.toml"),
        &repo().join("contrib/mqd.toml"),
    );

    // The config is a conffile (kept on upgrade), and the maintainer
    // scripts are the repository's.
    let control = out.path().join("control");
    run(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&control));
    let conffiles = std::fs::read_to_string(control.join("conffiles")).unwrap();
    assert_eq!(conffiles.trim(), "/etc/mqd/mqd.toml");
    for script in ["postinst", "prerm", "postrm"] {
        same_file(
            &control.join(script),
            &repo().join("contrib/debian").join(script),
        );
        run(Command::new("sh").arg("-n").arg(control.join(script)));
    }
}
