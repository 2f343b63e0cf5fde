//! Topics: rates, size, backlog and retention per topic; Enter opens a
//! topic's partitions and the groups reading it.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::Frame;

use mq::human;

use super::table::{num, num_styled, styled, text, Column, Drawn, Key, Spec};
use super::{groups, partitions, selected};
use crate::app::App;
use crate::history::sparkline;
use crate::model::{self, TopicRow, SPARK_WIDTH};

pub static SPEC: Spec<TopicRow> = Spec {
    name: "topics",
    columns: &[
        Column {
            title: "TOPIC",
            width: Constraint::Min(10),
            key: |r| Key::Text(r.name.clone()),
            cell: |r, t| {
                if r.internal {
                    styled(r.name.clone(), t.dim())
                } else {
                    text(r.name.clone())
                }
            },
            hideable: false,
        },
        Column {
            title: "PART",
            width: Constraint::Length(4),
            key: |r| Key::Num(r.partitions as f64),
            cell: |r, _| num(r.partitions.to_string(), 4),
            hideable: true,
        },
        Column {
            title: "RF",
            width: Constraint::Length(2),
            key: |r| Key::Num(r.replication_factor as f64),
            cell: |r, _| num(r.replication_factor.to_string(), 2),
            hideable: true,
        },
        Column {
            title: "IN/s",
            width: Constraint::Length(6),
            key: |r| Key::Num(r.records_in),
            cell: |r, _| num(human::count(r.records_in), 6),
            hideable: true,
        },
        Column {
            title: "OUT/s",
            width: Constraint::Length(6),
            key: |r| Key::Num(r.records_out),
            cell: |r, _| num(human::count(r.records_out), 6),
            hideable: true,
        },
        Column {
            title: "IN TREND",
            width: Constraint::Length(SPARK_WIDTH as u16),
            key: |r| Key::Num(r.records_in),
            cell: |r, t| styled(sparkline(&r.spark, SPARK_WIDTH), t.accent()),
            hideable: true,
        },
        Column {
            title: "SIZE",
            width: Constraint::Length(9),
            key: |r| Key::Num(r.size as f64),
            cell: |r, _| num(human::bytes(r.size), 9),
            hideable: true,
        },
        Column {
            title: "BACKLOG",
            width: Constraint::Length(7),
            key: |r| Key::Num(r.backlog.unwrap_or(-1) as f64),
            cell: |r, _| num(r.backlog.map_or("-".into(), |b| human::count(b as f64)), 7),
            hideable: true,
        },
        Column {
            title: "RETAIN",
            width: Constraint::Length(6),
            key: |r| {
                Key::Num(if r.retention_ms < 0 {
                    f64::MAX
                } else {
                    r.retention_ms as f64
                })
            },
            cell: |r, _| {
                if r.retention_ms < 0 {
                    num("∞", 6)
                } else {
                    num(human::retention_ms(r.retention_ms), 6)
                }
            },
            hideable: true,
        },
        Column {
            title: "HEALTH",
            width: Constraint::Length(7),
            key: |r| Key::Num((r.offline * 1_000_000 + r.under_replicated) as f64),
            cell: |r, t| {
                if r.offline > 0 {
                    num_styled(format!("{} offl", r.offline), 7, t.bad())
                } else if r.under_replicated > 0 {
                    num_styled(format!("{} under", r.under_replicated), 7, t.warn())
                } else {
                    num_styled("ok", 7, t.ok())
                }
            },
            hideable: true,
        },
    ],
    default_sort: ("TOPIC", false),
    text: |r| r.name.clone(),
    id: |r| r.name.clone(),
};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let settings = app.settings.table(SPEC.name);
    let rows = SPEC.arrange(&settings, model::topics(app));
    let title = Line::from(vec![" Topics ".into()]);
    SPEC.render(
        f,
        area,
        Drawn {
            settings: &settings,
            rows: &rows,
            selected: Some(selected(app, SPEC.name)),
            title,
            ctx: super::ctx(app),
        },
    );
}

/// One topic: its partitions, and below them the groups reading it.
pub fn render_detail(f: &mut Frame, area: Rect, app: &App, topic: &str) {
    let readers = model::readers(app, topic);
    let about = model::topics(app)
        .into_iter()
        .find(|t| t.name == topic)
        .map(|t| {
            let bytes = if t.retention_bytes < 0 {
                String::new()
            } else {
                format!(
                    " or {} per partition",
                    human::bytes(t.retention_bytes as u64)
                )
            };
            let time = if t.retention_ms < 0 {
                "no time limit".to_string()
            } else {
                human::retention_ms(t.retention_ms)
            };
            format!("RF {} · retention {time}{bytes}", t.replication_factor)
        });
    let reader_height = (readers.len() as u16 + 3).clamp(4, area.height / 2);
    let [top, bottom] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(reader_height)]).areas(area);
    partitions::render_topic(f, top, app, topic, about.as_deref().unwrap_or("gone"));
    groups::render_readers(f, bottom, app, topic, readers);
}
