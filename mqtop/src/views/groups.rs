//! Groups: consumer and queue groups with lag in records and in time, its
//! trend, time to drain and the broker's lag status; Enter opens a group's
//! per-partition lag as a bar chart (skew across hundreds of partitions at
//! a glance) over its partition table.

use mq::human;
use mq::proto::LagStatus;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::selected;
use super::table::{
    num, num_styled, partition_column, styled, text, topic_column, Column, Drawn, Key, Spec,
};
use crate::app::App;
use crate::history::sparkline;
use crate::model::{self, GroupPartitionRow, GroupRow, QueuePartitionRow, SPARK_WIDTH};
use crate::theme::Theme;

fn status_rank(s: LagStatus) -> f64 {
    match s {
        LagStatus::Unspecified => 0.0,
        LagStatus::Ok => 1.0,
        LagStatus::Warning => 2.0,
        LagStatus::Stalled => 3.0,
        LagStatus::Stopped => 4.0,
    }
}

fn drain(secs: Option<f64>) -> String {
    match secs {
        Some(s) if s <= 0.0 => "-".into(),
        Some(s) => human::duration_secs(s),
        None => "never".into(),
    }
}

/// A row with a lag and the broker's lag status: a group, or one of its
/// partitions.
pub trait Lagging {
    fn lag(&self) -> i64;
    fn lag_secs(&self) -> f64;
    fn status(&self) -> LagStatus;
}

const fn status_column<R: Lagging>(hideable: bool) -> Column<R> {
    Column {
        title: "STATUS",
        width: Constraint::Length(7),
        key: |r| Key::Num(status_rank(r.status())),
        cell: |r, t| {
            styled(
                human::lag_status(r.status() as i32),
                t.lag_status(r.status()),
            )
        },
        hideable,
    }
}

const fn lag_column<R: Lagging>() -> Column<R> {
    Column {
        title: "LAG",
        width: Constraint::Length(6),
        key: |r| Key::Num(r.lag() as f64),
        cell: |r, t| num_styled(human::count(r.lag() as f64), 6, t.lag_status(r.status())),
        hideable: false,
    }
}

const fn lag_time_column<R: Lagging>() -> Column<R> {
    Column {
        title: "LAG-T",
        width: Constraint::Length(5),
        key: |r| Key::Num(r.lag_secs()),
        cell: |r, _| num(human::duration_secs(r.lag_secs().floor()), 5),
        hideable: true,
    }
}

macro_rules! lagging {
    ($($row:ty),*) => {$(
        impl Lagging for $row {
            fn lag(&self) -> i64 {
                self.lag
            }

            fn lag_secs(&self) -> f64 {
                self.lag_secs
            }

            fn status(&self) -> LagStatus {
                self.status
            }
        }
    )*};
}

lagging!(GroupRow, GroupPartitionRow);

static COLUMNS: [Column<GroupRow>; 11] = [
    Column {
        title: "GROUP",
        width: Constraint::Min(10),
        key: |r| Key::Text(r.name.clone()),
        cell: |r, _| text(r.name.clone()),
        hideable: false,
    },
    Column {
        title: "KIND",
        width: Constraint::Length(5),
        key: |r| Key::Text(r.kind.to_string()),
        cell: |r, _| text(if r.kind == "consumer" { "cons" } else { r.kind }),
        hideable: true,
    },
    Column {
        title: "STATE",
        width: Constraint::Length(6),
        key: |r| Key::Text(r.state.to_string()),
        cell: |r, c| match r.state {
            "rebal" => styled(r.state, c.warn()),
            "empty" | "dead" | "idle" => styled(r.state, c.dim()),
            s => text(s),
        },
        hideable: true,
    },
    Column {
        title: "MEMB",
        width: Constraint::Length(4),
        key: |r| Key::Num(r.members as f64),
        cell: |r, t| {
            if r.members == 0 {
                num_styled("0", 4, t.warn())
            } else {
                num(r.members.to_string(), 4)
            }
        },
        hideable: true,
    },
    status_column(false),
    lag_column(),
    lag_time_column(),
    Column {
        title: "LAG TREND",
        width: Constraint::Length(SPARK_WIDTH as u16),
        key: |r| Key::Num(r.lag as f64),
        cell: |r, t| styled(sparkline(&r.spark, SPARK_WIDTH), t.lag_status(r.status)),
        hideable: true,
    },
    Column {
        title: "DRAIN",
        width: Constraint::Length(5),
        key: |r| Key::Num(r.drain_secs.unwrap_or(f64::MAX)),
        cell: |r, _| num(drain(r.drain_secs), 5),
        hideable: true,
    },
    Column {
        title: "FLIGHT",
        width: Constraint::Length(6),
        key: |r| Key::Num(r.in_flight.map_or(-1.0, |n| n as f64)),
        cell: |r, _| {
            num(
                r.in_flight.map_or("-".into(), |n| human::count(n as f64)),
                6,
            )
        },
        hideable: true,
    },
    Column {
        title: "DLQ",
        width: Constraint::Length(4),
        key: |r| Key::Num(r.dead_lettered.map_or(-1.0, |n| n as f64)),
        cell: |r, t| match r.dead_lettered {
            Some(n) if n > 0 => num_styled(human::count(n as f64), 4, t.warn()),
            Some(_) => num("0", 4),
            None => num("-", 4),
        },
        hideable: true,
    },
];

