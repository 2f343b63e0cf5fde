//! The broker's configuration: a TOML file, overridden by `MQD_*`
//! environment variables and flags (see `cli`).
//!
//! Three layers, as in iggy's config crate: the file shape and its defaults
//! (`file`, `defaults`), and validation into the types the broker runs on
//! (`validate`). Unknown keys and bad values are refused at start with the
//! file, the key and what is allowed.

mod defaults;
mod file;
mod validate;

pub use defaults::DEFAULT_CONFIG;
pub use file::{ConfigFile, LogSection, StorageSection};
pub use validate::{ConfigError, LogFormat, Peer, ValidConfig};
