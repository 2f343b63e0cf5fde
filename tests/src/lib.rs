//! A harness for end-to-end scenarios: start real `mqd` processes on
//! ephemeral loopback ports in temporary directories, talk to them, kill
//! them, and always clean up.
//!
//! Ports: mqd binds `127.0.0.1:0` and the harness reads the bound address
//! from its "mqd ready" log line, so there is no window in which another
//! process could take a port reserved in advance.
#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub mod cluster;
pub mod proxy;

/// How long a broker may take to become ready before a test fails.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The mqd binary next to the test executable, built once if missing.
pub fn mqd_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            // target/<profile>/deps/<test> -> target/<profile>/mqd
            let profile_dir = exe.parent().unwrap().parent().unwrap();
            let binary = profile_dir.join("mqd");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut build = Command::new(cargo);
            build.args(["build", "-p", "mqd", "--bin", "mqd"]);
            if profile_dir.file_name().is_some_and(|n| n == "release") {
                build.arg("--release");
            }
            let status = build.status().unwrap();
            assert!(status.success(), "building mqd failed");
            assert!(binary.exists(), "no mqd binary at {}", binary.display());
            binary
        })
        .clone()
}

/// A data directory that outlives restarts of the brokers using it.
pub struct DataDir {
    dir: TempDir,
}

impl DataDir {
    pub fn new() -> Self {
        DataDir {
            dir: tempfile::Builder::new()
                .prefix("mq-e2e-")
                .tempdir()
                .unwrap(),
        }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    /// The directory of one partition's log.
    pub fn partition(&self, topic: &str, partition: u32) -> PathBuf {
        self.data()
            .join("topics")
            .join(format!("{topic}-{partition}"))
    }
}

impl Default for DataDir {
    fn default() -> Self {
        Self::new()
    }
}

/// A running mqd. Killed (SIGKILL) on drop if still running.
pub struct Mqd {
    child: Option<Child>,
    address: String,
    log_path: PathBuf,
}

/// Options for starting a broker.
pub struct MqdOptions<'a> {
    pub args: Vec<String>,
    pub config: Option<&'a str>,
}

impl Mqd {
    /// Starts mqd on `dir` with default options and waits until it is ready.
    pub fn start(dir: &DataDir) -> Mqd {
        Self::start_with(dir, &[])
    }

    /// Starts mqd with extra flags.
    pub fn start_with(dir: &DataDir, args: &[&str]) -> Mqd {
        Self::try_start(dir, args, None).unwrap_or_else(|log| panic!("mqd did not start:\n{log}"))
    }

    /// Starts mqd again on the address a previous run listened on, so
    /// clients connected to it reconnect by themselves.
    pub fn restart_on(dir: &DataDir, address: &str) -> Mqd {
        let listen = address.trim_start_matches("http://").to_string();
        Self::start_with(dir, &["--listen", &listen])
    }

    /// Starts mqd with a config file's text.
    pub fn start_with_config(dir: &DataDir, config: &str, args: &[&str]) -> Mqd {
        Self::try_start(dir, args, Some(config))
            .unwrap_or_else(|log| panic!("mqd did not start:\n{log}"))
    }

    /// Starts mqd; on failure returns what it logged.
    pub fn try_start(dir: &DataDir, args: &[&str], config: Option<&str>) -> Result<Mqd, String> {
        Self::try_start_env(dir, args, config, &[])
    }

    /// Starts mqd with extra environment variables (NOTIFY_SOCKET, ...).
    pub fn start_with_env(dir: &DataDir, args: &[&str], env: &[(&str, &str)]) -> Mqd {
        Self::try_start_env(dir, args, None, env)
            .unwrap_or_else(|log| panic!("mqd did not start:\n{log}"))
    }