pub static SPEC: Spec<GroupRow> = Spec {
    name: "groups",
    columns: &COLUMNS,
    default_sort: ("STATUS", true),
    text: |r| {
        format!(
            "{} {} {} {} {}",
            r.name,
            r.kind,
            r.state,
            human::lag_status(r.status as i32),
            r.topics
        )
    },
    id: |r| r.name.clone(),
};

/// The readers of a topic, inside its drill-down (not selectable).
pub static READERS_SPEC: Spec<GroupRow> = Spec {
    name: "readers",
    columns: &COLUMNS,
    default_sort: ("LAG", true),
    text: |r| r.name.clone(),
    id: |r| r.name.clone(),
};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let settings = app.settings.table(SPEC.name);
    let rows = SPEC.arrange(&settings, model::groups(app));
    SPEC.render(
        f,
        area,
        Drawn {
            settings: &settings,
            rows: &rows,
            selected: Some(selected(app, SPEC.name)),
            title: Line::from(" Groups "),
            ctx: super::ctx(app),
        },
    );
}

pub fn render_readers(f: &mut Frame, area: Rect, app: &App, topic: &str, rows: Vec<GroupRow>) {
    let settings = app.settings.table(READERS_SPEC.name);
    let rows = READERS_SPEC.arrange(&settings, rows);
    READERS_SPEC.render(
        f,
        area,
        Drawn {
            settings: &settings,
            rows: &rows,
            selected: None,
            title: Line::from(format!(" Groups reading {topic} ")),
            ctx: super::ctx(app),
        },
    );
}

static PARTITION_COLUMNS: [Column<GroupPartitionRow>; 9] = [
    topic_column(),
    partition_column(),
    Column {
        title: "COMMITTED",
        width: Constraint::Length(9),
        key: |r| Key::Num(r.committed as f64),
        cell: |r, _| {
            num(
                if r.committed < 0 {
                    "-".into()
                } else {
                    human::count(r.committed as f64)
                },
                9,
            )
        },
        hideable: true,
    },
    Column {
        title: "HW",
        width: Constraint::Length(7),
        key: |r| Key::Num(r.high_watermark as f64),
        cell: |r, _| num(human::count(r.high_watermark as f64), 7),
        hideable: true,
    },
    lag_column(),
    lag_time_column(),
    Column {
        title: "TREND",
        width: Constraint::Length(9),
        key: |r| Key::Num(r.trend as f64),
        cell: |r, _| text(human::lag_trend(r.trend)),
        hideable: true,
    },
    Column {
        title: "DRAIN",
        width: Constraint::Length(5),
        key: |r| {
            Key::Num(if r.drain_secs < 0.0 {
                f64::MAX
            } else {
                r.drain_secs
            })
        },
        cell: |r, _| {
            num(
                drain(if r.drain_secs < 0.0 && r.lag > 0 {
                    None
                } else {
                    Some(r.drain_secs.max(0.0))
                }),
                5,
            )
        },
        hideable: true,
    },
    status_column(true),
];

pub static GROUP_SPEC: Spec<GroupPartitionRow> = Spec {
    name: "group",
    columns: &PARTITION_COLUMNS,
    default_sort: ("LAG", true),
    text: |r| {
        format!(
            "{} {} {}",
            r.topic,
            r.partition,
            human::lag_status(r.status as i32)
        )
    },
    id: |r| format!("{}/{}", r.topic, r.partition),
};

