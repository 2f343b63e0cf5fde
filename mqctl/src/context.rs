//! `mqctl context`: list, add, use, show and remove the named connection
//! settings kept by `mq::contexts` (shared with mqtop).

use mq::contexts::{self, Context, ContextError};

pub use mq::contexts::Target;

use crate::cli::ContextCommand;
use crate::error::{CliError, Result};
use crate::output::{Printer, Table};

impl From<ContextError> for CliError {
    fn from(e: ContextError) -> CliError {
        match e {
            ContextError::Unknown { .. } => CliError::NotFound(e.to_string()),
            other => CliError::Other(other.to_string()),
        }
    }
}

pub fn resolve(server: Option<(String, &str)>, context: Option<&str>) -> Result<Target> {
    Ok(contexts::resolve(server, context)?)
}

pub fn run(command: ContextCommand, out: &Printer) -> Result<()> {
    let mut file = contexts::load()?;
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
            contexts::find(&file, &name)?;
            file.current = Some(name.clone());
            contexts::save(&file)?;
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
            contexts::save(&file)?;
            out.note(&format!(
                "{} context {name:?} in {}",
                if replaced { "replaced" } else { "added" },
                contexts::path().display()
            ));
            out.json(&serde_json::json!({ "name": name, "replaced": replaced }))
        }
        ContextCommand::Remove { name } => {
            contexts::find(&file, &name)?;
            file.contexts.remove(&name);
            if file.current.as_deref() == Some(name.as_str()) {
                file.current = None;
            }
            contexts::save(&file)?;
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
            let c = contexts::find(&file, &name)?;
            let mut table = Table::new(["NAME", "SERVER", "READ-ONLY"]);
            table.row([name.clone(), c.server.clone(), c.read_only.to_string()]);
            out.emit(
                &table,
                &serde_json::json!({ "name": name, "server": c.server, "read_only": c.read_only }),
            )
        }
    }
}
