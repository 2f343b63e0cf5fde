//! `mq`: the client library and wire contract of the mq message broker.
//!
//! What is here: the gRPC API generated from the `.proto` files
//! ([`proto`]), the Kafka v2 record-batch codec ([`batch`]), and a client
//! ([`Client`], [`Producer`], [`Consumer`], [`Admin`]) plus the load
//! generator behind benchmarks ([`bench`]). What is not: anything about
//! storage or terminals; the broker and the tools depend on this crate,
//! never the other way round.

pub mod batch;
pub mod bench;
pub mod client;
pub mod contexts;
pub mod error;
pub mod human;
pub mod proto;
pub mod reason;
pub mod record;

pub use client::admin::Admin;
pub use client::connection::Client;
pub use client::consumer::{Consumer, ConsumerConfig, StartOffset};
pub use client::group::{GroupConfig, GroupConsumer, OffsetReset, RebalanceListener};
pub use client::producer::{Acks, Delivery, Producer, ProducerConfig, RecordMetadata};
pub use client::receiver::{Received, Receiver, ReceiverConfig};
pub use error::{Error, Result};
pub use record::{ConsumedRecord, Header, Record};
