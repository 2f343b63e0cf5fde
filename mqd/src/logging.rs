//! Log output: human text or JSON lines on stderr, filtered by RUST_LOG or
//! the configured level; under systemd (JOURNAL_STREAM set), text lines
//! carry syslog priorities instead of timestamps. The filter can be replaced while mqd runs (Admin
//! SetLogLevel), so an operator can turn on debug logs on a live broker
//! without a restart.

use std::sync::OnceLock;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

type Setter = Box<dyn Fn(EnvFilter) -> Result<(), String> + Send + Sync>;

struct Control {
    set: Setter,
    current: parking_lot::Mutex<String>,
}

static CONTROL: OnceLock<Control> = OnceLock::new();

pub fn init(level: &str, format: LogFormat) {
    let (filter, current) = match EnvFilter::try_from_default_env() {
        Ok(f) => {
            let text = std::env::var("RUST_LOG").unwrap_or_default();
            (f, text)
        }
        Err(_) => match filter_for(level) {
            Ok(f) => (f, level.to_string()),
            Err(_) => (EnvFilter::new("info"), "info".to_string()),
        },
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // Under systemd stderr goes to the journal, which stamps the time and
    // reads the level from a syslog priority prefix.
    let journal = std::env::var_os("JOURNAL_STREAM").is_some();
    let set: Setter = match format {
        LogFormat::Text if journal => {
            let builder = builder
                .with_ansi(false)
                .event_format(JournalFormat::default())
                .with_env_filter(filter)
                .with_filter_reloading();
            let handle = builder.reload_handle();
            builder.init();
            Box::new(move |f| handle.reload(f).map_err(|e| e.to_string()))
        }
        LogFormat::Text => {
            let builder = builder.with_env_filter(filter).with_filter_reloading();
            let handle = builder.reload_handle();
            builder.init();
            Box::new(move |f| handle.reload(f).map_err(|e| e.to_string()))
        }
        LogFormat::Json => {
            let builder = builder
                .json()
                .flatten_event(true)
                .with_env_filter(filter)
                .with_filter_reloading();
            let handle = builder.reload_handle();
            builder.init();
            Box::new(move |f| handle.reload(f).map_err(|e| e.to_string()))
        }
    };
    let _ = CONTROL.set(Control {
        set,
        current: parking_lot::Mutex::new(current),
    });
}

/// Text lines for the journal: a `<N>` syslog priority, no timestamp and
/// no level word (the journal shows both from its own fields).
struct JournalFormat {
    inner: tracing_subscriber::fmt::format::Format<tracing_subscriber::fmt::format::Full, ()>,
}

impl Default for JournalFormat {
    fn default() -> Self {
        JournalFormat {
            inner: tracing_subscriber::fmt::format()
                .without_time()
                .with_level(false)
                .with_target(false)
                .with_ansi(false),
        }
    }
}

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for JournalFormat
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let priority = match *event.metadata().level() {
            tracing::Level::ERROR => 3,
            tracing::Level::WARN => 4,
            tracing::Level::INFO => 6,
            tracing::Level::DEBUG | tracing::Level::TRACE => 7,
        };
        write!(writer, "<{priority}>")?;
        self.inner.format_event(ctx, writer, event)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LevelError {
    #[error("{spec:?} is not a log filter ({why}); use a level (error, warn, info, debug, trace) or directives such as \"info,mqd::queues=debug\"")]
    Invalid { spec: String, why: String },
    #[error("this process does not control its logging (it was not started as mqd)")]
    Unavailable,
    #[error("replacing the log filter failed: {0}")]
    Reload(String),
}

/// The filter for a configured level. openraft narrates every election
/// and replication step at info; it is held to warn unless the spec names
/// it (`info,openraft=info`).
fn filter_for(spec: &str) -> Result<EnvFilter, tracing_subscriber::filter::ParseError> {
    let filter = EnvFilter::try_new(spec)?;
    if spec.contains("openraft") {
        return Ok(filter);
    }
    Ok(filter.add_directive("openraft=warn".parse()?))
}

/// Replaces the log filter (unless `dry_run`); returns the one in force
/// before.
pub fn set_level(spec: &str, dry_run: bool) -> Result<String, LevelError> {
    let filter = filter_for(spec).map_err(|e| LevelError::Invalid {
        spec: spec.to_string(),
        why: e.to_string(),
    })?;
    let control = CONTROL.get().ok_or(LevelError::Unavailable)?;
    if dry_run {
        return Ok(control.current.lock().clone());
    }
    (control.set)(filter).map_err(LevelError::Reload)?;
    let previous = std::mem::replace(&mut *control.current.lock(), spec.to_string());
    tracing::info!(previous = %previous, current = spec, "log filter changed");
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_filters_are_refused_with_the_fix() {
        let err = set_level("info,=[", true).unwrap_err();
        assert!(err.to_string().contains("not a log filter"), "{err}");
    }
}
