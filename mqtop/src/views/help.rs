//! `?`: every key, in one box.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::app::App;

/// The keys, as the help box and docs/mqtop.md list them.
pub const KEYS: &[(&str, &str)] = &[
    (
        "1..6",
        "Overview, Topics, Groups, Partitions, Brokers, Alerts",
    ),
    ("Tab / S-Tab", "next / previous view"),
    ("↑ ↓  j k", "move the selection"),
    ("PgUp PgDn", "move a page"),
    ("Home End  g G", "first / last row"),
    (
        "Enter",
        "open: topic → partitions, readers; group → lag by partition",
    ),
    (
        "Esc",
        "back out of a drill-down; clear the filter; close a box",
    ),
    ("/", "filter the table (Enter keeps it, Esc clears it)"),
    ("s / S", "sort by the next / previous column"),
    ("r", "reverse the sort"),
    ("c", "choose the table's columns"),
    ("a", "acknowledge the selected alert with a note (Alerts)"),
    ("p", "pause / resume updates"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
];

pub fn render(f: &mut Frame, body: Rect, app: &App) {
    let t = super::theme(app);
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| Line::from(format!(" {k:<14} {what}")))
        .collect();
    lines.push(Line::styled(
        " settings (view, sort, filter, columns) are kept on quit",
        t.dim(),
    ));
    let area = super::centered(body, 84, lines.len() as u16 + 2);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Keys ")
                .title_bottom(" any key closes "),
        ),
        area,
    );
}
