//! Generated gRPC types and services of package `mq.v1`.
#![allow(clippy::all, missing_docs)]

tonic::include_proto!("mq.v1");

/// Encoded file descriptor set, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("mq_descriptor");
