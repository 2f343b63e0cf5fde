//! Overview: is the cluster healthy, is data flowing, is anyone falling
//! behind. Sparklines of records in and out, backlog and lag; counts of
//! unhealthy partitions, groups by lag status and firing alerts; the
//! canary's end-to-end figures.

use mq::human;
use mq::proto::LagStatus;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};
use ratatui::Frame;

use crate::app::App;
use crate::history::Series;
use crate::model;
use crate::theme::Theme;

fn spark(f: &mut Frame, area: Rect, title: String, series: &Series, style: Style) {
    let width = area.width.saturating_sub(2) as usize;
    // Sparkline takes integers: scale so small rates keep their shape.
    let points: Vec<f64> = series.tail(width).collect();
    let max = points.iter().copied().fold(0.0, f64::max);
    let scale = if max > 0.0 && max < 1000.0 {
        1000.0 / max
    } else {
        1.0
    };
    let data: Vec<u64> = points.iter().map(|v| (v * scale).round() as u64).collect();
    let widget = Sparkline::default()
        .block(Block::default().borders(Borders::ALL).title(title))
        .data(&data)
        .style(style);
    f.render_widget(widget, area);
}

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let t = super::theme(app);
    let Some(d) = &app.data else {
        let msg = Paragraph::new(Line::styled("waiting for the first snapshot…", t.dim()))
            .block(Block::default().borders(Borders::ALL).title(" Overview "));
        f.render_widget(msg, area);
        return;
    };
    let s = &d.snapshot;
    let h = &app.history;
    let rates = s.broker.as_ref().and_then(|b| b.rates).unwrap_or_default();
    let [flow, waiting, summary] = Layout::vertical([
        Constraint::Percentage(35),
        Constraint::Percentage(30),
        Constraint::Min(7),
    ])
    .areas(area);
    let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(flow);
    spark(
        f,
        left,
        format!(
            " in {}/s · {}/s ",
            human::count(rates.records_in_per_sec),
            human::bytes(rates.bytes_in_per_sec as u64)
        ),
        &h.records_in,
        t.accent(),
    );
    spark(
        f,
        right,
        format!(
            " out {}/s · {}/s ",
            human::count(rates.records_out_per_sec),
            human::bytes(rates.bytes_out_per_sec as u64)
        ),
        &h.records_out,
        t.accent(),
    );
    let backlog: i64 = model::topic_backlogs(s).values().sum();
    let lag: i64 = s.groups.iter().map(|g| g.total_lag.max(0)).sum();
    let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(waiting);
    spark(
        f,
        left,
        format!(" backlog {} ", human::count(backlog as f64)),
        &h.backlog,
        Style::default(),
    );
    spark(
        f,
        right,
        format!(" consumer lag {} ", human::count(lag as f64)),
        &h.lag,
        Style::default(),
    );
    let [health, canary] =
        Layout::horizontal([Constraint::Min(48), Constraint::Length(31)]).areas(summary);
    f.render_widget(
        Paragraph::new(health_lines(app, t))
            .block(Block::default().borders(Borders::ALL).title(" Health ")),
        health,
    );
    f.render_widget(
        Paragraph::new(canary_lines(app, t))
            .block(Block::default().borders(Borders::ALL).title(" Canary ")),
        canary,
    );
}

fn health_lines(app: &App, t: Theme) -> Vec<Line<'static>> {
    let Some(d) = &app.data else {
        return Vec::new();
    };
    let s = &d.snapshot;
    let (under, offline) = model::health_counts(s);
    let groups = model::groups(app);
    let by = |st: LagStatus| groups.iter().filter(|g| g.status == st).count();
    let firing = app.firing_alerts();
    let (up, total) = s.cluster.as_ref().map_or((0, 0), |c| {
        (
            c.brokers.iter().filter(|b| b.alive).count(),
            c.brokers.len(),
        )
    });
    let n = |v: usize, bad: Style| Span::styled(v.to_string(), t.count(v, bad));
    vec![
        Line::from(vec![
            "brokers ".into(),
            Span::styled(
                format!("{up}/{total} up"),
                if up < total { t.bad() } else { t.ok() },
            ),
            format!(
                " · {} topics · {} partitions",
                s.topics.len(),
                s.partitions.len()
            )
            .into(),
        ]),
        Line::from(vec![
            "partitions ".into(),
            n(under, t.warn()),
            " under-replicated · ".into(),
            n(offline, t.bad()),
            " offline".into(),
        ]),
        Line::from(vec![
            format!("groups {} OK · ", by(LagStatus::Ok)).into(),
            n(by(LagStatus::Warning), t.warn()),
            " WARN · ".into(),
            n(by(LagStatus::Stalled), t.bad()),
            " STALLED · ".into(),
            n(by(LagStatus::Stopped), t.bad()),
            " STOPPED".into(),
        ]),
        Line::from(vec!["alerts ".into(), n(firing, t.bad()), " firing".into()]),
    ]
}

fn canary_lines(app: &App, t: Theme) -> Vec<Line<'static>> {
    let Some(c) = app
        .data
        .as_ref()
        .and_then(|d| d.snapshot.broker.as_ref())
        .and_then(|b| b.canary.as_ref())
    else {
        return Vec::new();
    };
    if c.sent == 0 {
        return vec![Line::styled("off, or no round yet", t.dim())];
    }
    let latency = crate::history::sparkline(
        &app.history.canary_latency_ms.tail(12).collect::<Vec<_>>(),
        12,
    );
    vec![
        Line::from(vec![
            format!("latency {:.1} ms ", c.last_latency_ms).into(),
            Span::styled(latency, t.accent()),
        ]),
        Line::from(format!("sent {} · received {}", c.sent, c.received)),
        Line::from(vec![
            "lost ".into(),
            Span::styled(c.lost.to_string(), t.count(c.lost as usize, t.bad())),
            " · dup ".into(),
            Span::styled(
                c.duplicated.to_string(),
                t.count(c.duplicated as usize, t.warn()),
            ),
            " · failures ".into(),
            Span::styled(
                c.failures.to_string(),
                t.count(c.failures as usize, t.bad()),
            ),
        ]),
    ]
}
