//! Snapshots of every view, drawn from fixture state with ratatui's
//! TestBackend: the text an operator sees, at 80x24 unless a test says
//! otherwise. Review changes with `cargo insta review` (or set
//! INSTA_UPDATE=always and read the diff).

use std::time::Duration;

use mqtop::app::{App, Connection, Drill, Feed, Mode};
use mqtop::fixture;
use mqtop::ui_state::{Settings, ViewId};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn app_at(view: ViewId) -> App {
    let mut app = App::new(
        "prod".into(),
        Duration::from_secs(1),
        Settings::default(),
        fixture::NOW_MS - 120_000,
    );
    // Two minutes of history, so sparklines have a shape.
    for tick in 0..120 {
        app.now_ms += 1_000;
        app.apply(Feed::Snapshot(Box::new(fixture::snapshot(4, 3, 6, tick))));
    }
    app.apply(Feed::Alerts(fixture::alerts()));
    app.settings.view = view;
    app
}

fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| mqtop::views::render(f, app))
        .expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        for x in 0..buffer.area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn overview() {
    insta::assert_snapshot!(draw(&app_at(ViewId::Overview), 80, 24));
}

#[test]
fn topics() {
    insta::assert_snapshot!(draw(&app_at(ViewId::Topics), 80, 24));
}

