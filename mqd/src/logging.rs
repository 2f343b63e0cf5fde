//! Log output: human text or JSON lines on stderr, filtered by RUST_LOG or
//! the configured level. The filter can be replaced while mqd runs (Admin
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
        Err(_) => match EnvFilter::try_new(level) {
            Ok(f) => (f, level.to_string()),
            Err(_) => (EnvFilter::new("info"), "info".to_string()),
        },
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let set: Setter = match format {
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

#[derive(Debug, thiserror::Error)]
pub enum LevelError {
    #[error("{spec:?} is not a log filter ({why}); use a level (error, warn, info, debug, trace) or directives such as \"info,mqd::queues=debug\"")]
    Invalid { spec: String, why: String },
    #[error("this process does not control its logging (it was not started as mqd)")]
    Unavailable,
    #[error("replacing the log filter failed: {0}")]
    Reload(String),
}

/// Replaces the log filter (unless `dry_run`); returns the one in force
/// before.
pub fn set_level(spec: &str, dry_run: bool) -> Result<String, LevelError> {
    let filter = EnvFilter::try_new(spec).map_err(|e| LevelError::Invalid {
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
