//! `mqctl produce TOPIC`: records from arguments, stdin lines or a file.

use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use mq::batch::Compression;
use mq::{Acks, Producer, ProducerConfig, Record};
use serde_json::json;

use crate::cli::{AcksArg, Output, ProduceArgs};
use crate::error::{CliError, Result};
use crate::output::Table;
use crate::session::Session;

/// Deliveries awaited at once before sending more (bounds memory for big
/// files while keeping batches full).
const IN_FLIGHT: usize = 10_000;

pub async fn run(s: &Session, args: ProduceArgs) -> Result<()> {
    if !args.dry_run {
        s.target.check_writable("produce")?;
    }
    let compression: Compression = args
        .compression
        .parse()
        .map_err(|e: mq::batch::CodecError| CliError::Other(e.to_string()))?;
    let acks = match args.acks {
        AcksArg::None => Acks::None,
        AcksArg::Leader => Acks::Leader,
        AcksArg::All => Acks::All,
    };
    let (lines, progress) = input(&args)?;
    let make = |line: String| -> Record {
        let (key, value) = match &args.key_separator {
            Some(sep) => match line.split_once(sep.as_str()) {
                Some((k, v)) => (Some(k.to_string()), v.to_string()),
                None => (None, line),
            },
            None => (None, line),
        };
        let mut record = Record::new(value);
        if let Some(k) = key {
            record = record.with_key(k);
        }
        for (k, v) in &args.headers {
            record = record.with_header(k.clone(), v.clone());
        }
        record
    };

    if args.dry_run {
        let mut count = 0u64;
        let mut bytes = 0u64;
        for line in lines {
            let record = make(line?);
            count += 1;
            bytes += record.approx_size() as u64;
        }
        let mut table = Table::new(["TOPIC", "RECORDS", "BYTES", "PARTITION"]);
        let partition = args
            .partition
            .map_or("by key".to_string(), |p| p.to_string());
        table.row([
            args.topic.clone(),
            count.to_string(),
            bytes.to_string(),
            partition,
        ]);
        s.out.note("dry run: nothing sent");
        return s.out.emit(
            &table,
            &json!({ "topic": args.topic, "records": count, "bytes": bytes, "sent": false }),
        );
    }

    let client = s.client().await?;
    let producer = Producer::new(
        client,
        ProducerConfig {
            acks,
            compression,
            idempotence: !args.no_idempotence,
            ..ProducerConfig::default()
        },
    );
    let want_offsets = s.out.mode == Output::Json;
    let mut pending = Vec::new();
    let mut offsets = Vec::new();
    let mut count = 0u64;
    for line in lines {
        let record = make(line?);
        let delivery = match args.partition {
            Some(p) => producer.send_to(&args.topic, p, record).await,
            None => producer.send(&args.topic, record).await,
        }
        .map_err(|e| s.error(e))?;
        pending.push(delivery);
        count += 1;
        if pending.len() >= IN_FLIGHT {
            settle(s, &mut pending, &mut offsets, want_offsets).await?;
        }
        if let Some(bar) = &progress {
            bar.set_message(format!("{count} records"));
        }
    }
    settle(s, &mut pending, &mut offsets, want_offsets).await?;
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    s.out
        .note(&format!("produced {count} record(s) to {:?}", args.topic));
    s.out
        .json(&json!({ "topic": args.topic, "records": count, "offsets": offsets }))
}

async fn settle(
    s: &Session,
    pending: &mut Vec<mq::Delivery>,
    offsets: &mut Vec<serde_json::Value>,
    keep: bool,
) -> Result<()> {
    for delivery in pending.drain(..) {
        let meta = match tokio::time::timeout(
            s.timeout.max(Duration::from_secs(30)),
            std::future::IntoFuture::into_future(delivery),
        )
        .await
        {
            Ok(r) => r.map_err(|e| s.error(e))?,
            Err(_) => {
                return Err(CliError::Timeout {
                    address: s.target.address.clone(),
                    timeout_ms: s.timeout.max(Duration::from_secs(30)).as_millis(),
                })
            }
        };
        if keep {
            offsets.push(json!({ "partition": meta.partition, "offset": meta.offset }));
        }
    }
    Ok(())
}

type Lines = Box<dyn Iterator<Item = Result<String>>>;

/// The values to send, and a progress bar when reading a file on a terminal.
fn input(args: &ProduceArgs) -> Result<(Lines, Option<ProgressBar>)> {
    if !args.values.is_empty() {
        if args.file.is_some() {
            return Err(CliError::Other(
                "give values as arguments or --file, not both".to_string(),
            ));
        }
        let values = args.values.clone();
        return Ok((Box::new(values.into_iter().map(Ok)), None));
    }
    let (reader, progress): (Box<dyn Read>, Option<ProgressBar>) = match &args.file {
        Some(path) => {
            let file = std::fs::File::open(path)
                .map_err(|e| CliError::Other(format!("cannot open {}: {e}", path.display())))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let bar = std::io::stderr().is_terminal().then(|| {
                let bar = ProgressBar::new(size);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg} eta {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar
            });
            let reader: Box<dyn Read> = match &bar {
                Some(bar) => Box::new(bar.wrap_read(file)),
                None => Box::new(file),
            };
            (reader, bar)
        }
        None => (Box::new(std::io::stdin()), None),
    };
    let lines = BufReader::with_capacity(1 << 16, reader).lines().map(|l| {
        l.map_err(|e| {
            CliError::Other(format!(
                "reading input: {e} (values are read as UTF-8 lines)"
            ))
        })
    });
    Ok((Box::new(lines), progress))
}
