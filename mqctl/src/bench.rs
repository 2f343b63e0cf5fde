//! `mqctl bench`: produce, consume or queue load through the real client
//! library (`mq::bench`), a live progress display, a final table, and
//! comparison with a saved run that fails on a regression.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use mq::bench::{self, ProduceLoad, Progress, Report};
use serde_json::{json, Value};

use crate::cli::{AcksArg, Output};
use crate::error::{CliError, Result};
use crate::output::Table;
use crate::session::Session;

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub load: Load,
    /// Write this run's figures to FILE (JSON) for later comparison
    #[arg(long, global = true, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Compare with a saved run; exit 1 when throughput drops, or p99
    /// latency rises, by more than --threshold percent
    #[arg(long, global = true, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    #[arg(long, global = true, default_value_t = 10.0, value_name = "PERCENT")]
    pub threshold: f64,
}

#[derive(Debug, Subcommand)]
pub enum Load {
    /// Produce records as fast as acknowledgements allow (or at --rate)
    Produce {
        #[arg(long, default_value = "bench")]
        topic: String,
        /// Partitions when the topic is created
        #[arg(long, default_value_t = 1)]
        partitions: u32,
        /// Replicas per partition when the topic is created (0: the
        /// cluster's default, up to 3)
        #[arg(long, default_value_t = 0)]
        replication_factor: u32,
        /// min.insync.replicas of the topic when it is created
        #[arg(long)]
        min_insync: Option<u32>,
        /// Concurrent producers, each with its own connection
        #[arg(long, default_value_t = 1)]
        producers: usize,
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        #[arg(long, default_value_t = 1024)]
        record_size: usize,
        #[arg(long, value_enum, default_value_t = AcksArg::Leader)]
        acks: AcksArg,
        #[arg(long, default_value = "none")]
        compression: String,
        #[arg(long, default_value_t = 64 * 1024)]
        batch_bytes: usize,
        #[arg(long, default_value_t = 5)]
        linger_ms: u64,
        /// Records per second across producers (default: as fast as possible)
        #[arg(long)]
        rate: Option<u64>,
        #[arg(long)]
        no_idempotence: bool,
    },
    /// Read records of a filled topic from the start
    Consume {
        #[arg(long, default_value = "bench")]
        topic: String,
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
    },
    /// Receive and ack a filled topic with a queue group
    Queue {
        #[arg(long, default_value = "bench")]
        topic: String,
        #[arg(long, default_value_t = 4)]
        receivers: usize,
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        #[arg(long, default_value_t = 1000)]
        max_records: u32,
    },
}

pub async fn run(s: &Session, args: BenchArgs) -> Result<()> {
    if matches!(args.load, Load::Produce { .. }) {
        s.target.check_writable("bench produce")?;
    }
    let baseline = match &args.baseline {
        Some(path) => Some(read_saved(path)?),
        None => None,
    };
    let progress = Arc::new(Progress::default());
    let (kind, total, params) = describe(&args.load);
    if let Some(b) = &baseline {
        if b["kind"].as_str() != Some(kind) {
            return Err(CliError::Other(format!(
                "the baseline is a {} run and this is a {kind} run; compare like with like",
                b["kind"].as_str().unwrap_or("unknown")
            )));
        }
    }
    let display = live_display(s, total, progress.clone());
    let server = s.target.address.clone();
    let report = match args.load {
        Load::Produce {
            topic,
            partitions,
            replication_factor,
            min_insync,
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
            let admin = s.admin().await?;
            let min_insync = min_insync.map(|m| m.to_string());
            let configs: Vec<(&str, &str)> = min_insync
                .as_deref()
                .map(|m| ("min.insync.replicas", m))
                .into_iter()
                .collect();
            let create =
                admin.create_replicated_topic(&topic, partitions, replication_factor, &configs);
            if let Err(e) = s.call(create).await {
                if e.exit() != crate::error::Exit::Conflict {
                    return Err(e);
                }
            }
            let load = ProduceLoad {
                topic,
                producers,
                records,
                record_size,
                acks: match acks {
                    AcksArg::None => mq::Acks::None,
                    AcksArg::Leader => mq::Acks::Leader,
                    AcksArg::All => mq::Acks::All,
                },
                compression: compression
                    .parse()
                    .map_err(|e: mq::batch::CodecError| CliError::Other(e.to_string()))?,
                batch_bytes,
                linger: Duration::from_millis(linger_ms),
                rate,
                idempotence: !no_idempotence,
            };
            bench::produce(&server, &load, progress).await
        }
        Load::Consume { topic, records } => {
            bench::consume(&server, &topic, records, progress).await
        }
        Load::Queue {
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
            bench::queue::receive_and_ack(&server, &load, progress).await
        }
    }
    .map_err(|e| s.error(e));
    if let Some(bar) = display {
        bar.finish_and_clear();
    }
    let report = report?;
    let figures = figures(kind, &params, &report);
    if let Some(path) = &args.save {
        let text = serde_json::to_string_pretty(&figures)
            .map_err(|e| CliError::Other(format!("encoding figures: {e}")))?;
        std::fs::write(path, text)
            .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))?;
    }
    print(s, &figures, baseline.as_ref(), args.threshold)
}

