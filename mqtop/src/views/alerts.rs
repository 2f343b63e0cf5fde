//! Alerts: what the broker's rules say now, firing first; `a`
//! acknowledges the selected alert with a note.

use mq::human;
use mq::proto::{Alert, AlertState};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::selected;
use super::table::{num, styled, text, Column, Drawn, Key, Spec};
use crate::app::App;
use crate::model;

fn state_rank(state: i32) -> f64 {
    match AlertState::try_from(state) {
        Ok(AlertState::Firing) => 0.0,
        Ok(AlertState::Pending) => 1.0,
        Ok(AlertState::Acknowledged) => 2.0,
        Ok(AlertState::Resolved) => 3.0,
        _ => 4.0,
    }
}

fn severity_rank(s: &str) -> f64 {
    match s {
        "critical" => 0.0,
        "warning" => 1.0,
        _ => 2.0,
    }
}

fn figure(v: f64) -> String {
    if v.fract() == 0.0 || v.abs() >= 1000.0 {
        human::count(v)
    } else {
        format!("{v:.2}")
    }
}

pub static SPEC: Spec<Alert> = Spec {
    name: "alerts",
    columns: &[
        Column {
            title: "STATE",
            width: Constraint::Length(12),
            key: |a| Key::Num(state_rank(a.state) * 10.0 + severity_rank(&a.severity)),
            cell: |a, c| {
                let label = human::alert_state(a.state);
                match AlertState::try_from(a.state) {
                    Ok(AlertState::Firing) => styled(label.to_uppercase(), c.severity(&a.severity)),
                    Ok(AlertState::Resolved) => styled(label, c.dim()),
                    _ => text(label),
                }
            },
            hideable: false,
        },
        Column {
            title: "SEVERITY",
            width: Constraint::Length(8),
            key: |a| Key::Num(severity_rank(&a.severity)),
            cell: |a, c| styled(a.severity.clone(), c.severity(&a.severity)),
            hideable: true,
        },
        Column {
            title: "SUBJECT",
            width: Constraint::Min(12),
            key: |a| Key::Text(a.subject.clone()),
            cell: |a, _| text(a.subject.clone()),
            hideable: false,
        },
        Column {
            title: "RULE",
            width: Constraint::Length(16),
            key: |a| Key::Text(a.rule.clone()),
            cell: |a, _| text(a.rule.clone()),
            hideable: true,
        },
        Column {
            title: "SINCE",
            width: Constraint::Length(5),
            key: |a| Key::Num(-(a.since_ms as f64)),
            cell: |a, c| {
                let secs = ((c.now_ms - a.since_ms).max(0) / 1000) as f64;
                num(human::duration_secs(secs), 5)
            },
            hideable: true,
        },
        Column {
            title: "VALUE",
            width: Constraint::Length(7),
            key: |a| Key::Num(a.value),
            cell: |a, _| num(figure(a.value), 7),
            hideable: true,
        },
        Column {
            title: "LIMIT",
            width: Constraint::Length(7),
            key: |a| Key::Num(a.threshold),
            cell: |a, _| num(figure(a.threshold), 7),
            hideable: true,
        },
    ],
    default_sort: ("STATE", false),
    text: |a| {
        format!(
            "{} {} {} {} {}",
            a.rule,
            a.subject,
            a.severity,
            human::alert_state(a.state),
            a.message
        )
    },
    id: |a| a.id.clone(),
};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let c = super::ctx(app);
    let settings = app.settings.table(SPEC.name);
    let rows = SPEC.arrange(&settings, model::alerts(app));
    let [top, bottom] = Layout::vertical([Constraint::Min(5), Constraint::Length(5)]).areas(area);
    let firing = app.firing_alerts();
    let title = Line::from(vec![
        " Alerts ".into(),
        Span::styled(format!("{firing} firing "), c.count(firing, c.bad())),
    ]);
    let sel = selected(app, SPEC.name);
    SPEC.render(
        f,
        top,
        Drawn {
            settings: &settings,
            rows: &rows,
            selected: Some(sel),
            title,
            ctx: c,
        },
    );
    let detail = match rows.get(sel.min(rows.len().saturating_sub(1))) {
        Some(a) => {
            let mut lines = vec![Line::from(a.message.clone())];
            if !a.ack_note.is_empty() {
                lines.push(Line::styled(
                    format!("acknowledged: {}", a.ack_note),
                    c.dim(),
                ));
            } else if a.state == AlertState::Firing as i32 {
                lines.push(Line::styled("press a to acknowledge with a note", c.dim()));
            }
            lines
        }
        None => vec![Line::styled(
            "no alerts: every rule's condition is clear (rules: `mqctl alert rules list`)",
            c.dim(),
        )],
    };
    f.render_widget(
        Paragraph::new(detail)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(" Selected ")),
        bottom,
    );
}
