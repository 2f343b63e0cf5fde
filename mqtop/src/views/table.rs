//! One table machinery for every view: columns declared once with their
//! sort key and cell, sorting and filtering by the operator's settings,
//! hidden columns, and a scroll window that keeps the selection visible.
//! Only the visible rows are formatted, so a 1,000-row table costs little
//! more than a 20-row one.

use std::cmp::Ordering;

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};
use ratatui::Frame;

use crate::theme::Theme;
use crate::ui_state::TableSettings;

/// What a cell may read besides its row.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub theme: Theme,
    pub now_ms: i64,
}

impl std::ops::Deref for Ctx {
    type Target = Theme;

    fn deref(&self) -> &Theme {
        &self.theme
    }
}

/// What a column sorts by.
pub enum Key {
    Num(f64),
    Text(String),
}

impl Key {
    fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Num(a), Key::Num(b)) => a.total_cmp(b),
            (Key::Text(a), Key::Text(b)) => a.cmp(b),
            (Key::Num(_), Key::Text(_)) => Ordering::Less,
            (Key::Text(_), Key::Num(_)) => Ordering::Greater,
        }
    }
}

pub struct Column<R> {
    pub title: &'static str,
    pub width: Constraint,
    pub key: fn(&R) -> Key,
    pub cell: fn(&R, &Ctx) -> Cell<'static>,
    /// Whether the operator may hide it (the name column may not).
    pub hideable: bool,
}

/// What one drawing of a table shows.
pub struct Drawn<'a, R> {
    pub settings: &'a TableSettings,
    /// Already filtered and sorted.
    pub rows: &'a [R],
    /// None: the table takes no selection.
    pub selected: Option<usize>,
    pub title: Line<'static>,
    pub ctx: Ctx,
}

pub struct Spec<R: 'static> {
    /// The key of the table's settings.
    pub name: &'static str,
    pub columns: &'static [Column<R>],
    /// The column sorted by when the operator chose none, and descending.
    pub default_sort: (&'static str, bool),
    /// The text a filter matches.
    pub text: fn(&R) -> String,
    /// What identifies a row, for drilling down and acknowledging.
    pub id: fn(&R) -> String,
}

