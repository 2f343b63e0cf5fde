//! Rendering: every view draws from the app state alone, so each is
//! testable with ratatui's TestBackend. Layout: header, tabs, a banner
//! when the data is not live, the view, a footer; help and the column
//! chooser drawn over it.

pub mod alerts;
pub mod brokers;
pub mod groups;
pub mod header;
pub mod help;
pub mod overview;
pub mod partitions;
pub mod table;
pub mod topics;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::{App, Drill, Mode};
use crate::model;
use crate::theme::Theme;
use crate::ui_state::{TableSettings, ViewId};

/// The smallest terminal mqtop draws in; 80x24 is what it is laid out for.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn theme(app: &App) -> Theme {
    Theme { mono: app.mono }
}

pub fn ctx(app: &App) -> table::Ctx {
    table::Ctx {
        theme: theme(app),
        now_ms: app.now_ms,
    }
}

/// The selected row of a table (clamped when drawn).
pub fn selected(app: &App, table: &str) -> usize {
    app.selected.get(table).copied().unwrap_or(0)
}

pub fn render(f: &mut Frame, app: &App) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = Paragraph::new(vec![
            Line::from(format!(
                "terminal too small: {}x{}",
                area.width, area.height
            )),
            Line::from(format!("mqtop needs at least {MIN_WIDTH}x{MIN_HEIGHT}")),
            Line::from("(80x24 or more is best); q quits"),
        ])
        .wrap(Wrap { trim: true });
        f.render_widget(msg, area);
        return;
    }
    let banner = header::banner(app);
    let [head, tabs, banner_area, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(
            banner
                .as_deref()
                .map_or(0, |b| header::banner_height(b, area.width)),
        ),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render_header(f, head, app);
    header::render_tabs(f, tabs, app);
    if let Some(text) = &banner {
        header::render_banner(f, banner_area, app, text);
    }
    match (app.view(), app.drill.last()) {
        (ViewId::Topics, Some(Drill::Topic(t))) | (ViewId::Partitions, Some(Drill::Topic(t))) => {
            topics::render_detail(f, body, app, t)
        }
        (ViewId::Groups, Some(Drill::Group(g))) | (ViewId::Topics, Some(Drill::Group(g))) => {
            groups::render_detail(f, body, app, g)
        }
        (ViewId::Overview, _) => overview::render(f, body, app),
        (ViewId::Topics, _) => topics::render(f, body, app),
        (ViewId::Groups, _) => groups::render(f, body, app),
        (ViewId::Partitions, _) => partitions::render(f, body, app),
        (ViewId::Brokers, _) => brokers::render(f, body, app),
        (ViewId::Alerts, _) => alerts::render(f, body, app),
    }
    // Old data stays readable but looks old.
    if banner.is_some() && app.data.is_some() {
        f.buffer_mut()
            .set_style(body, Style::default().add_modifier(Modifier::DIM));
    }
    header::render_footer(f, foot, app);
    match &app.mode {
        Mode::Help => help::render(f, body, app),
        Mode::Columns { cursor } => render_columns(f, body, app, *cursor),
        _ => {}
    }
}

/// The table keys act on: the view's, or its drill-down's.
pub fn current_table_name(app: &App) -> &'static str {
    match (app.view(), app.drill.last()) {
        (_, Some(Drill::Topic(_))) => partitions::TOPIC_SPEC.name,
        (_, Some(Drill::Group(g))) if model::is_queue_group(app, g) => groups::QUEUE_SPEC.name,
        (_, Some(Drill::Group(_))) => groups::GROUP_SPEC.name,
        (ViewId::Overview, None) => "",
        (ViewId::Topics, None) => topics::SPEC.name,
        (ViewId::Groups, None) => groups::SPEC.name,
        (ViewId::Partitions, None) => partitions::SPEC.name,
        (ViewId::Brokers, None) => brokers::SPEC.name,
        (ViewId::Alerts, None) => alerts::SPEC.name,
    }
}

/// Whether Enter opens something from the current table.
pub fn drillable(app: &App) -> bool {
    app.drill.is_empty()
        && matches!(
            app.view(),
            ViewId::Topics | ViewId::Groups | ViewId::Partitions
        )
}

/// What the current table's operations need, whatever its row type.
pub struct TableOps {
    pub name: &'static str,
    /// Row ids in display order.
    pub ids: Vec<String>,
    /// Column titles and whether each may be hidden.
    pub columns: Vec<(&'static str, bool)>,
    shift: fn(&mut TableSettings, bool),
    reverse: fn(&mut TableSettings),
}

impl TableOps {
    pub fn shift_sort(&self, s: &mut TableSettings, forward: bool) {
        (self.shift)(s, forward)
    }

    pub fn reverse_sort(&self, s: &mut TableSettings) {
        (self.reverse)(s)
    }
}

macro_rules! ops {
    ($app:expr, $spec:path, $rows:expr) => {{
        let settings = $app.settings.table($spec.name);
        TableOps {
            name: $spec.name,
            ids: $spec
                .arrange(&settings, $rows)
                .iter()
                .map($spec.id)
                .collect(),
            columns: $spec
                .columns
                .iter()
                .map(|c| (c.title, c.hideable))
                .collect(),
            shift: |s, forward| $spec.shift_sort(s, forward),
            reverse: |s| $spec.reverse_sort(s),
        }
    }};
}

pub fn table_ops(app: &App) -> Option<TableOps> {
    Some(match (app.view(), app.drill.last()) {
        (_, Some(Drill::Topic(t))) => {
            ops!(app, partitions::TOPIC_SPEC, model::partitions(app, Some(t)))
        }
        (_, Some(Drill::Group(g))) if model::is_queue_group(app, g) => {
            ops!(app, groups::QUEUE_SPEC, model::queue_partitions(app, g))
        }
        (_, Some(Drill::Group(g))) => {
            ops!(app, groups::GROUP_SPEC, model::group_partitions(app, g))
        }
        (ViewId::Overview, None) => return None,
        (ViewId::Topics, None) => ops!(app, topics::SPEC, model::topics(app)),
        (ViewId::Groups, None) => ops!(app, groups::SPEC, model::groups(app)),
        (ViewId::Partitions, None) => ops!(app, partitions::SPEC, model::partitions(app, None)),
        (ViewId::Brokers, None) => ops!(app, brokers::SPEC, model::brokers(app)),
        (ViewId::Alerts, None) => ops!(app, alerts::SPEC, model::alerts(app)),
    })
}

fn render_columns(f: &mut Frame, body: Rect, app: &App, cursor: usize) {
    let Some(ops) = table_ops(app) else {
        return;
    };
    let t = theme(app);
    let hidden = app.settings.table(ops.name).hidden;
    let lines: Vec<Line> = ops
        .columns
        .iter()
        .enumerate()
        .map(|(i, (title, hideable))| {
            let mark = if !hideable {
                "[always]"
            } else if hidden.iter().any(|h| h == title) {
                "[ ]"
            } else {
                "[x]"
            };
            let line = Line::from(format!(" {mark:<8} {title}"));
            if i == cursor {
                line.style(t.selected())
            } else {
                line
            }
        })
        .collect();
    let area = centered(body, 34, lines.len() as u16 + 4);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Columns ")
                .title_bottom(" space toggles · Esc closes "),
        ),
        area,
    );
}

/// A box of at most `width` x `height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