fn describe(load: &Load) -> (&'static str, u64, Value) {
    match load {
        Load::Produce {
            topic,
            partitions,
            replication_factor,
            min_insync,
            producers,
            records,
            record_size,
            acks,
            compression,
            batch_bytes,
            linger_ms,
            rate,
            no_idempotence,
        } => (
            "produce",
            *records,
            json!({
                "topic": topic, "partitions": partitions, "producers": producers,
                "records": records, "record_size": record_size, "acks": format!("{acks:?}").to_lowercase(),
                "compression": compression, "batch_bytes": batch_bytes, "linger_ms": linger_ms,
                "rate": rate, "idempotence": !no_idempotence,
                "replication_factor": replication_factor, "min_insync": min_insync,
            }),
        ),
        Load::Consume { topic, records } => (
            "consume",
            *records,
            json!({ "topic": topic, "records": records }),
        ),
        Load::Queue {
            topic,
            receivers,
            records,
            max_records,
        } => (
            "queue",
            *records,
            json!({ "topic": topic, "receivers": receivers, "records": records, "max_records": max_records }),
        ),
    }
}

/// A bar on stderr with the live rate, when stderr is a terminal.
fn live_display(s: &Session, total: u64, progress: Arc<Progress>) -> Option<ProgressBar> {
    use std::io::IsTerminal;
    if s.out.quiet || s.out.mode == Output::Json || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} records  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    tokio::spawn(async move {
        while !shown.is_finished() {
            shown.set_position(progress.records.load(Ordering::Relaxed));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    Some(bar)
}

fn figures(kind: &str, params: &Value, r: &Report) -> Value {
    let latency = r
        .latency
        .map(|l| json!({ "p50": l.p50_us, "p99": l.p99_us, "p999": l.p999_us, "max": l.max_us }));
    json!({
        "kind": kind,
        "params": params,
        "records": r.records,
        "bytes": r.bytes,
        "elapsed_s": r.elapsed.as_secs_f64(),
        "records_per_s": r.records_per_sec(),
        "mb_per_s": r.mb_per_sec(),
        "latency_us": latency,
    })
}

fn read_saved(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Other(format!("cannot read baseline {}: {e}", path.display())))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        CliError::Other(format!(
            "baseline {} is not a saved bench run ({e}); write one with --save",
            path.display()
        ))
    })?;
    if v["records_per_s"].as_f64().is_none() {
        return Err(CliError::Other(format!(
            "baseline {} has no records_per_s; write one with --save",
            path.display()
        )));
    }
    Ok(v)
}

