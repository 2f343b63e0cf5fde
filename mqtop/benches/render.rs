//! Render cost of each view for a cluster of 1,000 partitions (100 topics
//! of 10) and 200 consumer groups with full sparkline history, into a
//! 200x50 TestBackend. The target is under 5 ms per frame.
//!
//! cargo bench -p mqtop --bench render

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use mqtop::app::{App, Drill, Feed};
use mqtop::fixture;
use mqtop::ui_state::{Settings, ViewId};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn big_app() -> App {
    let mut app = App::new(
        "bench".into(),
        Duration::from_secs(1),
        Settings::default(),
        fixture::NOW_MS - 120_000,
    );
    for tick in 0..120 {
        app.now_ms += 1_000;
        app.apply(Feed::Snapshot(Box::new(fixture::snapshot(
            100, 10, 200, tick,
        ))));
    }
    app.apply(Feed::Alerts(fixture::alerts()));
    app
}

fn render(c: &mut Criterion) {
    let mut app = big_app();
    let mut terminal = match Terminal::new(TestBackend::new(200, 50)) {
        Ok(t) => t,
        Err(e) => panic!("test backend: {e}"),
    };
    let mut group = c.benchmark_group("render_1000_partitions_200_groups");
    for view in ViewId::ALL {
        app.settings.view = view;
        app.drill.clear();
        group.bench_function(view.title(), |b| {
            b.iter(|| terminal.draw(|f| mqtop::views::render(f, &app)).map(|_| ()))
        });
    }
    app.settings.view = ViewId::Groups;
    app.drill.push(Drill::Group(fixture::group_name(7)));
    group.bench_function("Group drill-down", |b| {
        b.iter(|| terminal.draw(|f| mqtop::views::render(f, &app)).map(|_| ()))
    });
    group.finish();

    // A snapshot arriving: history, rows and the redraw it causes.
    let snapshot = fixture::snapshot(100, 10, 200, 121);
    c.bench_function("apply_snapshot_1000_partitions_200_groups", |b| {
        b.iter(|| app.apply(Feed::Snapshot(Box::new(snapshot.clone()))))
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