impl<R> Spec<R> {
    pub fn visible<'a>(
        &'a self,
        settings: &'a TableSettings,
    ) -> impl Iterator<Item = &'a Column<R>> {
        self.columns
            .iter()
            .filter(|c| !(c.hideable && settings.hidden.iter().any(|h| h == c.title)))
    }

    fn sort_column(&self, settings: &TableSettings) -> (usize, bool) {
        let by = |title: &str| self.columns.iter().position(|c| c.title == title);
        match by(&settings.sort) {
            Some(i) if !settings.sort.is_empty() => (i, settings.descending),
            _ => (by(self.default_sort.0).unwrap_or(0), self.default_sort.1),
        }
    }

    /// The rows the table shows, in order.
    pub fn arrange(&self, settings: &TableSettings, mut rows: Vec<R>) -> Vec<R> {
        if !settings.filter.is_empty() {
            let needle = settings.filter.to_lowercase();
            rows.retain(|r| (self.text)(r).to_lowercase().contains(&needle));
        }
        let (column, descending) = self.sort_column(settings);
        let key = self.columns[column].key;
        let name = self.columns[0].key;
        // Ties fall back to the first column, so equal rows never swap
        // places between refreshes.
        let mut keyed: Vec<(Key, Key, R)> =
            rows.into_iter().map(|r| (key(&r), name(&r), r)).collect();
        keyed.sort_by(|a, b| {
            let primary = if descending {
                b.0.cmp(&a.0)
            } else {
                a.0.cmp(&b.0)
            };
            primary.then_with(|| a.1.cmp(&b.1))
        });
        keyed.into_iter().map(|(_, _, r)| r).collect()
    }

    /// Moves the sort to the next or previous visible column; on the same
    /// column again it keeps the direction.
    pub fn shift_sort(&self, settings: &mut TableSettings, forward: bool) {
        let visible: Vec<&str> = self.visible(settings).map(|c| c.title).collect();
        if visible.is_empty() {
            return;
        }
        let (current, descending) = self.sort_column(settings);
        let title = self.columns[current].title;
        let i = visible.iter().position(|t| *t == title).unwrap_or(0);
        let next = if forward {
            (i + 1) % visible.len()
        } else {
            (i + visible.len() - 1) % visible.len()
        };
        settings.sort = visible[next].to_string();
        settings.descending = descending;
    }

    pub fn reverse_sort(&self, settings: &mut TableSettings) {
        let (current, descending) = self.sort_column(settings);
        settings.sort = self.columns[current].title.to_string();
        settings.descending = !descending;
    }

    /// Draws the rows (already arranged) with the selection highlighted.
    pub fn render(&self, f: &mut Frame, area: Rect, view: Drawn<'_, R>) {
        let Drawn {
            settings,
            rows,
            selected,
            title,
            ctx,
        } = view;
        let theme = ctx.theme;
        let (sort, descending) = self.sort_column(settings);
        let sort_title = self.columns[sort].title;
        let columns: Vec<&Column<R>> = self.visible(settings).collect();
        let header = Row::new(columns.iter().map(|c| {
            let mut t = c.title.to_string();
            if c.title == sort_title {
                t.push(if descending { '▼' } else { '▲' });
            }
            Cell::from(t)
        }))
        .style(theme.title());
        // Borders and the header take three lines.
        let height = area.height.saturating_sub(3) as usize;
        let selected = selected.map(|s| s.min(rows.len().saturating_sub(1)));
        let offset = match selected {
            Some(s) if s >= height => s + 1 - height,
            _ => 0,
        };
        let body: Vec<Row> = rows
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, r)| {
                let row = Row::new(columns.iter().map(|c| (c.cell)(r, &ctx)));
                if Some(i) == selected {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        let mut title = title;
        if !settings.filter.is_empty() {
            title.spans.push(Span::styled(
                format!(" /{} ", settings.filter),
                theme.accent(),
            ));
        }
        let position = match selected {
            Some(s) if !rows.is_empty() => format!(" {}/{} ", s + 1, rows.len()),
            _ => format!(" {} rows ", rows.len()),
        };
        let table = Table::new(body, columns.iter().map(|c| c.width))
            .header(header)
            .column_spacing(1)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(title)
                    .title_bottom(Line::from(position).right_aligned()),
            );
        f.render_widget(table, area);
        if rows.is_empty() {
            let msg = if settings.filter.is_empty() {
                "nothing here yet".to_string()
            } else {
                format!("no row matches /{} (Esc clears)", settings.filter)
            };
            let inner = Rect {
                x: area.x + 2,
                y: area.y + 2,
                width: area.width.saturating_sub(4),
                height: 1.min(area.height.saturating_sub(3)),
            };
            f.render_widget(Line::styled(msg, theme.dim()), inner);
        }
    }
}

/// A row about one partition, for the shared TOPIC and P columns.
pub trait Placed {
    fn topic(&self) -> &str;
    fn partition(&self) -> u32;
}

/// The topic, sorting topic by topic and then by partition number.
pub const fn topic_column<R: Placed>() -> Column<R> {
    Column {
        title: "TOPIC",
        width: Constraint::Min(10),
        key: |r| Key::Text(format!("{}\u{0}{:010}", r.topic(), r.partition())),
        cell: |r, _| text(r.topic().to_string()),
        hideable: false,
    }
}

pub const fn partition_column<R: Placed>() -> Column<R> {
    Column {
        title: "P",
        width: Constraint::Length(4),
        key: |r| Key::Num(r.partition() as f64),
        cell: |r, _| num(r.partition().to_string(), 4),
        hideable: false,
    }
}

/// A text cell.
pub fn text(s: impl Into<String>) -> Cell<'static> {
    Cell::from(s.into())
}

/// A styled text cell.
pub fn styled(s: impl Into<String>, style: Style) -> Cell<'static> {
    Cell::from(Span::styled(s.into(), style))
}

/// A number right-aligned in `width`.
pub fn num(s: impl Into<String>, width: usize) -> Cell<'static> {
    Cell::from(format!("{:>width$}", s.into()))
}

pub fn num_styled(s: impl Into<String>, width: usize, style: Style) -> Cell<'static> {
    Cell::from(Span::styled(format!("{:>width$}", s.into()), style))
}
