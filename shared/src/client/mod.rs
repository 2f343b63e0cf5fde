//! The client library: a connection, a producer, a consumer, a group consumer, a queue receiver and an admin.

pub mod admin;
pub mod connection;
pub mod consumer;
mod coordinator;
pub mod group;
pub mod partitioner;
pub mod producer;
pub mod receiver;
