//! The header (who, how healthy, how fresh), the view tabs, the banner
//! that says plainly when the data is not live, and the footer.

use mq::human;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::{App, Connection, Mode};
use crate::model;
use crate::ui_state::ViewId;

/// How old the shown data is, in words; part of what decides a redraw.
pub fn freshness(app: &App) -> String {
    match app.data_age_ms() {
        None => "no data yet".to_string(),
        Some(ms) if ms < 1_500 => "live".to_string(),
        Some(ms) => format!("{} old", human::duration_secs((ms / 1000) as f64)),
    }
}

pub fn render_header(f: &mut Frame, area: Rect, app: &App) {
    let t = super::theme(app);
    let mut spans = vec![
        Span::styled(" mqtop ", t.title()),
        Span::raw(app.target.clone()),
    ];
    if app.read_only_context.is_some() {
        spans.push(Span::styled(" (read-only)", t.warn()));
    }
    if let Some(d) = &app.data {
        if let Some(c) = &d.snapshot.cluster {
            let up = c.brokers.iter().filter(|b| b.alive).count();
            let version = c
                .brokers
                .iter()
                .find(|b| b.node_id == c.controller_id)
                .or(c.brokers.first())
                .map_or("?", |b| b.version.as_str());
            spans.push(Span::raw(format!(" · cluster {} · brokers ", c.cluster_id)));
            spans.push(Span::styled(
                format!("{up}/{}", c.brokers.len()),
                if up < c.brokers.len() {
                    t.bad()
                } else {
                    t.ok()
                },
            ));
            // 0: no controller (an election, or no majority of voters).
            if c.controller_id == 0 {
                spans.push(Span::raw(" · "));
                spans.push(Span::styled("NO CONTROLLER", t.bad()));
                spans.push(Span::raw(format!(" · v{version}")));
            } else {
                spans.push(Span::raw(format!(
                    " · controller {} · v{version}",
                    c.controller_id
                )));
            }
        }
    }
    let right = if app.paused {
        Span::styled(format!(" PAUSED ({}) ", freshness(app)), t.warn())
    } else if app.stale() || !matches!(app.connection, Connection::Live) {
        Span::styled(format!(" {} ", freshness(app)), t.warn())
    } else {
        Span::styled(format!(" {} ", freshness(app)), t.ok())
    };
    // The freshness is never cut: the left side gives way.
    let room = (area.width as usize).saturating_sub(right.width());
    let mut line = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = s.width();
        if used + w <= room {
            used += w;
            line.push(s);
        } else {
            let keep: String = s
                .content
                .chars()
                .take(room.saturating_sub(used + 1))
                .collect();
            used += keep.chars().count() + 1;
            line.push(Span::styled(format!("{keep}…"), s.style));
            break;
        }
    }
    line.push(Span::raw(" ".repeat(room.saturating_sub(used))));
    line.push(right);
    f.render_widget(Line::from(line), area);
}

pub fn render_tabs(f: &mut Frame, area: Rect, app: &App) {
    let t = super::theme(app);
    let counts = app.data.as_ref().map(|d| {
        let s = &d.snapshot;
        let (under, offline) = model::health_counts(s);
        (
            s.topics.len(),
            s.groups.len() + s.queues.len(),
            s.partitions.len(),
            under + offline,
            s.cluster.as_ref().map_or(0, |c| c.brokers.len()),
        )
    });
    let mut spans = vec![];
    for v in ViewId::ALL {
        let mut label = format!("{} {}", v.key(), v.title());
        let mut style = if v == app.view() {
            t.selected()
        } else {
            ratatui::style::Style::default()
        };
        if let Some((topics, groups, partitions, unhealthy, brokers)) = counts {
            match v {
                ViewId::Topics => label.push_str(&format!(" {topics}")),
                ViewId::Groups => label.push_str(&format!(" {groups}")),
                ViewId::Partitions => {
                    label.push_str(&format!(" {partitions}"));
                    if unhealthy > 0 && v != app.view() {
                        style = t.warn();
                    }
                }
                ViewId::Brokers => label.push_str(&format!(" {brokers}")),
                ViewId::Alerts => {
                    let firing = app.firing_alerts();
                    label.push_str(&format!(" {firing}"));
                    if firing > 0 && v != app.view() {
                        style = t.bad();
                    }
                }
                ViewId::Overview => {}
            }
        }
        spans.push(Span::styled(format!(" {label} "), style));
    }
    f.render_widget(Line::from(spans), area);
}

/// The banner's text, when the data is not live.
pub fn banner(app: &App) -> Option<String> {
    let shown = match app.data_age_ms() {
        Some(ms) => format!("data {} old", human::duration_secs((ms / 1000) as f64)),
        None => "no data yet".to_string(),
    };
    match &app.connection {
        Connection::Unreachable {
            error,
            attempt,
            retry_at_ms,
        } => {
            let wait = ((retry_at_ms - app.now_ms).max(0) as f64 / 1000.0).ceil();
            Some(format!(
                "UNREACHABLE · {shown} · retry {} (attempt {attempt}) · {error}",
                if wait > 0.0 {
                    format!("in {}", human::duration_secs(wait))
                } else {
                    "now".to_string()
                }
            ))
        }
        Connection::Connecting { attempt } if *attempt > 1 || app.data.is_some() => Some(format!(
            "RECONNECTING · {shown} · attempt {attempt} to {}",
            app.target
        )),
        Connection::Connecting { .. } => None,
        Connection::Live if app.stale() && !app.paused => Some(format!(
            "NO NEW DATA · {shown} · the broker is connected but sends nothing"
        )),
        Connection::Live => None,
    }
}

/// Lines the banner needs at this width (it wraps onto a second line
/// rather than cut the error off).
pub fn banner_height(text: &str, width: u16) -> u16 {
    if (text.chars().count() + 1) as u16 > width {
        2
    } else {
        1
    }
}

pub fn render_banner(f: &mut Frame, area: Rect, app: &App, text: &str) {
    let t = super::theme(app);
    f.render_widget(
        Paragraph::new(format!(" {text}"))
            .style(t.banner())
            .wrap(Wrap { trim: false }),
        area,
    );
}

pub fn render_footer(f: &mut Frame, area: Rect, app: &App) {
    let t = super::theme(app);
    let line = match &app.mode {
        Mode::Filter => {
            let filter = app.settings.table(super::current_table_name(app)).filter;
            Line::from(vec![
                Span::styled(format!("/{filter}█"), t.accent()),
                Span::styled("  Enter keeps · Esc clears", t.dim()),
            ])
        }
        Mode::AckNote { id, note } => Line::from(vec![
            Span::raw(format!("acknowledge {id}, note: ")),
            Span::styled(format!("{note}█"), t.accent()),
            Span::styled("  Enter sends · Esc cancels", t.dim()),
        ]),
        _ => match &app.message {
            Some((text, at)) if app.now_ms - at < 5_000 => Line::styled(text.clone(), t.accent()),
            _ => {
                let mut hints = String::from("?:help 1-6:views /:filter s:sort r:reverse");
                if super::drillable(app) {
                    hints.push_str(" ⏎:open");
                }
                if !app.drill.is_empty() {
                    hints.push_str(" esc:back");
                }
                if app.view() == ViewId::Alerts {
                    hints.push_str(" a:ack");
                }
                hints.push_str(" p:pause q:quit");
                Line::styled(hints, t.dim())
            }
        },
    };
    f.render_widget(line, area);
}
