//! End-to-end load generator over `mq::bench` (what `mqctl bench` will
//! front). Example:
//!
//! ```text
//! cargo run --release -p mq --example bench -- --server http://127.0.0.1:7420 \
//!     produce --topic bench --records 2000000 --record-size 1024
//! cargo run --release -p mq --example bench -- consume --topic bench --records 2000000
//! ```

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use mq::bench::{self, ProduceLoad, Progress, Report};

#[derive(Parser)]
struct Args {
    #[arg(long, env = "MQ_SERVER", default_value = "http://127.0.0.1:7420")]
    server: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the topic if needed and produce to it.
    Produce {
        #[arg(long, default_value = "bench")]
        topic: String,
        #[arg(long, default_value_t = 1)]
        partitions: u32,
        #[arg(long, default_value_t = 1)]
        producers: usize,
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        #[arg(long, default_value_t = 1024)]
        record_size: usize,
        #[arg(long, default_value = "leader")]
        acks: String,
        #[arg(long, default_value = "none")]
        compression: String,
        #[arg(long, default_value_t = 65536)]
        batch_bytes: usize,
        #[arg(long, default_value_t = 5)]
        linger_ms: u64,
        /// Records per second across producers (default: as fast as possible).
        #[arg(long)]
        rate: Option<u64>,
        /// Plain at-least-once producers instead of idempotent ones.
        #[arg(long)]
        no_idempotence: bool,
    },
    /// Read records from the start of every partition.
    Consume {
        #[arg(long, default_value = "bench")]
        topic: String,
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
    },
    /// Commit offsets as fast as durable commits allow.
    Commits {
        #[arg(long, default_value_t = 20_000)]
        commits: u64,
        /// Members committing at once, one partition each.
        #[arg(long, default_value_t = 8)]
        concurrency: u32,
    },
    /// Receive and ack a pre-filled topic with a queue group.
    Queue {
        #[arg(long, default_value = "bench")]
        topic: String,
        #[arg(long, default_value_t = 4)]
        receivers: usize,
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        /// Most records per receive.
        #[arg(long, default_value_t = 1000)]
        max_records: u32,
    },
    /// Time a group to settle after one more member joins.
    Rebalance {
        #[arg(long, default_value_t = 100)]
        partitions: u32,
        /// Members before the one that joins.
        #[arg(long, default_value_t = 3)]
        members: u32,
        #[arg(long, default_value_t = 3000)]
        heartbeat_ms: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow_free::Result {
    let args = Args::parse();
    let progress = Arc::new(Progress::default());
    let ticker = {
        let progress = progress.clone();
        tokio::spawn(async move {
            let mut last = 0;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let now = progress.records.load(Ordering::Relaxed);
                eprintln!("  {now} records ({} /s)", now - last);
                last = now;
            }
        })
    };
    let report = match args.command {
        Command::Produce {
            topic,
            partitions,
            producers,
            records,
            record_size,
            acks,
            compression,
            batch_bytes,
            linger_ms,
            rate,
            no_idempotence,
        } => {
            let client = mq::Client::connect(&args.server).await?;
            match mq::Admin::new(&client)
                .create_topic(&topic, partitions, &[])
                .await
            {
                Ok(_) => {}
                Err(e) if e.reason() == Some(mq::reason::TOPIC_EXISTS) => {}
                Err(e) => return Err(e),
            }
            let load = ProduceLoad {
                topic,
                producers,
                records,
                record_size,
                acks: acks.parse()?,
                compression: compression.parse().map_err(mq::Error::from)?,
                batch_bytes,
                linger: Duration::from_millis(linger_ms),
                rate,
                idempotence: !no_idempotence,
            };
            bench::produce(&args.server, &load, progress).await?
        }
        Command::Consume { topic, records } => {
            bench::consume(&args.server, &topic, records, progress).await?
        }
        Command::Commits {
            commits,
            concurrency,
        } => bench::groups::commits(&args.server, commits, concurrency).await?,
        Command::Queue {
            topic,
            receivers,
            records,
            max_records,
        } => {
            let load = bench::queue::QueueLoad {
                topic,
                group: None,
                receivers,
                records,
                max_records,
            };
            bench::queue::receive_and_ack(&args.server, &load, progress).await?
        }
        Command::Rebalance {
            partitions,
            members,
            heartbeat_ms,
        } => {
            let took = bench::groups::rebalance(
                &args.server,
                partitions,
                members,
                Duration::from_millis(heartbeat_ms),
            )
            .await?;
            ticker.abort();
            println!("rebalance {members} -> {} members over {partitions} partitions (heartbeat {heartbeat_ms} ms): {} ms", members + 1, took.as_millis());
            return Ok(());
        }
    };
    ticker.abort();
    print_report(&report);
    Ok(())
}

fn print_report(r: &Report) {
    println!(
        "records={} bytes={} elapsed_s={:.3} records_per_s={:.0} mb_per_s={:.1}",
        r.records,
        r.bytes,
        r.elapsed.as_secs_f64(),
        r.records_per_sec(),
        r.mb_per_sec()
    );
    if let Some(l) = r.latency {
        println!(
            "latency_us p50={} p99={} p99.9={} max={}",
            l.p50_us, l.p99_us, l.p999_us, l.max_us
        );
    }
}

/// The example's error type: any mq error, printed plainly.
mod anyhow_free {
    pub type Result = std::result::Result<(), mq::Error>;
}
