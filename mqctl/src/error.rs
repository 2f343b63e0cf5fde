//! mqctl's errors and the exit codes they map to (listed in `--help` and
//! docs/mqctl.md).

use thiserror::Error;
use tonic::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Error = 1,
    NotFound = 3,
    Conflict = 4,
    Unavailable = 5,
    Unhealthy = 6,
}

#[derive(Debug, Error)]
pub enum CliError {
    /// The broker could not be reached; `source` says where the address
    /// came from, so the fix is obvious.
    #[error("cannot reach mq at {address} (address from {source_of}): {detail}\n  set another with --server URL, MQ_SERVER, or `mqctl context use NAME`")]
    Unreachable {
        address: String,
        source_of: String,
        detail: String,
    },
    #[error("{message}")]
    Broker { exit: Exit, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Other(String),
    /// A health check found a problem (exit 6).
    #[error("{0}")]
    Unhealthy(String),
    #[error(
        "no answer from {address} within {timeout_ms} ms; raise --timeout or check the broker"
    )]
    Timeout { address: String, timeout_ms: u128 },
}

impl CliError {
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Unreachable { .. } | CliError::Timeout { .. } => Exit::Unavailable,
            CliError::Broker { exit, .. } => *exit,
            CliError::NotFound(_) => Exit::NotFound,
            CliError::Conflict(_) => Exit::Conflict,
            CliError::Other(_) => Exit::Error,
            CliError::Unhealthy(_) => Exit::Unhealthy,
        }
    }

    /// A broker error, with the broker's sentence unchanged.
    pub fn from_mq(err: mq::Error, address: &str, source_of: &str) -> CliError {
        match err {
            mq::Error::Unreachable { detail, .. } => CliError::Unreachable {
                address: address.to_string(),
                source_of: source_of.to_string(),
                detail,
            },
            mq::Error::Broker { code, message, .. } => {
                let exit = match code {
                    Code::NotFound => Exit::NotFound,
                    Code::AlreadyExists | Code::FailedPrecondition => Exit::Conflict,
                    Code::Unavailable | Code::DeadlineExceeded => Exit::Unavailable,
                    _ => Exit::Error,
                };
                let message = if message.is_empty() {
                    format!("the broker answered {code:?} without a message")
                } else {
                    message
                };
                CliError::Broker { exit, message }
            }
            other => CliError::Other(other.to_string()),
        }
    }
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;
