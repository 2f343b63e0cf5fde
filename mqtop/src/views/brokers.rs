//! Brokers: which are up (and why one is down), which is the controller,
//! when each was last heard from and how many partitions it leads; this node's connections
//! and disk below.

use mq::human;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::selected;
use super::table::{num, styled, text, Column, Drawn, Key, Spec};
use crate::app::App;
use crate::model::{self, BrokerRow};

pub static SPEC: Spec<BrokerRow> = Spec {
    name: "brokers",
    columns: &[
        Column {
            title: "ID",
            width: Constraint::Length(4),
            key: |r| Key::Num(r.id as f64),
            cell: |r, _| num(r.id.to_string(), 4),
            hideable: false,
        },
        Column {
            title: "ADDRESS",
            width: Constraint::Min(14),
            key: |r| Key::Text(r.address.clone()),
            cell: |r, _| text(r.address.clone()),
            hideable: true,
        },
        Column {
            title: "STATE",
            width: Constraint::Length(5),
            key: |r| Key::Num(if r.alive { 0.0 } else { 1.0 }),
            cell: |r, t| {
                if r.alive {
                    styled("up", t.ok())
                } else {
                    styled("DOWN", t.bad())
                }
            },
            hideable: false,
        },
        Column {
            title: "ROLE",
            width: Constraint::Length(10),
            key: |r| Key::Num(if r.controller { 0.0 } else { 1.0 }),
            cell: |r, t| {
                if r.controller {
                    styled("controller", t.accent())
                } else {
                    text("")
                }
            },
            hideable: true,
        },
        Column {
            title: "HEARD",
            width: Constraint::Length(6),
            key: |r| Key::Num(-(r.last_heartbeat_ms as f64)),
            cell: |r, c| {
                let style = if r.alive { c.ok() } else { c.bad() };
                // 0: the controller has not heard from it since it took over.
                let heard = if r.last_heartbeat_ms <= 0 {
                    "never".to_string()
                } else {
                    human::duration_secs(((c.now_ms - r.last_heartbeat_ms).max(0) / 1000) as f64)
                };
                super::table::num_styled(heard, 6, style)
            },
            hideable: true,
        },
        Column {
            title: "LEADS",
            width: Constraint::Length(5),
            key: |r| Key::Num(r.partitions_led as f64),
            cell: |r, _| num(r.partitions_led.to_string(), 5),
            hideable: true,
        },
        Column {
            title: "VERSION",
            width: Constraint::Length(8),
            key: |r| Key::Text(r.version.clone()),
            cell: |r, _| text(r.version.clone()),
            hideable: true,
        },
        Column {
            title: "WHY DOWN",
            width: Constraint::Min(10),
            key: |r| Key::Text(r.down_reason.clone()),
            cell: |r, t| styled(r.down_reason.clone(), t.bad()),
            hideable: true,
        },
    ],
    default_sort: ("ID", false),
    text: |r| format!("{} {}", r.id, r.address),
    id: |r| r.id.to_string(),
};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let c = super::ctx(app);
    let t = c.theme;
    let settings = app.settings.table(SPEC.name);
    let rows = SPEC.arrange(&settings, model::brokers(app));
    let [top, bottom] = Layout::vertical([Constraint::Min(5), Constraint::Length(4)]).areas(area);
    SPEC.render(
        f,
        top,
        Drawn {
            settings: &settings,
            rows: &rows,
            selected: Some(selected(app, SPEC.name)),
            title: Line::from(" Brokers "),
            ctx: c,
        },
    );
    let Some(b) = app.data.as_ref().and_then(|d| d.snapshot.broker.as_ref()) else {
        return;
    };
    let used = b.disk_total_bytes.saturating_sub(b.disk_free_bytes);
    let pct = if b.disk_total_bytes > 0 {
        used as f64 * 100.0 / b.disk_total_bytes as f64
    } else {
        0.0
    };
    let lines = vec![
        Line::from(format!(
            "{} connections · {} topics · {} partitions · data {}",
            b.connections,
            b.topics,
            b.partitions,
            human::bytes(b.data_bytes)
        )),
        Line::from(vec![
            Span::raw(format!(
                "disk {} free of {} · ",
                human::bytes(b.disk_free_bytes),
                human::bytes(b.disk_total_bytes)
            )),
            Span::styled(
                format!("{pct:.0}% used"),
                if pct >= 90.0 {
                    t.bad()
                } else if pct >= 80.0 {
                    t.warn()
                } else {
                    t.ok()
                },
            ),
        ]),
    ];
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(format!(
            " Node {} (the node mqtop is connected to) ",
            b.node_id
        ))),
        bottom,
    );
}
