//! Command-line flags. Each flag can also come from an `MQD_*` variable
//! and overrides the same key of the config file.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{ConfigError, ConfigFile};

/// mq broker: a durable, partitioned message broker with a gRPC API.
///
/// With no flags, serves on 127.0.0.1:7420 with its data in ./data.
#[derive(Debug, Parser)]
#[command(name = "mqd", version, about, long_about = None)]
pub struct Cli {
    /// TOML config file (see `mqd print-default-config`).
    #[arg(long, env = "MQD_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Directory for logs and metadata [default: ./data]
    #[arg(long, env = "MQD_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// gRPC listen address; port 0 picks a free port [default: 127.0.0.1:7420]
    #[arg(long, env = "MQD_LISTEN")]
    pub listen: Option<String>,
    /// Prometheus metrics listen address [default: 127.0.0.1:7421]
    #[arg(long, env = "MQD_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// This node's id [default: 1]
    #[arg(long, env = "MQD_NODE_ID")]
    pub node_id: Option<u32>,
    /// Address clients use to reach this node [default: the bound listen address]
    #[arg(long, env = "MQD_ADVERTISE")]
    pub advertise: Option<String>,
    /// Cluster peers: 1=HOST:PORT,2=HOST:PORT,...
    #[arg(long, env = "MQD_PEERS")]
    pub peers: Option<String>,
    /// fsync policy: always, interval:<ms> or never [default: interval:1000]
    #[arg(long, env = "MQD_FSYNC")]
    pub fsync: Option<String>,
    /// Canary interval in ms; 0 turns the built-in canary off [default: 1000]
    #[arg(long, env = "MQD_CANARY_INTERVAL_MS")]
    pub canary_interval_ms: Option<u64>,
    /// Log level or tracing filter [default: info]
    #[arg(long, env = "MQD_LOG_LEVEL")]
    pub log_level: Option<String>,
    /// Log format: text or json [default: text]
    #[arg(long, env = "MQD_LOG_FORMAT")]
    pub log_format: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a config file (and flags/environment) and exit: 0 if valid.
    CheckConfig {
        /// The file to check (default: --config).
        file: Option<PathBuf>,
    },
    /// Print the default config file, every key documented.
    PrintDefaultConfig,
}

impl Cli {
    /// The config file (or defaults) with flags and environment laid over it,
    /// and a name for where it came from (for error messages).
    pub fn resolve(&self, file: Option<&PathBuf>) -> Result<(ConfigFile, String), ConfigError> {
        let (mut config, origin) = match file.or(self.config.as_ref()) {
            Some(path) => (ConfigFile::load(path)?, path.display().to_string()),
            None => (ConfigFile::default(), "flags".to_string()),
        };
        if let Some(v) = &self.data_dir {
            config.data_dir = v.clone();
        }
        if let Some(v) = &self.listen {
            config.listen = v.clone();
        }
        if let Some(v) = &self.metrics_listen {
            config.metrics_listen = v.clone();
        }
        if let Some(v) = self.node_id {
            config.node_id = v;
        }
        if let Some(v) = &self.advertise {
            config.advertise = Some(v.clone());
        }
        if let Some(v) = &self.peers {
            config.peers = v.clone();
        }
        if let Some(v) = &self.fsync {
            config.storage.fsync = v.clone();
        }
        if let Some(v) = self.canary_interval_ms {
            config.canary.interval_ms = v;
        }
        if let Some(v) = &self.log_level {
            config.log.level = v.clone();
        }
        if let Some(v) = &self.log_format {
            config.log.format = v.clone();
        }
        Ok((config, origin))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// contrib/man holds the pages the .deb installs;
    /// `UPDATE_MAN=1 cargo test -p mqd man_pages` rewrites them.
    #[test]
    fn man_pages_in_the_repository_are_current() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../contrib/man");
        let cmd = Cli::command();
        let mut pages = vec![("mqd".to_string(), cmd.clone())];
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = format!("mqd-{}", sub.get_name());
            let leaked: &'static str = name.clone().leak();
            pages.push((name, sub.clone().name(leaked)));
        }
        for (name, page) in pages {
            let mut rendered = Vec::new();
            clap_mangen::Man::new(page).render(&mut rendered).unwrap();
            let path = dir.join(format!("{name}.1"));
            if std::env::var_os("UPDATE_MAN").is_some() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &rendered).unwrap();
            }
            let stored = std::fs::read(&path).unwrap_or_default();
            assert!(
                stored == rendered,
                "{} is out of date; run UPDATE_MAN=1 cargo test -p mqd man_pages",
                path.display()
            );
        }
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mqd.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\ndata_dir = \"/a\"\n").unwrap();
        let cli = Cli::parse_from([
            "mqd",
            "--config",
            path.to_str().unwrap(),
            "--data-dir",
            "/b",
        ]);
        let (config, origin) = cli.resolve(None).unwrap();
        assert_eq!(config.listen, "127.0.0.1:1");
        assert_eq!(config.data_dir, PathBuf::from("/b"));
        assert!(origin.ends_with("mqd.toml"));
    }
}