#[test]
fn topic_drill_down() {
    let mut app = app_at(ViewId::Topics);
    app.drill.push(Drill::Topic("orders".into()));
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn groups() {
    insta::assert_snapshot!(draw(&app_at(ViewId::Groups), 80, 24));
}

#[test]
fn group_drill_down() {
    let mut app = app_at(ViewId::Groups);
    app.drill.push(Drill::Group("shipping".into()));
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn queue_group_drill_down() {
    let mut app = app_at(ViewId::Groups);
    app.drill.push(Drill::Group("workers".into()));
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn group_drill_down_with_hundreds_of_partitions() {
    let mut app = app_at(ViewId::Groups);
    app.apply(Feed::Snapshot(Box::new(fixture::snapshot(2, 240, 2, 121))));
    app.drill.push(Drill::Group("billing".into()));
    insta::assert_snapshot!(draw(&app, 100, 30));
}

#[test]
fn partitions() {
    insta::assert_snapshot!(draw(&app_at(ViewId::Partitions), 80, 24));
}

#[test]
fn brokers() {
    insta::assert_snapshot!(draw(&app_at(ViewId::Brokers), 80, 24));
}

#[test]
fn alerts() {
    insta::assert_snapshot!(draw(&app_at(ViewId::Alerts), 80, 24));
}

#[test]
fn help() {
    let mut app = app_at(ViewId::Groups);
    app.mode = Mode::Help;
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn filtered_table_with_the_prompt_open() {
    let mut app = app_at(ViewId::Groups);
    app.settings.table_mut("groups").filter = "ing".into();
    app.mode = Mode::Filter;
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn unreachable_banner_dims_the_last_data() {
    let mut app = app_at(ViewId::Topics);
    app.apply(Feed::Unreachable {
        error: "transport error: connection refused".into(),
        attempt: 3,
        retry_in: Duration::from_secs(4),
    });
    app.now_ms += 45_000;
    app.connection = Connection::Unreachable {
        error: "transport error: connection refused".into(),
        attempt: 3,
        retry_at_ms: app.now_ms + 4_000,
    };
    let text = draw(&app, 80, 24);
    assert!(text.contains("UNREACHABLE"), "{text}");
    assert!(text.contains("data 45s old"), "{text}");
    assert!(text.contains("connection refused"), "{text}");
    insta::assert_snapshot!(text);
    // And the view under it is dimmed.
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal
        .draw(|f| mqtop::views::render(f, &app))
        .expect("draw");
    let cell = &terminal.backend().buffer()[(2, 6)];
    assert!(
        cell.modifier.contains(ratatui::style::Modifier::DIM),
        "body not dimmed: {cell:?}"
    );
}

#[test]
fn empty_cluster() {
    let mut app = App::new(
        "http://127.0.0.1:7420".into(),
        Duration::from_secs(1),
        Settings::default(),
        fixture::NOW_MS,
    );
    app.apply(Feed::Snapshot(Box::new(fixture::empty())));
    app.apply(Feed::Alerts(Vec::new()));
    insta::assert_snapshot!("empty_overview", draw(&app, 80, 24));
    app.settings.view = ViewId::Topics;
    insta::assert_snapshot!("empty_topics", draw(&app, 80, 24));
}

#[test]
fn before_the_first_snapshot() {
    let app = App::new(
        "http://127.0.0.1:7420".into(),
        Duration::from_secs(1),
        Settings::default(),
        fixture::NOW_MS,
    );
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn a_read_only_context_says_so_in_the_header() {
    let mut app = app_at(ViewId::Alerts);
    app.read_only_context = Some("prod".into());
    let text = draw(&app, 80, 24);
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("prod (read-only)")),
        "{text}"
    );
}

#[test]
fn tiny_terminal() {
    insta::assert_snapshot!(draw(&app_at(ViewId::Groups), 40, 10));
}

#[test]
fn a_large_terminal_shows_more_rows() {
    let text = draw(&app_at(ViewId::Partitions), 160, 50);
    // 4 topics x 3 partitions and the canary's, all on screen.
    let rows = text
        .lines()
        .filter(|l| l.trim_end_matches('│').trim_end().ends_with("under") || l.contains("OFFLINE"))
        .count();
    assert_eq!(rows, 13, "{text}");
}

#[test]
fn monochrome_keeps_meaning_without_colour() {
    use ratatui::style::{Color, Modifier};
    let mut app = app_at(ViewId::Groups);
    app.mono = true;
    // Select another row, so the STOPPED cell's style is its own.
    app.selected.insert("groups".into(), 3);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal
        .draw(|f| mqtop::views::render(f, &app))
        .expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let mut coloured = 0;
    let mut stopped = None;
    for y in 0..24 {
        for x in 0..80 {
            let cell = &buffer[(x, y)];
            if cell.fg != Color::Reset || cell.bg != Color::Reset {
                coloured += 1;
            }
            if x + 7 <= 80 && stopped.is_none() {
                let word: String = (x..x + 7).map(|i| buffer[(i, y)].symbol()).collect();
                if word == "STOPPED" {
                    stopped = Some(cell.modifier);
                }
            }
        }
    }
    assert_eq!(coloured, 0, "no colour at all in monochrome");
    let m = stopped.expect("a STOPPED group on screen");
    assert!(
        m.contains(Modifier::REVERSED) && m.contains(Modifier::BOLD),
        "{m:?}"
    );
}

/// docs/mqtop.md shows these screens; they must be the current ones.
#[test]
fn the_docs_show_the_current_screens() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/mqtop.md"))
        .expect("docs/mqtop.md");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("snapshots") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        // The captures the docs show; the rest are for the tests only.
        let shown = [
            "overview",
            "topics",
            "topic_drill_down",
            "groups",
            "group_drill_down",
            "group_drill_down_with_hundreds_of_partitions",
            "queue_group_drill_down",
            "partitions",
            "brokers",
            "alerts",
            "help",
            "filtered_table_with_the_prompt_open",
            "unreachable_banner_dims_the_last_data",
            "empty_overview",
            "tiny_terminal",
        ];
        if !shown.iter().any(|s| name == format!("views__{s}.snap")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("snapshot");
        let body = text
            .splitn(3, "---\n")
            .nth(2)
            .unwrap_or_default()
            .trim_end();
        assert!(
            docs.contains(body),
            "docs/mqtop.md does not show the current {name}; copy it from {}",
            path.display()
        );
        checked += 1;
    }
    assert_eq!(checked, 15);
}

#[test]
fn no_controller_and_a_broker_never_heard_from_are_said_in_words() {
    let mut app = App::new(
        "prod".into(),
        Duration::from_secs(1),
        Settings::default(),
        fixture::NOW_MS,
    );
    let mut snapshot = fixture::snapshot(4, 3, 6, 0);
    let cluster = snapshot.cluster.as_mut().expect("fixture has a cluster");
    cluster.controller_id = 0;
    cluster.brokers[2].alive = false;
    cluster.brokers[2].last_heartbeat_ms = 0;
    app.apply(Feed::Snapshot(Box::new(snapshot)));
    app.settings.view = ViewId::Brokers;
    let text = draw(&app, 100, 24);
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("NO CONTROLLER")),
        "{text}"
    );
    let row = text
        .lines()
        .find(|l| l.contains("10.0.0.3"))
        .unwrap_or_else(|| panic!("no row for broker 3:\n{text}"));
    assert!(row.contains("DOWN"), "{row}");
    assert!(row.contains("never"), "{row}");
}
