//! Keys: what each does in each mode. Changes the app state and answers
//! with what the event loop must do besides redrawing.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::app::{App, Drill, Mode};
use crate::ui_state::ViewId;
use crate::views;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Nothing changed.
    None,
    Redraw,
    /// Acknowledge an alert on the broker.
    Ack {
        id: String,
        note: String,
    },
    Quit,
}

/// Rows a page key moves.
const PAGE: usize = 10;

pub fn handle(app: &mut App, key: KeyEvent) -> Effect {
    if key.kind == KeyEventKind::Release {
        return Effect::None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        app.quit = true;
        return Effect::Quit;
    }
    match app.mode.clone() {
        Mode::Help => {
            app.mode = Mode::Normal;
            Effect::Redraw
        }
        Mode::Filter => filter_key(app, key.code),
        Mode::AckNote { id, note } => ack_key(app, key.code, id, note),
        Mode::Columns { cursor } => columns_key(app, key.code, cursor),
        Mode::Normal => normal_key(app, key.code),
    }
}

fn filter_key(app: &mut App, code: KeyCode) -> Effect {
    let name = views::current_table_name(app);
    match code {
        KeyCode::Enter => app.mode = Mode::Normal,
        KeyCode::Esc => {
            app.settings.table_mut(name).filter.clear();
            app.mode = Mode::Normal;
        }
        KeyCode::Backspace => {
            app.settings.table_mut(name).filter.pop();
        }
        KeyCode::Char(c) => app.settings.table_mut(name).filter.push(c),
        _ => return Effect::None,
    }
    app.selected.insert(name.to_string(), 0);
    Effect::Redraw
}

fn ack_key(app: &mut App, code: KeyCode, id: String, mut note: String) -> Effect {
    match code {
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            app.message = Some((format!("acknowledging {id}…"), app.now_ms));
            return Effect::Ack { id, note };
        }
        KeyCode::Esc => app.mode = Mode::Normal,
        KeyCode::Backspace => {
            note.pop();
            app.mode = Mode::AckNote { id, note };
        }
        KeyCode::Char(c) => {
            note.push(c);
            app.mode = Mode::AckNote { id, note };
        }
        _ => return Effect::None,
    }
    Effect::Redraw
}

fn columns_key(app: &mut App, code: KeyCode, cursor: usize) -> Effect {
    let Some(ops) = views::table_ops(app) else {
        app.mode = Mode::Normal;
        return Effect::Redraw;
    };
    let last = ops.columns.len().saturating_sub(1);
    match code {
        KeyCode::Up | KeyCode::Char('k') => {
            app.mode = Mode::Columns {
                cursor: cursor.saturating_sub(1),
            }
        }
        KeyCode::Down | KeyCode::Char('j') => {
            app.mode = Mode::Columns {
                cursor: (cursor + 1).min(last),
            }
        }
        KeyCode::Char(' ') | KeyCode::Enter => {
            if let Some((title, true)) = ops.columns.get(cursor).copied() {
                let hidden = &mut app.settings.table_mut(ops.name).hidden;
                if let Some(i) = hidden.iter().position(|h| h == title) {
                    hidden.remove(i);
                } else {
                    hidden.push(title.to_string());
                }
            }
        }
        KeyCode::Esc | KeyCode::Char('c') | KeyCode::Char('q') => app.mode = Mode::Normal,
        _ => return Effect::None,
    }
    Effect::Redraw
}

fn switch_view(app: &mut App, view: ViewId) {
    app.settings.view = view;
    app.drill.clear();
}

fn normal_key(app: &mut App, code: KeyCode) -> Effect {
    match code {
        KeyCode::Char('q') => {
            app.quit = true;
            return Effect::Quit;
        }
        KeyCode::Char(c @ '1'..='6') => {
            if let Some(v) = ViewId::from_key(c) {
                switch_view(app, v);
            }
        }
        KeyCode::Tab => switch_view(app, app.view().next()),
        KeyCode::BackTab => switch_view(app, app.view().previous()),
        KeyCode::Char('?') => app.mode = Mode::Help,
        KeyCode::Char('p') => app.toggle_pause(),
        KeyCode::Char('/') if views::table_ops(app).is_some() => app.mode = Mode::Filter,
        KeyCode::Char('c') if views::table_ops(app).is_some() => {
            app.mode = Mode::Columns { cursor: 0 }
        }
        KeyCode::Char('s') | KeyCode::Char('S') | KeyCode::Char('r') => {
            let Some(ops) = views::table_ops(app) else {
                return Effect::None;
            };
            let settings = app.settings.table_mut(ops.name);
            match code {
                KeyCode::Char('r') => ops.reverse_sort(settings),
                KeyCode::Char('s') => ops.shift_sort(settings, true),
                _ => ops.shift_sort(settings, false),
            }
        }
        KeyCode::Up
        | KeyCode::Down
        | KeyCode::Char('k')
        | KeyCode::Char('j')
        | KeyCode::PageUp
        | KeyCode::PageDown
        | KeyCode::Home
        | KeyCode::End
        | KeyCode::Char('g')
        | KeyCode::Char('G') => return move_selection(app, code),
        KeyCode::Enter => return open(app),
        KeyCode::Esc => {
            if app.drill.pop().is_none() {
                let name = views::current_table_name(app);
                if name.is_empty() || app.settings.table(name).filter.is_empty() {
                    return Effect::None;
                }
                app.settings.table_mut(name).filter.clear();
            }
        }
        KeyCode::Char('a') if app.view() == ViewId::Alerts && app.drill.is_empty() => {
            return start_ack(app)
        }
        _ => return Effect::None,
    }
    Effect::Redraw
}