static QUEUE_COLUMNS: [Column<QueuePartitionRow>; 7] = [
    topic_column(),
    partition_column(),
    Column {
        title: "BACKLOG",
        width: Constraint::Length(7),
        key: |r| Key::Num(r.backlog as f64),
        cell: |r, _| num(human::count(r.backlog as f64), 7),
        hideable: false,
    },
    Column {
        title: "FLIGHT",
        width: Constraint::Length(6),
        key: |r| Key::Num(r.in_flight as f64),
        cell: |r, _| num(human::count(r.in_flight as f64), 6),
        hideable: true,
    },
    Column {
        title: "WAITING",
        width: Constraint::Length(7),
        key: |r| Key::Num(r.waiting as f64),
        cell: |r, _| num(human::count(r.waiting as f64), 7),
        hideable: true,
    },
    Column {
        title: "DLQ",
        width: Constraint::Length(5),
        key: |r| Key::Num(r.dead_lettered as f64),
        cell: |r, c| {
            if r.dead_lettered > 0 {
                num_styled(human::count(r.dead_lettered as f64), 5, c.warn())
            } else {
                num("0", 5)
            }
        },
        hideable: true,
    },
    Column {
        title: "OLDEST",
        width: Constraint::Length(6),
        key: |r| Key::Num(r.oldest_secs),
        cell: |r, _| num(human::duration_secs(r.oldest_secs.floor()), 6),
        hideable: true,
    },
];

/// A queue group's partitions, inside its drill-down.
pub static QUEUE_SPEC: Spec<QueuePartitionRow> = Spec {
    name: "queue",
    columns: &QUEUE_COLUMNS,
    default_sort: ("BACKLOG", true),
    text: |r| format!("{} {}", r.topic, r.partition),
    id: |r| format!("{}/{}", r.topic, r.partition),
};

/// One group: its summary, the per-partition lag chart and the table.
pub fn render_detail(f: &mut Frame, area: Rect, app: &App, group: &str) {
    let c = super::ctx(app);
    let t = c.theme;
    let Some(row) = model::groups(app).into_iter().find(|g| g.name == group) else {
        let msg = Paragraph::new(Line::styled(
            format!(
                "group {group} is gone (deleted, or not in the latest snapshot); Esc goes back"
            ),
            t.warn(),
        ))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Group {group} ")),
        );
        f.render_widget(msg, area);
        return;
    };
    let parts = model::group_partitions(app, group);
    let queue_parts = model::queue_partitions(app, group);
    let bars: Vec<Bar> = if row.kind == "queue" {
        queue_parts
            .iter()
            .map(|p| Bar {
                topic: &p.topic,
                partition: p.partition,
                value: p.backlog,
                status: if p.backlog > 0 {
                    row.status
                } else {
                    LagStatus::Ok
                },
            })
            .collect()
    } else {
        parts
            .iter()
            .map(|p| Bar {
                topic: &p.topic,
                partition: p.partition,
                value: p.lag,
                status: p.status,
            })
            .collect()
    };
    let chart_height = if bars.is_empty() {
        0
    } else {
        (area.height / 3).clamp(5, 10)
    };
    let [summary, chart, table] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Length(chart_height),
        Constraint::Min(4),
    ])
    .areas(area);
    let state = if row.state == "rebal" {
        "rebalancing"
    } else {
        row.state
    };
    let plural = if row.members == 1 { "" } else { "s" };
    let about = if row.kind == "queue" {
        format!(
            "  queue group of {}, {state} · {} receiver{plural} · backlog {} (oldest {})",
            row.topics,
            row.members,
            human::count(row.lag as f64),
            human::duration_secs(row.lag_secs.floor()),
        )
    } else {
        format!(
            "  consumer group of {}, {state} · {} member{plural} · lag {} ({} behind) · drains {}",
            row.topics,
            row.members,
            human::count(row.lag as f64),
            human::duration_secs(row.lag_secs.floor()),
            match row.drain_secs {
                None => "never at this rate".to_string(),
                Some(s) if s <= 0.0 => "-".to_string(),
                Some(s) => format!("in {}", human::duration_secs(s)),
            }
        )
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            human::lag_status(row.status as i32),
            t.lag_status(row.status),
        ),
        about.into(),
    ])];
    lines.push(Line::styled(row.reason.clone(), t.dim()));
    if let (Some(flight), Some(dlq)) = (row.in_flight, row.dead_lettered) {
        lines[1] = Line::from(format!(
            "{} in flight · {} dead-lettered · {}",
            flight, dlq, row.reason
        ));
    }
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Group {group} (Esc back) ")),
        ),
        summary,
    );
    if chart_height > 0 {
        let what = if row.kind == "queue" {
            "Backlog"
        } else {
            "Lag"
        };
        lag_chart(f, chart, what, &bars, t);
    }
    if row.kind == "queue" {
        let settings = app.settings.table(QUEUE_SPEC.name);
        let rows = QUEUE_SPEC.arrange(&settings, queue_parts);
        QUEUE_SPEC.render(
            f,
            table,
            Drawn {
                settings: &settings,
                rows: &rows,
                selected: Some(selected(app, QUEUE_SPEC.name)),
                title: Line::from(" Partitions "),
                ctx: c,
            },
        );
        return;
    }
    let settings = app.settings.table(GROUP_SPEC.name);
    let rows = GROUP_SPEC.arrange(&settings, parts);
    GROUP_SPEC.render(
        f,
        table,
        Drawn {
            settings: &settings,
            rows: &rows,
            selected: Some(selected(app, GROUP_SPEC.name)),
            title: Line::from(" Partitions "),
            ctx: c,
        },
    );
}

