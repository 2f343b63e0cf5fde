//! Partitions and their replicas: leader, replicas, ISR, epoch;
//! under-replicated and offline partitions highlighted (and first by
//! default).

use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::Frame;

use mq::human;

use super::selected;
use super::table::{
    num, num_styled, partition_column, styled, text, topic_column, Column, Drawn, Key, Spec,
};
use crate::app::App;
use crate::model::{self, Health, PartitionRow};

fn ids(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

static COLUMNS: [Column<PartitionRow>; 10] = [
    topic_column(),
    partition_column(),
    Column {
        title: "LDR",
        width: Constraint::Length(4),
        key: |r| Key::Num(r.leader as f64),
        cell: |r, t| {
            if r.leader == 0 {
                num_styled("none", 4, t.bad())
            } else {
                num(r.leader.to_string(), 4)
            }
        },
        hideable: true,
    },
    Column {
        title: "REPLICAS",
        width: Constraint::Length(8),
        key: |r| Key::Text(ids(&r.replicas)),
        cell: |r, _| text(ids(&r.replicas)),
        hideable: true,
    },
    Column {
        title: "ISR",
        width: Constraint::Length(7),
        key: |r| Key::Num(r.isr.len() as f64),
        cell: |r, t| styled(ids(&r.isr), t.health(r.health)),
        hideable: true,
    },
    Column {
        title: "EPOCH",
        width: Constraint::Length(5),
        key: |r| Key::Num(r.epoch as f64),
        cell: |r, _| num(r.epoch.to_string(), 5),
        hideable: true,
    },
    Column {
        title: "HW",
        width: Constraint::Length(7),
        key: |r| Key::Num(r.high_watermark as f64),
        cell: |r, _| num(human::count(r.high_watermark as f64), 7),
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
        title: "IN/s",
        width: Constraint::Length(6),
        key: |r| Key::Num(r.records_in),
        cell: |r, _| num(human::count(r.records_in), 6),
        hideable: true,
    },
    Column {
        title: "STATE",
        width: Constraint::Length(7),
        key: |r| Key::Num(r.health as u8 as f64),
        cell: |r, t| {
            let label = match r.health {
                Health::UnderReplicated => "under",
                h => h.label(),
            };
            styled(label, t.health(r.health))
        },
        hideable: true,
    },
];

pub static SPEC: Spec<PartitionRow> = Spec {
    name: "partitions",
    columns: &COLUMNS,
    default_sort: ("STATE", true),
    text: |r| format!("{} {} {}", r.topic, r.partition, r.health.label()),
    id: |r| r.topic.clone(),
};

/// The same columns inside a topic's drill-down, with settings of their own.
pub static TOPIC_SPEC: Spec<PartitionRow> = Spec {
    name: "topic",
    columns: &COLUMNS,
    default_sort: ("P", false),
    text: |r| format!("{} {}", r.partition, r.health.label()),
    id: |r| r.partition.to_string(),
};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let settings = app.settings.table(SPEC.name);
    let rows = SPEC.arrange(&settings, model::partitions(app, None));
    let (under, offline) = app
        .data
        .as_ref()
        .map_or((0, 0), |d| model::health_counts(&d.snapshot));
    let c = super::ctx(app);
    let t = c.theme;
    let title = Line::from(vec![
        " Partitions ".into(),
        ratatui::text::Span::styled(
            format!("{under} under-replicated "),
            t.count(under, t.warn()),
        ),
        ratatui::text::Span::styled(format!("{offline} offline "), t.count(offline, t.bad())),
    ]);
    SPEC.render(
        f,
        area,
        Drawn {
            settings: &settings,
            rows: &rows,
            selected: Some(selected(app, SPEC.name)),
            title,
            ctx: c,
        },
    );
}

pub fn render_topic(f: &mut Frame, area: Rect, app: &App, topic: &str, about: &str) {
    let settings = app.settings.table(TOPIC_SPEC.name);
    let rows = TOPIC_SPEC.arrange(&settings, model::partitions(app, Some(topic)));
    let title = Line::from(format!(" Topic {topic} · {about} (Esc back) "));
    TOPIC_SPEC.render(
        f,
        area,
        Drawn {
            settings: &settings,
            rows: &rows,
            selected: Some(selected(app, TOPIC_SPEC.name)),
            title,
            ctx: super::ctx(app),
        },
    );
}
