//! `mqctl consume TOPIC`: print records, one value per line by default.
//!
//! Without `--follow` it stops at the end: for plain reads, the high
//! watermark each partition had when it started; for `--group`, once no
//! record has come for `--idle`. With `-o json` it prints one JSON object
//! per line (JSON Lines), with binary values in base64.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

use base64::Engine;
use mq::proto::{list_offsets_request::Spec, ListOffsetsRequest};
use mq::{
    ConsumedRecord, Consumer, ConsumerConfig, GroupConfig, GroupConsumer, OffsetReset, StartOffset,
};
use serde_json::json;

use crate::cli::{ConsumeArgs, Output};
use crate::error::{CliError, Result};
use crate::session::Session;

const POLL: std::time::Duration = std::time::Duration::from_millis(200);

pub async fn run(s: &Session, args: ConsumeArgs) -> Result<()> {
    if args.group.is_some() {
        // Reading for a group commits offsets: that changes the group.
        s.target.check_writable("consume --group")?;
    }
    let start = if args.from_beginning {
        StartOffset::Earliest
    } else if let Some(o) = args.offset {
        StartOffset::Offset(o)
    } else if let Some(t) = &args.from_time {
        StartOffset::Timestamp(parse_time(t)?)
    } else {
        StartOffset::Latest
    };
    let mut printer = RecordPrinter::new(s, args.format.clone());
    let limit = args.count.unwrap_or(u64::MAX);
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    match &args.group {
        Some(group) => {
            let client = s.client().await?;
            let mut config = GroupConfig::new(group, [args.topic.clone()]);
            config.auto_commit = false;
            config.client_id = "mqctl".to_string();
            config.auto_offset_reset = if args.from_beginning {
                OffsetReset::Earliest
            } else {
                OffsetReset::Latest
            };
            let mut member = s.call(GroupConsumer::join(client.clone(), config)).await?;
            let mut idle_since = Instant::now();
            let result = loop {
                if printer.count >= limit {
                    break Ok(());
                }
                let polled = tokio::select! {
                    r = member.poll(POLL) => r,
                    _ = &mut interrupted => break Ok(()),
                };
                let records = match polled {
                    Ok(r) => r,
                    Err(e) => break Err(s.error(e)),
                };
                if records.is_empty() {
                    if !args.follow && idle_since.elapsed() >= args.idle {
                        break Ok(());
                    }
                    continue;
                }
                idle_since = Instant::now();
                let mut positions: BTreeMap<u32, i64> = BTreeMap::new();
                for r in records.iter().take((limit - printer.count) as usize) {
                    printer.print(r)?;
                    positions.insert(r.partition, r.offset + 1);
                }
                // Commit exactly what was printed (not the rest of a poll
                // cut short by -n).
                let offsets: Vec<(String, u32, i64)> = positions
                    .into_iter()
                    .map(|(partition, offset)| (args.topic.clone(), partition, offset))
                    .collect();
                if let Err(e) = member.commit_offsets(&offsets).await {
                    break Err(s.error(e));
                }
            };
            let closed = member.close().await.map_err(|e| s.error(e));
            result.and(closed)
        }
        None => {
            let client = s.client().await?;
            let partitions: Vec<u32> = match args.partition {
                Some(p) => vec![p],
                None => {
                    let admin = mq::Admin::new(&client);
                    let d = s.call(admin.describe_topic(&args.topic)).await?;
                    d.partitions.iter().map(|p| p.partition).collect()
                }
            };
            let mut consumer = Consumer::new(client.clone(), ConsumerConfig::default());
            let mut ends: BTreeMap<u32, i64> = BTreeMap::new();
            for &p in &partitions {
                s.call(consumer.assign(&args.topic, p, start)).await?;
                let end = s
                    .rpc(client.broker().list_offsets(ListOffsetsRequest {
                        topic: args.topic.clone(),
                        partition: p,
                        spec: Some(Spec::Latest(true)),
                    }))
                    .await?
                    .offset;
                ends.insert(p, end);
            }
            loop {
                if printer.count >= limit {
                    return Ok(());
                }
                if !args.follow
                    && ends.iter().all(|(p, end)| {
                        consumer
                            .position(&args.topic, *p)
                            .is_some_and(|pos| pos >= *end)
                    })
                {
                    return Ok(());
                }
                let records = tokio::select! {
                    r = consumer.poll(POLL) => r.map_err(|e| s.error(e))?,
                    _ = &mut interrupted => return Ok(()),
                };
                for r in records.iter().take((limit - printer.count) as usize) {
                    printer.print(r)?;
                }
            }
        }
    }
}

struct RecordPrinter {
    json: bool,
    template: Option<String>,
    count: u64,
    out: std::io::BufWriter<std::io::Stdout>,
}

impl RecordPrinter {
    fn new(s: &Session, template: Option<String>) -> RecordPrinter {
        RecordPrinter {
            json: s.out.mode == Output::Json,
            template,
            count: 0,
            out: std::io::BufWriter::new(std::io::stdout()),
        }
    }

