//! The client library's error type.

use thiserror::Error;
use tonic::Code;
use tonic_types::StatusExt;

use crate::batch::CodecError;

/// Everything a client call can fail with. Cloneable, so one failed batch
/// can be reported to every record in it.
#[derive(Debug, Clone, Error)]
pub enum Error {
    /// No connection could be made (or kept) to the named address.
    #[error("cannot reach mq at {address}: {detail}")]
    Unreachable { address: String, detail: String },
    /// The broker answered with an error status.
    #[error("{message}")]
    Broker {
        code: Code,
        /// Machine-readable reason from [`crate::reason`], when the broker sent one.
        reason: Option<String>,
        message: String,
        metadata: Vec<(String, String)>,
    },
    #[error(transparent)]
    Codec(#[from] std::sync::Arc<CodecError>),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The producer or consumer was closed while the call was in flight.
    #[error("the client was closed")]
    Closed,
    /// Some acks or nacks were refused; the rest were applied.
    #[error("{} of {total} records could not be settled: {}", refused.len(), refused.first().map_or("", |u| u.message.as_str()))]
    Unsettled {
        total: usize,
        refused: Vec<Unsettled>,
    },
}

/// One record whose ack or nack the broker refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsettled {
    pub partition: u32,
    pub offset: i64,
    /// DELIVERY_EXPIRED, ALREADY_SETTLED or NOT_LEASED (see [`crate::reason`]).
    pub reason: String,
    pub message: String,
}

impl Error {
    /// The broker's machine-readable reason, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Error::Broker { reason, .. } => reason.as_deref(),
            Error::Unsettled { refused, .. } => refused.first().map(|u| u.reason.as_str()),
            _ => None,
        }
    }

    /// The gRPC code, for broker errors.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Broker { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// A value from the error's metadata (for example `log_start_offset`
    /// of an OFFSET_OUT_OF_RANGE error).
    pub fn metadata(&self, key: &str) -> Option<&str> {
        match self {
            Error::Broker { metadata, .. } => metadata
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed.
    pub fn is_retriable(&self) -> bool {
        match self {
            Error::Unreachable { .. } => true,
            Error::Broker { code, .. } => matches!(
                code,
                Code::Unavailable
                    | Code::DeadlineExceeded
                    | Code::Aborted
                    | Code::Unknown
                    // A call cut off with its connection (a broker restart).
                    | Code::Cancelled
            ),
            _ => false,
        }
    }
}

impl From<CodecError> for Error {
    fn from(err: CodecError) -> Self {
        Error::Codec(std::sync::Arc::new(err))
    }
}

impl From<tonic::Status> for Error {
    fn from(status: tonic::Status) -> Self {
        let info = status.get_error_details().error_info().cloned();
        let (reason, metadata) = match info {
            Some(info) => (
                Some(info.reason),
                info.metadata.into_iter().collect::<Vec<_>>(),
            ),
            None => (None, Vec::new()),
        };
        Error::Broker {
            code: status.code(),
            reason,
            message: status.message().to_string(),
            metadata,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