fn move_selection(app: &mut App, code: KeyCode) -> Effect {
    let Some(ops) = views::table_ops(app) else {
        return Effect::None;
    };
    let last = ops.ids.len().saturating_sub(1);
    let current = views::selected(app, ops.name).min(last);
    let next = match code {
        KeyCode::Up | KeyCode::Char('k') => current.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => (current + 1).min(last),
        KeyCode::PageUp => current.saturating_sub(PAGE),
        KeyCode::PageDown => (current + PAGE).min(last),
        KeyCode::Home | KeyCode::Char('g') => 0,
        _ => last,
    };
    if next == current && views::selected(app, ops.name) == current {
        return Effect::None;
    }
    app.selected.insert(ops.name.to_string(), next);
    Effect::Redraw
}

fn selected_id(app: &App) -> Option<String> {
    let ops = views::table_ops(app)?;
    let i = views::selected(app, ops.name).min(ops.ids.len().saturating_sub(1));
    ops.ids.get(i).cloned()
}

fn open(app: &mut App) -> Effect {
    if !views::drillable(app) {
        return Effect::None;
    }
    let Some(id) = selected_id(app) else {
        return Effect::None;
    };
    let drill = match app.view() {
        ViewId::Topics | ViewId::Partitions => Drill::Topic(id),
        ViewId::Groups => Drill::Group(id),
        _ => return Effect::None,
    };
    app.drill.push(drill);
    app.selected
        .insert(views::current_table_name(app).to_string(), 0);
    Effect::Redraw
}