    fn try_start_env(
        dir: &DataDir,
        args: &[&str],
        config: Option<&str>,
        env: &[(&str, &str)],
    ) -> Result<Mqd, String> {
        let (mut child, log_path) = spawn(dir, args, config, env);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            if let Some(address) = ready_address(&log) {
                return Ok(Mqd {
                    child: Some(child),
                    address,
                    log_path,
                });
            }
            if let Some(status) = child.try_wait().unwrap() {
                return Err(format!("exited with {status}:\n{log}"));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("not ready after {READY_TIMEOUT:?}:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs mqd expecting it to exit (bad config, locked directory); returns
    /// its exit status and log.
    pub fn run_to_exit(dir: &DataDir, args: &[&str], config: Option<&str>) -> (ExitStatus, String) {
        let (mut child, log_path) = spawn(dir, args, config, &[]);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return (
                    status,
                    std::fs::read_to_string(&log_path).unwrap_or_default(),
                );
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "mqd did not exit: {}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The Prometheus endpoint's `host:port`, from the "mqd ready" line.
    pub fn metrics_address(&self) -> String {
        let log = self.log();
        let line = log.lines().find(|l| l.contains("mqd ready")).unwrap();
        let rest = &line[line.find("metrics_listen=").unwrap() + "metrics_listen=".len()..];
        rest.split_whitespace().next().unwrap().to_string()
    }

    /// `GET path` on the metrics port: (status line, body).
    pub fn http_get(&self, path: &str) -> (String, String) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(self.metrics_address()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: mqd\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_string(), body.to_string())
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub async fn client(&self) -> mq::Client {
        mq::Client::connect(&self.url()).await.unwrap()
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends `signal` (by name, for kill(1)).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// SIGTERM and wait for the exit, up to `timeout`. Async, so the test's
    /// own clients keep running and can answer the broker's GOAWAY.
    pub async fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        self.signal("TERM");
        self.terminate_wait(timeout).await
    }

    /// Waits for the process to exit (after a signal sent by the test).
    pub async fn terminate_wait(&mut self, timeout: Duration) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "mqd did not exit within {timeout:?} of SIGTERM:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Mqd {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn spawn(
    dir: &DataDir,
    args: &[&str],
    config: Option<&str>,
    env: &[(&str, &str)],
) -> (Child, PathBuf) {
    static STARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let seq = STARTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let log_path = dir
        .path()
        .join(format!("mqd-{}-{seq}.log", std::process::id()));
    let log = File::create(&log_path).unwrap();
    let mut command = Command::new(mqd_binary());
    // A test that names its own listen address (to restart on the same
    // port) passes --listen itself.
    if !args.contains(&"--listen") {
        command.args(["--listen", "127.0.0.1:0"]);
    }
    command
        .arg("--data-dir")
        .arg(dir.data())
        .args(["--metrics-listen", "127.0.0.1:0"]);
    // The canary's own topic and traffic would blur every other test's
    // figures; its own test turns it on.
    if !args.contains(&"--canary-interval-ms") {
        command.args(["--canary-interval-ms", "0"]);
    }
    if let Some(text) = config {
        let path = dir.path().join(format!("mqd-{seq}.toml"));
        std::fs::write(&path, text).unwrap();
        command.arg("--config").arg(path);
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    (command.spawn().unwrap(), log_path)
}

fn ready_address(log: &str) -> Option<String> {
    let line = log.lines().find(|l| l.contains("mqd ready"))?;
    let rest = &line[line.find("listen=")? + "listen=".len()..];
    Some(rest.split_whitespace().next()?.to_string())
}

/// Polls `check` until it returns Some or `timeout` passes.
pub async fn wait_for<T>(
    timeout: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Commits `offset` for `topic`/`partition` as `member_id` of `group`,
/// retrying until the broker has given the member the partition.
pub async fn commit_when_assigned(
    client: &mq::Client,
    group: &str,
    member_id: &str,
    topic: &str,
    partition: u32,
    offset: i64,
) {
    wait_for(
        Duration::from_secs(30),
        "the commit to be accepted",
        async || {
            let request = mq::proto::CommitOffsetsRequest {
                group: group.to_string(),
                member_id: member_id.to_string(),
                offsets: vec![mq::proto::OffsetCommit {
                    topic: topic.to_string(),
                    partition,
                    offset,
                    metadata: String::new(),
                }],
            };
            let ok = client.broker().commit_offsets(request).await.is_ok();
            if !ok {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            ok.then_some(())
        },
    )
    .await;
}

/// Reads a partition from `from` to its high watermark with plain fetches,
/// returning the raw batch bytes and the decoded records.
pub async fn read_partition(
    client: &mq::Client,
    topic: &str,
    partition: u32,
    from: i64,
) -> (Vec<u8>, Vec<mq::ConsumedRecord>) {
    let mut broker = client.broker();
    let topic_arc: std::sync::Arc<str> = std::sync::Arc::from(topic);
    let mut raw = Vec::new();
    let mut records = Vec::new();
    let mut offset = from;
    loop {
        let response = broker
            .fetch(mq::proto::FetchRequest {
                topic: topic.to_string(),
                partition,
                offset,
                max_bytes: 1 << 20,
                max_wait_ms: 0,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        if response.records.is_empty() {
            assert_eq!(
                offset, response.high_watermark,
                "empty fetch below the high watermark"
            );
            return (raw, records);
        }
        raw.extend_from_slice(&response.records);
        let decoded =
            mq::batch::decode_batches(response.records, &topic_arc, partition, offset).unwrap();
        offset = decoded.last().unwrap().offset + 1;
        records.extend(decoded);
    }
}
