//! The command line: `mqctl [global flags] NOUN VERB [args]`.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error (the broker's sentence, or a local one, is printed)
  2  usage: a bad flag or argument
  3  not found (topic, group, context)
  4  already exists, or conflicts with the current state (a live group)
  5  unavailable: the broker is unreachable or shutting down
  6  unhealthy: `group check` found a group lagging, stalled or stopped";

#[derive(Debug, Parser)]
#[command(
    name = "mqctl",
    version,
    about = "Administer and script an mq cluster: topics, groups, produce and consume.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Broker address, or a comma-separated bootstrap list [default: the
    /// context's, else http://127.0.0.1:7420]
    #[arg(long, global = true, env = "MQ_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Named context from the contexts file (see `mqctl context`)
    #[arg(long, global = true, env = "MQ_CONTEXT", value_name = "NAME")]
    pub context: Option<String>,
    /// Output format; json is stable for scripts (see docs/mqctl.md)
    #[arg(short, long, global = true, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// Print nothing on success (errors still go to stderr)
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)
    #[arg(long, global = true, value_parser = parse_duration, default_value = "10s")]
    pub timeout: Duration,
    /// No colors (also when NO_COLOR is set or output is not a terminal)
    #[arg(long, global = true)]
    pub no_color: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Wide,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, describe, alter and delete topics
    #[command(subcommand)]
    Topic(TopicCommand),
    /// Produce records from arguments, stdin lines or a file
    Produce(ProduceArgs),
    /// Print records of a topic
    Consume(ConsumeArgs),
    /// Consumer and queue groups: list, describe, reset offsets, delete
    #[command(subcommand)]
    Group(GroupCommand),
    /// Print the plan from the live topics to a desired-state file
    Diff {
        /// Desired-state TOML file (see docs/mqctl.md)
        #[arg(short, long, value_name = "FILE")]
        file: std::path::PathBuf,
        /// Also plan deleting topics the file does not name
        #[arg(long)]
        prune: bool,
    },
    /// Make the live topics match a desired-state file (the plan `diff` prints)
    Apply {
        #[arg(short, long, value_name = "FILE")]
        file: std::path::PathBuf,
        /// Also delete topics the file does not name
        #[arg(long)]
        prune: bool,
        /// Print the plan only (as `diff`)
        #[arg(long)]
        dry_run: bool,
    },
    /// The broker's figures: rates, partitions, and consumer lag with its status
    Stats {
        /// Print a new snapshot every --interval until Ctrl-C
        #[arg(short, long)]
        watch: bool,
        #[arg(long, value_parser = parse_duration, default_value = "2s")]
        interval: Duration,
    },
    /// Load a broker and report throughput and latency (compare with --baseline)
    Bench(crate::bench::BenchArgs),
    /// Alerts raised by the broker's rules: list, acknowledge, rules
    #[command(subcommand)]
    Alert(AlertCommand),
    /// The cluster: controller status, brokers, health probe
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// This broker's run-time settings
    #[command(subcommand)]
    Broker(BrokerCommand),
    /// Named connection settings kept in the contexts file
    #[command(subcommand)]
    Context(ContextCommand),
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages for mqctl and its subcommands into a directory
    #[command(hide = true)]
    Man {
        #[arg(value_name = "DIR")]
        dir: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// The controller: leader, Raft term, commit index, voters
    Status,
    /// Every broker with its liveness, last heartbeat and partitions led
    Brokers,
    /// Partitions with their leader, replicas, in-sync replicas and health
    Partitions {
        /// Only this topic's partitions (default: every topic)
        #[arg(long)]
        topic: Option<String>,
        /// Only partitions with fewer in-sync replicas than replicas
        #[arg(long)]
        under_replicated: bool,
        /// Only partitions without a live leader
        #[arg(long)]
        offline: bool,
    },
    /// Exit 6 unless a controller is elected, every broker is alive and no
    /// partition is under-replicated or offline
    Health,
    /// Wait until the cluster is healthy (as `health`); exit 6 if it is not
    /// within --timeout
    Wait {
        /// Wait for health (the only condition there is; for readable scripts)
        #[arg(long, required = true)]
        healthy: bool,
        #[arg(long, value_parser = parse_duration, default_value = "60s")]
        timeout: Duration,
    },
    /// Give leadership back to preferred replicas (after a failover or a
    /// rolling restart left leaders uneven)
    ElectLeader {
        /// Only this topic (default: every topic)
        #[arg(long)]
        topic: Option<String>,
        /// Only this partition of --topic
        #[arg(long, requires = "topic")]
        partition: Option<u32>,
    },
    /// Move a partition's replicas to other brokers; the new replicas catch
    /// up before the old ones are dropped
    Reassign {
        topic: String,
        partition: u32,
        /// The new replicas, preferred leader first (e.g. 2,3)
        #[arg(long, value_delimiter = ',', required = true)]
        replicas: Vec<u32>,
        /// Wait until the move is complete
        #[arg(long)]
        wait: bool,
        #[arg(long, value_parser = parse_duration, default_value = "5m")]
        timeout: Duration,
    },
}