    fn print(&mut self, r: &ConsumedRecord) -> Result<()> {
        self.count += 1;
        let written = if self.json {
            let line = record_json(r).to_string();
            writeln!(self.out, "{line}")
        } else if let Some(t) = &self.template {
            writeln!(self.out, "{}", render(t, r))
        } else {
            // The value's bytes as they are: binary-safe for pipes.
            self.out
                .write_all(r.value.as_deref().unwrap_or_default())
                .and_then(|()| self.out.write_all(b"\n"))
        };
        match written.and_then(|()| self.out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
            Err(e) => Err(CliError::Other(format!("writing output: {e}"))),
        }
    }
}

fn bytes_json(
    name: &str,
    bytes: Option<&[u8]>,
    doc: &mut serde_json::Map<String, serde_json::Value>,
) {
    match bytes {
        None => {
            doc.insert(name.to_string(), serde_json::Value::Null);
        }
        Some(b) => match std::str::from_utf8(b) {
            Ok(text) => {
                doc.insert(name.to_string(), json!(text));
            }
            Err(_) => {
                doc.insert(name.to_string(), serde_json::Value::Null);
                doc.insert(
                    format!("{name}_base64"),
                    json!(base64::engine::general_purpose::STANDARD.encode(b)),
                );
            }
        },
    }
}

/// The JSON form of a record (documented in docs/mqctl.md).
fn record_json(r: &ConsumedRecord) -> serde_json::Value {
    let mut doc = serde_json::Map::new();
    doc.insert("topic".into(), json!(&*r.topic));
    doc.insert("partition".into(), json!(r.partition));
    doc.insert("offset".into(), json!(r.offset));
    doc.insert("timestamp_ms".into(), json!(r.timestamp_ms));
    bytes_json("key", r.key.as_deref(), &mut doc);
    bytes_json("value", r.value.as_deref(), &mut doc);
    let headers: serde_json::Map<String, serde_json::Value> = r
        .headers
        .iter()
        .map(|h| {
            let v = h
                .value
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned());
            (h.key.clone(), json!(v))
        })
        .collect();
    doc.insert("headers".into(), serde_json::Value::Object(headers));
    serde_json::Value::Object(doc)
}

fn render(template: &str, r: &ConsumedRecord) -> String {
    let text = |b: Option<&[u8]>| {
        b.map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    let headers = r
        .headers
        .iter()
        .map(|h| format!("{}={}", h.key, text(h.value.as_deref())))
        .collect::<Vec<_>>()
        .join(",");
    template
        .replace("{topic}", &r.topic)
        .replace("{partition}", &r.partition.to_string())
        .replace("{offset}", &r.offset.to_string())
        .replace("{timestamp}", &r.timestamp_ms.to_string())
        .replace("{key}", &text(r.key.as_deref()))
        .replace("{headers}", &headers)
        .replace("{value}", &text(r.value.as_deref()))
        .replace("\\t", "\t")
        .replace("\\n", "\n")
}

/// RFC 3339 (`2026-11-22T10:00:00Z`, with an offset or fractional seconds)
/// or milliseconds since the Unix epoch.
pub fn parse_time(s: &str) -> Result<i64> {
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    rfc3339_ms(s).ok_or_else(|| {
        CliError::Other(format!(
            "{s:?} is not a time; use RFC 3339 (2026-11-22T10:00:00Z) or milliseconds since the epoch"
        ))
    })
}

fn rfc3339_ms(s: &str) -> Option<i64> {
    let (date, rest) = s.split_once(['T', 't', ' '])?;
    let mut d = date.split('-');
    let (y, mo, da): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    if d.next().is_some() || !(1..=12).contains(&mo) || !(1..=31).contains(&da) {
        return None;
    }
    let (time, offset_min) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, 0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (t, off) = rest.split_at(at);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off[1..].split_once(':')?;
        (
            t,
            sign * (oh.parse::<i64>().ok()? * 60 + om.parse::<i64>().ok()?),
        )
    };
    let mut parts = time.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let mi: i64 = parts.next()?.parse().ok()?;
    let sec_text = parts.next()?;
    let (sec, frac) = sec_text.split_once('.').unwrap_or((sec_text, ""));
    let sec: i64 = sec.parse().ok()?;
    let ms: i64 = if frac.is_empty() {
        0
    } else {
        format!("{:0<3}", &frac[..frac.len().min(3)]).parse().ok()?
    };
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse() {
        assert_eq!(parse_time("0").unwrap(), 0);
        assert_eq!(parse_time("1970-01-01T00:00:01Z").unwrap(), 1000);
        assert_eq!(
            parse_time("2026-11-22T10:00:00.5Z").unwrap(),
            1_795_341_600_500
        );
        assert_eq!(
            parse_time("2026-11-22T11:00:00+01:00").unwrap(),
            1_795_341_600_000
        );
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2026-13-01T00:00:00Z").is_err());
    }
}