const EIGHTHS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One partition's bar.
struct Bar<'a> {
    topic: &'a str,
    partition: u32,
    value: i64,
    status: LagStatus,
}

/// Vertical bars (lag, or a queue's backlog), one per partition in
/// partition order (topic by topic). Partitions beyond one per column
/// share a column that shows the largest value among them, so a skewed
/// partition is never averaged away.
fn lag_chart(f: &mut Frame, area: Rect, what: &str, bars: &[Bar], t: Theme) {
    let mut ordered: Vec<&Bar> = bars.iter().collect();
    ordered.sort_by(|a, b| (a.topic, a.partition).cmp(&(b.topic, b.partition)));
    let max = ordered.iter().map(|p| p.value).max().unwrap_or(0).max(1);
    let worst = ordered.iter().max_by_key(|p| p.value);
    let inner_width = area.width.saturating_sub(2).max(1) as usize;
    let per_column = ordered.len().div_ceil(inner_width).max(1);
    let columns: Vec<(i64, LagStatus)> = ordered
        .chunks(per_column)
        .map(|c| {
            let top = c.iter().max_by_key(|p| p.value).copied();
            top.map_or((0, LagStatus::Ok), |p| (p.value, p.status))
        })
        .collect();
    let bar_width = (inner_width / columns.len().max(1)).clamp(1, 6);
    let title = format!(
        " {what} by partition: {} partitions{}, max {}{} ",
        ordered.len(),
        if per_column > 1 {
            format!(" ({per_column} per column, largest shown)")
        } else {
            String::new()
        },
        human::count(max as f64),
        worst.map_or(String::new(), |w| format!(
            " at {}/{}",
            w.topic, w.partition
        )),
    );
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    draw_bars(f.buffer_mut(), inner, &columns, max, bar_width, t);
}

fn draw_bars(
    buf: &mut Buffer,
    area: Rect,
    columns: &[(i64, LagStatus)],
    max: i64,
    bar_width: usize,
    t: Theme,
) {
    let height = area.height as usize;
    if height == 0 {
        return;
    }
    for (i, (lag, status)) in columns.iter().enumerate() {
        // In eighths of a cell; a non-zero lag shows at least one eighth.
        let eighths = if *lag > 0 {
            ((*lag as f64 / max as f64) * (height * 8) as f64)
                .round()
                .max(1.0) as usize
        } else {
            0
        };
        let style: Style = t.lag_status(*status);
        for w in 0..bar_width {
            let x = area.x + (i * bar_width + w) as u16;
            if x >= area.x + area.width {
                return;
            }
            for row in 0..height {
                let filled = eighths.saturating_sub(row * 8).min(8);
                if filled == 0 {
                    break;
                }
                let y = area.y + (height - 1 - row) as u16;
                if let Some(cell) = buf.cell_mut((x, y)) {
                    cell.set_char(EIGHTHS[filled]).set_style(style);
                }
            }
        }
    }
}