#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// Create a topic
    Create {
        name: String,
        #[arg(short, long, default_value_t = 1)]
        partitions: u32,
        /// 0 = the cluster's default
        #[arg(short = 'r', long, default_value_t = 0)]
        replication_factor: u32,
        /// A topic config, repeatable (e.g. --config retention.ms=86400000)
        #[arg(short, long = "config", value_name = "KEY=VALUE", value_parser = parse_pair)]
        configs: Vec<(String, String)>,
        /// Succeed without change when the topic exists
        #[arg(long)]
        if_not_exists: bool,
        /// Print what would be created instead of creating it
        #[arg(long)]
        dry_run: bool,
    },
    /// List topics, optionally only those whose name contains FILTER
    List {
        #[arg(default_value = "")]
        filter: String,
        /// Also list internal topics (names starting with "__")
        #[arg(long)]
        internal: bool,
    },
    /// Configs and per-partition offsets, size, leader, replicas and ISR
    Describe { name: String },
    /// Set configs, or return them to their defaults
    AlterConfig {
        name: String,
        /// KEY=VALUE to set, repeatable
        #[arg(long, value_name = "KEY=VALUE", value_parser = parse_pair)]
        set: Vec<(String, String)>,
        /// KEY to return to its default, repeatable
        #[arg(long, value_name = "KEY")]
        delete: Vec<String>,
        /// Print the before -> after table instead of changing anything
        #[arg(long)]
        dry_run: bool,
    },
    /// Grow a topic to a new total partition count
    AddPartitions {
        name: String,
        /// The new total
        #[arg(long)]
        total: u32,
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete a topic and its records (asks on a terminal unless --yes)
    Delete {
        name: String,
        /// Do not ask; required when stdin is not a terminal
        #[arg(short, long)]
        yes: bool,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
pub struct ProduceArgs {
    pub topic: String,
    /// Record values; without any, one value per line of stdin (or --file)
    pub values: Vec<String>,
    /// Read one value per line from this file instead of stdin
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    /// Split each line at the first SEP into key and value
    #[arg(short = 'K', long, value_name = "SEP")]
    pub key_separator: Option<String>,
    /// A header for every record, repeatable
    #[arg(short = 'H', long = "header", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub headers: Vec<(String, String)>,
    /// Send every record to this partition (default: by key, else spread)
    #[arg(short, long)]
    pub partition: Option<u32>,
    #[arg(long, value_enum, default_value_t = AcksArg::Leader)]
    pub acks: AcksArg,
    /// none, gzip, snappy, lz4 or zstd
    #[arg(long, default_value = "none")]
    pub compression: String,
    /// Turn off the idempotent producer (on by default)
    #[arg(long)]
    pub no_idempotence: bool,
    /// Parse the input and print what would be sent, without sending
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AcksArg {
    None,
    Leader,
    All,
}

#[derive(Debug, Args)]
pub struct ConsumeArgs {
    pub topic: String,
    /// Start at the oldest retained record
    #[arg(long, group = "start")]
    pub from_beginning: bool,
    /// Start after the last record (only new ones; the default without --group)
    #[arg(long, group = "start")]
    pub from_end: bool,
    /// Start at this offset (with --partition)
    #[arg(long, group = "start", requires = "partition")]
    pub offset: Option<i64>,
    /// Start at the first record at or after this time (RFC 3339, or ms since the epoch)
    #[arg(long, group = "start", value_name = "TIME")]
    pub from_time: Option<String>,
    /// Only this partition
    #[arg(short, long)]
    pub partition: Option<u32>,
    /// Stop after N records
    #[arg(short = 'n', long = "count")]
    pub count: Option<u64>,
    /// Keep waiting for new records (until Ctrl-C or -n)
    #[arg(short, long)]
    pub follow: bool,
    /// Read as a member of this consumer group, committing what was printed
    #[arg(short, long, conflicts_with_all = ["offset", "partition", "from_time", "from_end"])]
    pub group: Option<String>,
    /// Output template with {key} {value} {headers} {partition} {offset} {timestamp} {topic}
    #[arg(long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// How long to wait for records before stopping, without --follow
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    pub idle: Duration,
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Consumer and queue groups with their state
    List,
    /// Members, assignments, committed offsets and lag (or a queue's deliveries)
    Describe { group: String },
    /// Move a consumer group's committed offsets (prints the plan unless --execute)
    ResetOffsets(ResetArgs),
    /// Exit 6 when a consumer group's lag status is WARNING, STALLED or STOPPED
    Check {
        #[arg(required = true)]
        groups: Vec<String>,
    },
    /// Forget a group and its offsets (asks on a terminal unless --yes)
    Delete {
        group: String,
        #[arg(short, long)]
        yes: bool,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("to").required(true).multiple(false)))]
pub struct ResetArgs {
    pub group: String,
    /// TOPIC or TOPIC:P,P,... repeatable; every partition when none are named
    #[arg(
        short,
        long = "topic",
        required = true,
        value_name = "TOPIC[:PARTITIONS]"
    )]
    pub topics: Vec<String>,
    #[arg(long, group = "to")]
    pub to_earliest: bool,
    #[arg(long, group = "to")]
    pub to_latest: bool,
    #[arg(long, group = "to", value_name = "OFFSET")]
    pub to_offset: Option<i64>,
    /// RFC 3339 time, or ms since the epoch
    #[arg(long, group = "to", value_name = "TIME")]
    pub to_datetime: Option<String>,
    #[arg(long, group = "to", value_name = "N", allow_negative_numbers = true)]
    pub shift_by: Option<i64>,
    /// Apply the plan (without it, only print it)
    #[arg(long)]
    pub execute: bool,
    /// Print the plan without applying it (the default; for symmetry with other verbs)
    #[arg(long, conflicts_with = "execute")]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Alerts, optionally only those in one state
    List {
        #[arg(long, value_enum)]
        state: Option<AlertStateArg>,
    },
    /// Mark a firing alert as seen, with a note
    Ack {
        id: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The rules in force
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertStateArg {
    Pending,
    Firing,
    Acknowledged,
    Resolved,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule (config file, with rules set here winning by name)
    List,
    /// Add or replace a rule; stored by the broker
    Set {
        name: String,
        /// e.g. group_lag_records, group_stalled, disk_used_percent (see docs/alerts.md)
        #[arg(long)]
        metric: String,
        #[arg(long)]
        threshold: f64,
        /// How long the value must stay above the threshold (e.g. 5m)
        #[arg(long = "for", default_value = "0s")]
        for_: String,
        #[arg(long, default_value = "warning")]
        severity: String,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BrokerCommand {
    /// Exit 0 if stopping this broker now keeps the controller's majority
    /// and every partition online and at min.insync.replicas; else exit 6
    SafeToStop {
        /// The broker's node id
        id: u32,
    },
    /// Replace the log filter while mqd runs (until its next restart)
    SetLogLevel {
        /// A level (error, warn, info, debug, trace) or directives such as info,mqd::queues=debug
        level: String,
        /// Check the filter and show the current one, changing nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContextCommand {
    /// Every context, the current one marked
    List,
    /// Make NAME the current context
    Use { name: String },
    /// Add or replace a context
    Add {
        name: String,
        #[arg(long, value_name = "URL")]
        server: String,
        /// Refuse every mutating verb in this context
        #[arg(long)]
        read_only: bool,
    },
    /// Remove a context
    Remove { name: String },
    /// The settings of a context (the current one by default)
    Show { name: Option<String> },
}

/// `10s`, `500ms`, `2m`, `1h`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration; use e.g. 500ms, 10s, 2m or 1h"))?;
    let seconds = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("unknown unit {unit:?} in {s:?}; use ms, s, m or h")),
    };
    if !seconds.is_finite() || !(0.0..=1e9).contains(&seconds) {
        return Err(format!("{s:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `KEY=VALUE`.
pub fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{s:?} is not KEY=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_pairs_parse() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5d").is_err());
        assert_eq!(parse_pair("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert!(parse_pair("=x").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
