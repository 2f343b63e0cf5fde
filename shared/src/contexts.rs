//! Contexts: named connection settings in a TOML file in the user's config
//! directory, so `--context prod` replaces repeating `--server` in mqctl
//! and mqtop alike. A context marked `read_only` lets tools refuse every
//! mutating action, so a production context can be safe by default.
//!
//! The file is `$MQCTL_CONFIG`, else `$XDG_CONFIG_HOME/mq/mqctl.toml`,
//! else `~/.config/mq/mqctl.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub const DEFAULT_SERVER: &str = "http://127.0.0.1:7420";

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("contexts file {path}: {message}\n  fix the file, or point MQCTL_CONFIG at another")]
    Invalid { path: String, message: String },
    #[error("cannot {action} contexts file {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("no context {name:?} in {path}{hint} (known: {known})")]
    Unknown {
        name: String,
        path: String,
        hint: String,
        known: String,
    },
    #[error("context {name:?} is read-only, so `{action}` is refused; use a writable context (--context NAME) or re-add this one without --read-only")]
    ReadOnly { name: String, action: String },
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextsFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    #[serde(default)]
    pub contexts: BTreeMap<String, Context>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    pub server: String,
    #[serde(default)]
    pub read_only: bool,
}

/// Where commands go, and whether they may change anything.
#[derive(Debug, Clone)]
pub struct Target {
    pub address: String,
    /// Where `address` came from, for error messages.
    pub source: String,
    /// The context's name when `address` comes from a read-only context.
    pub read_only_context: Option<String>,
    /// The context's name when one chose `address` (read-only or not).
    pub context: Option<String>,
}

impl Target {
    /// Refuses a mutating action in a read-only context.
    pub fn check_writable(&self, action: &str) -> Result<(), ContextError> {
        match &self.read_only_context {
            Some(name) => Err(ContextError::ReadOnly {
                name: name.clone(),
                action: action.to_string(),
            }),
            None => Ok(()),
        }
    }
}

pub fn path() -> PathBuf {
    if let Some(p) = std::env::var_os("MQCTL_CONFIG").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("mq").join("mqctl.toml")
}

/// The contexts file; an absent file is an empty one.
pub fn load() -> Result<ContextsFile, ContextError> {
    let path = path();
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).map_err(|e| ContextError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ContextsFile::default()),
        Err(source) => Err(ContextError::Io {
            action: "read",
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Writes the file through a temporary file and a rename, so a crash
/// never leaves half a file.
pub fn save(file: &ContextsFile) -> Result<(), ContextError> {
    let path = path();
    let fail = |source: std::io::Error| ContextError::Io {
        action: "write",
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let text = toml::to_string_pretty(file).map_err(|e| ContextError::Invalid {
        path: path.display().to_string(),
        message: format!("cannot encode contexts: {e}"),
    })?;
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, &path).map_err(fail)
}

/// Resolves the server: `server` (from `--server` or `MQ_SERVER`, with
/// where it came from), then the named context (`--context` or
/// `MQ_CONTEXT`), then the current context, then the default.
pub fn resolve(
    server: Option<(String, &str)>,
    context: Option<&str>,
) -> Result<Target, ContextError> {
    let file = load()?;
    let named = match context {
        Some(name) => Some((name.to_string(), find(&file, name)?.clone())),
        None => None,
    };
    let read_only_context = named
        .as_ref()
        .filter(|(_, c)| c.read_only)
        .map(|(n, _)| n.clone());
    if let Some((address, source)) = server {
        return Ok(Target {
            address,
            source: source.to_string(),
            read_only_context,
            context: named.map(|(n, _)| n),
        });
    }
    if let Some((name, c)) = named {
        return Ok(Target {
            address: c.server,
            source: format!("context {name:?}"),
            read_only_context,
            context: Some(name),
        });
    }
    if let Some(name) = &file.current {
        if let Some(c) = file.contexts.get(name) {
            return Ok(Target {
                address: c.server.clone(),
                source: format!("current context {name:?} in {}", path().display()),
                read_only_context: c.read_only.then(|| name.clone()),
                context: Some(name.clone()),
            });
        }
    }
    Ok(Target {
        address: DEFAULT_SERVER.to_string(),
        source: "the default; no --server, MQ_SERVER or context set".to_string(),
        read_only_context: None,
        context: None,
    })
}

/// The named context, or an error naming the known ones and the nearest.
pub fn find<'a>(file: &'a ContextsFile, name: &str) -> Result<&'a Context, ContextError> {
    file.contexts.get(name).ok_or_else(|| {
        let known: Vec<&str> = file.contexts.keys().map(String::as_str).collect();
        ContextError::Unknown {
            name: name.to_string(),
            path: path().display().to_string(),
            hint: crate::human::suggest(name, known.iter().copied())
                .map(|s| format!("; did you mean {s:?}?"))
                .unwrap_or_default(),
            known: if known.is_empty() {
                "none; add one with `mqctl context add NAME --server URL`".to_string()
            } else {
                known.join(", ")
            },
        }
    })
}