/// One compared figure: (name, baseline, now, change %, regressed).
type Compared = (&'static str, f64, f64, f64, bool);

fn compare(now: &Value, base: &Value, threshold: f64) -> Vec<Compared> {
    let mut out = Vec::new();
    let mut add = |name, b: Option<f64>, n: Option<f64>, higher_is_better: bool| {
        if let (Some(b), Some(n)) = (b, n) {
            let change = if b == 0.0 { 0.0 } else { (n - b) / b * 100.0 };
            let regressed = if higher_is_better {
                change < -threshold
            } else {
                change > threshold
            };
            out.push((name, b, n, change, regressed));
        }
    };
    add(
        "records/s",
        base["records_per_s"].as_f64(),
        now["records_per_s"].as_f64(),
        true,
    );
    add(
        "MB/s",
        base["mb_per_s"].as_f64(),
        now["mb_per_s"].as_f64(),
        true,
    );
    add(
        "p99 latency (ms)",
        base["latency_us"]["p99"].as_f64().map(|v| v / 1000.0),
        now["latency_us"]["p99"].as_f64().map(|v| v / 1000.0),
        false,
    );
    out
}

fn print(s: &Session, figures: &Value, baseline: Option<&Value>, threshold: f64) -> Result<()> {
    let compared = baseline.map(|b| compare(figures, b, threshold));
    let mut table = match &compared {
        Some(_) => Table::new(["METRIC", "BASELINE", "NOW", "CHANGE"]),
        None => Table::new(["METRIC", "VALUE"]),
    };
    match &compared {
        Some(rows) => {
            for (name, b, n, change, regressed) in rows {
                table.row([
                    name.to_string(),
                    format!("{b:.1}"),
                    format!("{n:.1}"),
                    format!(
                        "{change:+.1}%{}",
                        if *regressed { "  REGRESSION" } else { "" }
                    ),
                ]);
            }
        }
        None => {
            let f = figures;
            table.row(["records".into(), f["records"].to_string()]);
            table.row([
                "elapsed (s)".into(),
                format!("{:.3}", f["elapsed_s"].as_f64().unwrap_or(0.0)),
            ]);
            table.row([
                "records/s".into(),
                format!("{:.0}", f["records_per_s"].as_f64().unwrap_or(0.0)),
            ]);
            table.row([
                "MB/s".into(),
                format!("{:.1}", f["mb_per_s"].as_f64().unwrap_or(0.0)),
            ]);
            if let Some(l) = f["latency_us"].as_object() {
                for (key, name) in [
                    ("p50", "p50 (ms)"),
                    ("p99", "p99 (ms)"),
                    ("p999", "p99.9 (ms)"),
                    ("max", "max (ms)"),
                ] {
                    let ms = l.get(key).and_then(Value::as_f64).unwrap_or(0.0) / 1000.0;
                    table.row([name.to_string(), format!("{ms:.2}")]);
                }
            }
        }
    }
    let mut doc = figures.clone();
    if let Some(rows) = &compared {
        doc["comparison"] = json!(rows
            .iter()
            .map(|(name, b, n, change, regressed)| json!({
                "metric": name, "baseline": b, "now": n, "change_percent": change, "regressed": regressed,
            }))
            .collect::<Vec<_>>());
    }
    s.out.emit(&table, &doc)?;
    if let Some(rows) = compared {
        let bad: Vec<String> = rows
            .iter()
            .filter(|r| r.4)
            .map(|(name, b, n, change, _)| format!("{name} {b:.1} -> {n:.1} ({change:+.1}%)"))
            .collect();
        if !bad.is_empty() {
            return Err(CliError::Other(format!(
                "regression beyond {threshold}%: {}",
                bad.join("; ")
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regressions_are_found_in_the_right_direction() {
        let base =
            json!({ "records_per_s": 1000.0, "mb_per_s": 1.0, "latency_us": { "p99": 1000 } });
        let slower =
            json!({ "records_per_s": 850.0, "mb_per_s": 0.85, "latency_us": { "p99": 1050 } });
        let rows = compare(&slower, &base, 10.0);
        assert!(rows[0].4 && rows[1].4, "throughput fell 15%");
        assert!(!rows[2].4, "p99 rose only 5%");
        let faster =
            json!({ "records_per_s": 2000.0, "mb_per_s": 2.0, "latency_us": { "p99": 500 } });
        assert!(compare(&faster, &base, 10.0).iter().all(|r| !r.4));
    }
}