fn start_ack(app: &mut App) -> Effect {
    let Some(id) = selected_id(app) else {
        app.message = Some(("no alert selected".into(), app.now_ms));
        return Effect::Redraw;
    };
    if let Some(name) = &app.read_only_context {
        app.message = Some((
            format!("context {name:?} is read-only; acknowledging is refused"),
            app.now_ms,
        ));
        return Effect::Redraw;
    }
    app.mode = Mode::AckNote {
        id,
        note: String::new(),
    };
    Effect::Redraw
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Feed;
    use crate::fixture;
    use crate::ui_state::Settings;

    fn app() -> App {
        let mut a = App::new(
            "t".into(),
            std::time::Duration::from_secs(1),
            Settings::default(),
            fixture::NOW_MS,
        );
        a.apply(Feed::Snapshot(Box::new(fixture::snapshot(3, 4, 6, 0))));
        a.apply(Feed::Alerts(fixture::alerts()));
        a
    }

    fn press(a: &mut App, code: KeyCode) -> Effect {
        handle(a, KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn typed(a: &mut App, text: &str) {
        for c in text.chars() {
            press(a, KeyCode::Char(c));
        }
    }

    #[test]
    fn number_keys_switch_views_and_keep_each_tables_settings() {
        let mut a = app();
        press(&mut a, KeyCode::Char('2'));
        assert_eq!(a.view(), ViewId::Topics);
        press(&mut a, KeyCode::Char('/'));
        typed(&mut a, "pay");
        press(&mut a, KeyCode::Enter);
        press(&mut a, KeyCode::Char('3'));
        assert_eq!(a.view(), ViewId::Groups);
        assert_eq!(a.settings.table("groups").filter, "");
        press(&mut a, KeyCode::Char('2'));
        assert_eq!(a.settings.table("topics").filter, "pay");
        let ops = views::table_ops(&a).expect("topics table");
        assert_eq!(ops.ids, vec!["payments".to_string()]);
    }

    #[test]
    fn enter_drills_into_a_group_and_esc_comes_back() {
        let mut a = app();
        press(&mut a, KeyCode::Char('3'));
        // Sorted by status, worst first: fraud is STOPPED.
        assert_eq!(selected_id(&a).as_deref(), Some("fraud"));
        press(&mut a, KeyCode::Enter);
        assert_eq!(a.drill, vec![Drill::Group("fraud".into())]);
        let ops = views::table_ops(&a).expect("group table");
        assert_eq!(ops.name, "group");
        assert_eq!(ops.ids.len(), 4, "fraud reads one 4-partition topic");
        press(&mut a, KeyCode::Esc);
        assert!(a.drill.is_empty());
        assert_eq!(press(&mut a, KeyCode::Esc), Effect::None);
        // The queue group: its partitions table instead.
        press(&mut a, KeyCode::End);
        assert_eq!(selected_id(&a).as_deref(), Some("workers"));
        press(&mut a, KeyCode::Enter);
        let ops = views::table_ops(&a).expect("queue table");
        assert_eq!((ops.name, ops.ids.len()), ("queue", 4));
    }

    #[test]
    fn selection_is_clamped_to_the_rows() {
        let mut a = app();
        press(&mut a, KeyCode::Char('4'));
        press(&mut a, KeyCode::End);
        let n = views::table_ops(&a).map(|o| o.ids.len()).unwrap_or(0);
        assert_eq!(views::selected(&a, "partitions"), n - 1);
        assert_eq!(press(&mut a, KeyCode::Down), Effect::None);
        press(&mut a, KeyCode::PageUp);
        assert_eq!(views::selected(&a, "partitions"), n - 1 - PAGE);
        press(&mut a, KeyCode::Char('g'));
        assert_eq!(views::selected(&a, "partitions"), 0);
    }

    #[test]
    fn sort_keys_cycle_columns_and_reverse() {
        let mut a = app();
        press(&mut a, KeyCode::Char('2'));
        press(&mut a, KeyCode::Char('s'));
        assert_eq!(a.settings.table("topics").sort, "PART");
        press(&mut a, KeyCode::Char('S'));
        press(&mut a, KeyCode::Char('S'));
        assert_eq!(a.settings.table("topics").sort, "HEALTH");
        press(&mut a, KeyCode::Char('r'));
        assert!(a.settings.table("topics").descending);
        let ops = views::table_ops(&a).expect("topics");
        assert_eq!(
            ops.ids[0], "payments",
            "the topic with an offline partition first"
        );
    }

    #[test]
    fn columns_can_be_hidden_but_not_the_name() {
        let mut a = app();
        press(&mut a, KeyCode::Char('3'));
        press(&mut a, KeyCode::Char('c'));
        press(&mut a, KeyCode::Char(' '));
        assert!(a.settings.table("groups").hidden.is_empty(), "GROUP stays");
        press(&mut a, KeyCode::Down);
        press(&mut a, KeyCode::Char(' '));
        assert_eq!(a.settings.table("groups").hidden, vec!["KIND".to_string()]);
        press(&mut a, KeyCode::Down);
        press(&mut a, KeyCode::Down);
        press(&mut a, KeyCode::Down);
        press(&mut a, KeyCode::Char(' '));
        assert_eq!(a.settings.table("groups").hidden.len(), 1, "STATUS stays");
        press(&mut a, KeyCode::Esc);
        assert_eq!(a.mode, Mode::Normal);
    }

    #[test]
    fn acknowledging_asks_for_a_note_then_sends() {
        let mut a = app();
        press(&mut a, KeyCode::Char('6'));
        press(&mut a, KeyCode::Char('a'));
        assert!(matches!(a.mode, Mode::AckNote { .. }));
        typed(&mut a, "on it");
        let effect = press(&mut a, KeyCode::Enter);
        assert_eq!(
            effect,
            Effect::Ack {
                id: "consumer-lag/group fraud".into(),
                note: "on it".into()
            }
        );
        a.read_only_context = Some("prod".into());
        press(&mut a, KeyCode::Char('a'));
        assert_eq!(a.mode, Mode::Normal);
        assert!(a
            .message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("read-only")));
    }

    #[test]
    fn quit_and_pause() {
        let mut a = app();
        press(&mut a, KeyCode::Char('p'));
        assert!(a.paused);
        press(&mut a, KeyCode::Char('?'));
        assert_eq!(a.mode, Mode::Help);
        press(&mut a, KeyCode::Char('q'));
        assert_eq!(a.mode, Mode::Normal, "any key closes help first");
        assert_eq!(press(&mut a, KeyCode::Char('q')), Effect::Quit);
        let mut b = app();
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(handle(&mut b, ctrl_c), Effect::Quit);
    }
}
