//! What the operator chose: the current view, and per view the sort, the
//! filter and the hidden columns. It survives navigation (each view keeps
//! its own) and restarts (stored as TOML in the user's state directory).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The views, on the number keys in this order (a fixed interface).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewId {
    Overview,
    Topics,
    Groups,
    Partitions,
    Brokers,
    Alerts,
}

impl ViewId {
    pub const ALL: [ViewId; 6] = [
        ViewId::Overview,
        ViewId::Topics,
        ViewId::Groups,
        ViewId::Partitions,
        ViewId::Brokers,
        ViewId::Alerts,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ViewId::Overview => "Overview",
            ViewId::Topics => "Topics",
            ViewId::Groups => "Groups",
            ViewId::Partitions => "Partitions",
            ViewId::Brokers => "Brokers",
            ViewId::Alerts => "Alerts",
        }
    }

    /// The number key that opens the view.
    pub fn key(self) -> char {
        match self {
            ViewId::Overview => '1',
            ViewId::Topics => '2',
            ViewId::Groups => '3',
            ViewId::Partitions => '4',
            ViewId::Brokers => '5',
            ViewId::Alerts => '6',
        }
    }

    pub fn from_key(c: char) -> Option<ViewId> {
        ViewId::ALL.into_iter().find(|v| v.key() == c)
    }

    pub fn parse(name: &str) -> Option<ViewId> {
        let name = name.to_ascii_lowercase();
        ViewId::ALL
            .into_iter()
            .find(|v| v.title().to_ascii_lowercase() == name || v.key().to_string() == name)
    }

    pub fn next(self) -> ViewId {
        let i = ViewId::ALL.iter().position(|v| *v == self).unwrap_or(0);
        ViewId::ALL[(i + 1) % ViewId::ALL.len()]
    }

    pub fn previous(self) -> ViewId {
        let i = ViewId::ALL.iter().position(|v| *v == self).unwrap_or(0);
        ViewId::ALL[(i + ViewId::ALL.len() - 1) % ViewId::ALL.len()]
    }
}

/// One table's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TableSettings {
    /// The sort column's title; empty: the view's default order.
    pub sort: String,
    pub descending: bool,
    /// Rows whose text contains this (case-insensitive) are shown.
    pub filter: String,
    /// Titles of columns the operator hid.
    pub hidden: Vec<String>,
}

/// What is stored between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub view: ViewId,
    /// Keyed by table name (a view's, or a drill-down's such as "group").
    pub tables: BTreeMap<String, TableSettings>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            view: ViewId::Overview,
            tables: BTreeMap::new(),
        }
    }
}

/// `$MQTOP_STATE`, else `$XDG_STATE_HOME/mq/mqtop.toml`, else
/// `~/.local/state/mq/mqtop.toml`.
pub fn path() -> PathBuf {
    if let Some(p) = std::env::var_os("MQTOP_STATE").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("mq").join("mqtop.toml")
}

impl Settings {
    /// The stored settings. A missing or unreadable file gives the
    /// defaults: losing a sort order must never stop mqtop from starting.
    /// The problem, if any, is returned for the status line.
    pub fn load(path: &std::path::Path) -> (Settings, Option<String>) {
        match std::fs::read_to_string(path) {
            Ok(text) => match toml::from_str(&text) {
                Ok(s) => (s, None),
                Err(e) => (
                    Settings::default(),
                    Some(format!(
                        "ignored {} ({}); it is rewritten on quit",
                        path.display(),
                        e.message()
                    )),
                ),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
            Err(e) => (
                Settings::default(),
                Some(format!("cannot read {}: {e}", path.display())),
            ),
        }
    }

    /// Writes through a temporary file and a rename.
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = toml::to_string_pretty(self).map_err(std::io::Error::other)?;
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }

    pub fn table(&self, name: &str) -> TableSettings {
        self.tables.get(name).cloned().unwrap_or_default()
    }

    pub fn table_mut(&mut self, name: &str) -> &mut TableSettings {
        self.tables.entry(name.to_string()).or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_on_the_fixed_number_keys() {
        let keys: String = ViewId::ALL.iter().map(|v| v.key()).collect();
        assert_eq!(keys, "123456");
        assert_eq!(ViewId::from_key('4'), Some(ViewId::Partitions));
        assert_eq!(ViewId::parse("groups"), Some(ViewId::Groups));
        assert_eq!(ViewId::parse("6"), Some(ViewId::Alerts));
        assert_eq!(ViewId::parse("nope"), None);
        assert_eq!(ViewId::Alerts.next(), ViewId::Overview);
        assert_eq!(ViewId::Overview.previous(), ViewId::Alerts);
    }

    #[test]
    fn settings_survive_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("deep").join("mqtop.toml");
        let mut s = Settings {
            view: ViewId::Groups,
            ..Settings::default()
        };
        *s.table_mut("groups") = TableSettings {
            sort: "LAG".into(),
            descending: true,
            filter: "bill".into(),
            hidden: vec!["DLQ".into()],
        };
        s.save(&path).expect("save");
        let (loaded, problem) = Settings::load(&path);
        assert_eq!(problem, None);
        assert_eq!(loaded, s);
    }

    #[test]
    fn a_broken_file_gives_defaults_and_says_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mqtop.toml");
        std::fs::write(&path, "view = 7").expect("write");
        let (loaded, problem) = Settings::load(&path);
        assert_eq!(loaded, Settings::default());
        assert!(problem.expect("a problem").contains("mqtop.toml"));
        let (_, missing) = Settings::load(&dir.path().join("absent.toml"));
        assert_eq!(missing, None);
    }
}
