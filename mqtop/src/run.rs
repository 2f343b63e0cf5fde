//! The event loop: data from the feed, keys from the terminal, a clock
//! tick for the age shown in the header. It redraws only when one of them
//! changed what is on screen, so an idle mqtop costs next to nothing.

use std::time::Duration;

use ratatui::crossterm::event::{self, Event};
use tokio::sync::mpsc;

use crate::app::App;
use crate::feed::{self, Command};
use crate::keys::{self, Effect};
use crate::terminal::Guard;
use crate::views;

pub fn now_ms() -> i64 {
    mq::record::now_ms()
}

/// Runs mqtop until the operator quits. The terminal is restored before
/// this returns, whatever happened.
pub async fn run(mut app: App, address: String) -> std::io::Result<App> {
    let (feed_tx, mut feed_rx) = mpsc::channel(64);
    let (cmd_tx, cmd_rx) = mpsc::channel(8);
    let feed_task = tokio::spawn(feed::run(address, app.interval, feed_tx, cmd_rx));

    let mut guard = Guard::enter()?;
    let (key_tx, mut key_rx) = mpsc::channel(64);
    // crossterm's reader blocks; it gets a thread of its own, and polls
    // so it notices when the loop is gone.
    let reader = std::thread::spawn(move || loop {
        match event::poll(Duration::from_millis(200)) {
            Ok(true) => match event::read() {
                Ok(e) => {
                    if key_tx.blocking_send(e).is_err() {
                        return;
                    }
                }
                Err(_) => return,
            },
            Ok(false) => {
                if key_tx.is_closed() {
                    return;
                }
            }
            Err(_) => return,
        }
    });

    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut drawn_clock = String::new();
    let mut dirty = true;
    // For the test that proves a panic gives the terminal back.
    let panic_after_draw = std::env::var_os("MQTOP_PANIC_AFTER_DRAW").is_some();
    let result = loop {
        if dirty {
            app.now_ms = now_ms();
            drawn_clock = clock(&app);
            if let Err(e) = guard.terminal.draw(|f| views::render(f, &app)) {
                break Err(e);
            }
            dirty = false;
            if panic_after_draw {
                panic!("MQTOP_PANIC_AFTER_DRAW is set");
            }
        }
        tokio::select! {
            update = feed_rx.recv() => match update {
                Some(update) => {
                    app.now_ms = now_ms();
                    dirty = app.apply(update);
                }
                // Only a panic ends the feed while the loop runs.
                None => break Err(std::io::Error::other("the data feed stopped unexpectedly")),
            },
            input = key_rx.recv() => match input {
                Some(Event::Key(key)) => {
                    app.now_ms = now_ms();
                    match keys::handle(&mut app, key) {
                        Effect::None => {}
                        Effect::Redraw => dirty = true,
                        Effect::Ack { id, note } => {
                            dirty = true;
                            if cmd_tx.try_send(Command::Ack { id, note }).is_err() {
                                app.message = Some(("busy; try again".into(), app.now_ms));
                            }
                        }
                        Effect::Quit => break Ok(()),
                    }
                }
                Some(Event::Resize(_, _)) => dirty = true,
                Some(_) => {}
                None => break Err(std::io::Error::other("the terminal's input ended")),
            },
            _ = tick.tick() => {
                app.now_ms = now_ms();
                // Only what the clock changes: the age, the banner's
                // countdown, a message timing out.
                dirty = clock(&app) != drawn_clock;
            }
        }
    };
    feed_task.abort();
    drop(key_rx);
    drop(guard);
    let _ = reader.join();
    result.map(|()| app)
}

/// Everything on screen that depends on the clock alone.
fn clock(app: &App) -> String {
    let message_live = app
        .message
        .as_ref()
        .is_some_and(|(_, at)| app.now_ms - at < 5_000);
    format!(
        "{}|{:?}|{message_live}",
        views::header::freshness(app),
        views::header::banner(app)
    )
}
