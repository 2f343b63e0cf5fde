//! The client library: a connection, a producer, a consumer and an admin.

pub mod admin;
pub mod connection;
pub mod consumer;
pub mod group;
pub mod partitioner;
pub mod producer;
