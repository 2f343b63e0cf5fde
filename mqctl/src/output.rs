//! Printing: tables for people (comfy-table), stable JSON for scripts.
//!
//! Every verb builds both forms; `-o` picks one. JSON goes to stdout as one
//! document per command, with the field names documented in docs/mqctl.md.
//! Messages for people ("created topic x") are printed only in table
//! mode, and not at all with `--quiet`.

use std::io::{IsTerminal, Write};

use comfy_table::presets::NOTHING;
use comfy_table::{Attribute, Cell, ContentArrangement};

use crate::cli::Output;
use crate::error::{CliError, Result};

pub struct Printer {
    pub mode: Output,
    pub quiet: bool,
    pub color: bool,
}

impl Printer {
    pub fn new(mode: Output, quiet: bool, no_color: bool) -> Printer {
        let color = !no_color
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::stdout().is_terminal();
        Printer { mode, quiet, color }
    }

    pub fn wide(&self) -> bool {
        self.mode == Output::Wide
    }

    /// Prints the table, or the JSON document in json mode.
    pub fn emit(&self, table: &Table, json: &serde_json::Value) -> Result<()> {
        match self.mode {
            Output::Json => self.json(json),
            _ if self.quiet => Ok(()),
            _ => write_out(&table.render(self.color)),
        }
    }

    /// Prints `json` in json mode; nothing otherwise.
    pub fn json(&self, json: &serde_json::Value) -> Result<()> {
        if self.mode != Output::Json {
            return Ok(());
        }
        let text = serde_json::to_string_pretty(json)
            .map_err(|e| CliError::Other(format!("encoding JSON: {e}")))?;
        write_out(&text)
    }

    /// A message for people, in table modes only.
    pub fn note(&self, message: &str) {
        if self.mode != Output::Json && !self.quiet {
            let _ = write_out(message);
        }
    }
}

/// Writes a line to stdout; a closed pipe (`mqctl ... | head`) ends quietly.
pub fn write_out(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(CliError::Other(format!("writing output: {e}"))),
    }
}

/// A borderless table with a header, as `kubectl` and `rpk` print them.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<const N: usize>(header: [&str; N]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn with_header(header: Vec<&str>) -> Table {
        Table {
            header: header.into_iter().map(str::to_string).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<I: IntoIterator<Item = String>>(&mut self, cells: I) {
        self.rows.push(cells.into_iter().collect());
    }

    pub fn render(&self, color: bool) -> String {
        let mut t = comfy_table::Table::new();
        t.load_preset(NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
        if color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        t.set_header(self.header.iter().map(|h| {
            let cell = Cell::new(h);
            if color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }));
        for row in &self.rows {
            t.add_row(row.clone());
        }
        // comfy-table pads the first column with a leading space; trim
        // each line so output starts at column 0 and has no trailing blanks.
        t.to_string()
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

pub use mq::human::{bytes as human_bytes, suggest};

/// Node ids as `1,2,3` (replicas, in-sync replicas).
pub fn node_list(ids: &[u32]) -> String {
    ids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_start_at_the_first_column() {
        let mut t = Table::new(["NAME", "PARTITIONS"]);
        t.row(["orders".to_string(), "3".to_string()]);
        assert_eq!(t.render(false), "NAME    PARTITIONS\norders  3");
    }
}
