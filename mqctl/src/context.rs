//! Contexts: named connection settings in a TOML file in the user's config
//! directory, so `mqctl --context prod ...` (or a current context) replaces
//! repeating `--server`. A context marked `read_only` refuses every
//! mutating verb, so a production context can be safe by default.
//!
//! The file is `$MQCTL_CONFIG`, else `$XDG_CONFIG_HOME/mq/mqctl.toml`,
//! else `~/.config/mq/mqctl.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::cli::ContextCommand;
use crate::error::{CliError, Result};
use crate::output::{Printer, Table};

pub const DEFAULT_SERVER: &str = "http://127.0.0.1:7420";

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
    /// Set when the address comes from a read-only context.
    pub read_only_context: Option<String>,
}

impl Target {
    /// Refuses a mutating verb in a read-only context.
    pub fn check_writable(&self, verb: &str) -> Result<()> {
        match &self.read_only_context {
            Some(name) => Err(CliError::Other(format!(
                "context {name:?} is read-only, so `{verb}` is refused; use a writable context (--context NAME) or re-add this one without --read-only"
            ))),
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

pub fn load() -> Result<ContextsFile> {
    let path = path();
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            CliError::Other(format!(
                "contexts file {}: {e}\n  fix the file, or point MQCTL_CONFIG at another",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ContextsFile::default()),
        Err(e) => Err(CliError::Other(format!(
            "cannot read contexts file {}: {e}",
            path.display()
        ))),
    }
}

fn save(file: &ContextsFile) -> Result<()> {
    let path = path();
    let fail = |e: std::io::Error| {
        CliError::Other(format!(
            "cannot write contexts file {}: {e}",
            path.display()
        ))
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let text = toml::to_string_pretty(file)
        .map_err(|e| CliError::Other(format!("cannot encode contexts: {e}")))?;
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, &path).map_err(fail)
}

/// Resolves the server: `--server`, then `MQ_SERVER`, then `--context` (or
/// `MQ_CONTEXT`), then the current context, then the default.
pub fn resolve(server: Option<(String, &str)>, context: Option<&str>) -> Result<Target> {
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
        });
    }
    if let Some((name, c)) = named {
        return Ok(Target {
            address: c.server,
            source: format!("context {name:?}"),
            read_only_context,
        });
    }
    if let Some(name) = &file.current {
        if let Some(c) = file.contexts.get(name) {
            return Ok(Target {
                address: c.server.clone(),
                source: format!("current context {name:?} in {}", path().display()),
                read_only_context: c.read_only.then(|| name.clone()),
            });
        }
    }
    Ok(Target {
        address: DEFAULT_SERVER.to_string(),
        source: "the default; no --server, MQ_SERVER or context set".to_string(),
        read_only_context: None,
    })
}

fn find<'a>(file: &'a ContextsFile, name: &str) -> Result<&'a Context> {
    file.contexts.get(name).ok_or_else(|| {
        let known: Vec<&str> = file.contexts.keys().map(String::as_str).collect();
        let hint = crate::output::suggest(name, known.iter().copied())
            .map(|s| format!("; did you mean {s:?}?"))
            .unwrap_or_default();
        CliError::NotFound(format!(
            "no context {name:?} in {}{hint} (known: {})",
            path().display(),
            if known.is_empty() {
                "none; add one with `mqctl context add NAME --server URL`".to_string()
            } else {
                known.join(", ")
            }
        ))
    })
}

pub fn run(command: ContextCommand, out: &Printer) -> Result<()> {
    let mut file = load()?;
    match command {
        ContextCommand::List => {
            let mut table = Table::new(["CURRENT", "NAME", "SERVER", "READ-ONLY"]);
            let mut json = Vec::new();
            for (name, c) in &file.contexts {
                let current = file.current.as_deref() == Some(name.as_str());
                table.row([
                    if current { "*" } else { "" }.to_string(),
                    name.clone(),
                    c.server.clone(),
                    c.read_only.to_string(),
                ]);
                json.push(serde_json::json!({
                    "name": name, "server": c.server, "read_only": c.read_only, "current": current,
                }));
            }
            out.emit(&table, &serde_json::Value::Array(json))
        }
        ContextCommand::Use { name } => {
            find(&file, &name)?;
            file.current = Some(name.clone());
            save(&file)?;
            out.note(&format!("current context is now {name:?}"));
            out.json(&serde_json::json!({ "current": name }))
        }
        ContextCommand::Add {
            name,
            server,
            read_only,
        } => {
            if name.is_empty() || server.is_empty() {
                return Err(CliError::Other(
                    "a context needs a name and --server URL".to_string(),
                ));
            }
            let replaced = file
                .contexts
                .insert(name.clone(), Context { server, read_only })
                .is_some();
            if file.current.is_none() {
                file.current = Some(name.clone());
            }
            save(&file)?;
            out.note(&format!(
                "{} context {name:?} in {}",
                if replaced { "replaced" } else { "added" },
                path().display()
            ));
            out.json(&serde_json::json!({ "name": name, "replaced": replaced }))
        }
        ContextCommand::Remove { name } => {
            find(&file, &name)?;
            file.contexts.remove(&name);
            if file.current.as_deref() == Some(name.as_str()) {
                file.current = None;
            }
            save(&file)?;
            out.note(&format!("removed context {name:?}"));
            out.json(&serde_json::json!({ "removed": name }))
        }
        ContextCommand::Show { name } => {
            let name = match name.or_else(|| file.current.clone()) {
                Some(n) => n,
                None => {
                    return Err(CliError::NotFound(
                        "no current context; name one, or `mqctl context use NAME`".to_string(),
                    ))
                }
            };
            let c = find(&file, &name)?;
            let mut table = Table::new(["NAME", "SERVER", "READ-ONLY"]);
            table.row([name.clone(), c.server.clone(), c.read_only.to_string()]);
            out.emit(
                &table,
                &serde_json::json!({ "name": name, "server": c.server, "read_only": c.read_only }),
            )
        }
    }
}
