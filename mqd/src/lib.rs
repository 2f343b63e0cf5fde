//! mqd, the mq broker, as a library so tests and benchmarks can drive it.
//!
//! Layers, from the bottom: `log` (the storage engine: segments, indexes,
//! recovery, retention) knows bytes and offsets; `partition` adds the high
//! watermark, durability and waiting readers; `topics` is the registry
//! backed by `meta` (the only module that sees sled); `broker` is the state
//! the services share; `grpc` converts between protobuf and these types and
//! is the only place that sees tonic. `boot` wires it together; `config`
//! and `cli` say how.
pub mod alerts;
pub mod boot;
pub mod broker;
pub mod canary;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod data_dir;
pub mod error;
pub mod fsync;
pub mod groups;
pub mod grpc;
pub mod log;
pub mod logging;
pub mod meta;
pub mod metrics;
pub mod partition;
pub mod queues;
pub mod reload;
pub mod replication;
pub mod stats;
pub mod systemd;
pub mod tasks;
pub mod topic_config;
pub mod topics;
