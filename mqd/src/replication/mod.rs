//! Partition replication in a cluster: each node makes its local replicas
//! match what the controller says (`reconcile`), followers copy their
//! leader's log (`fetcher`), and leaders track their followers to move the
//! high watermark and keep the ISR honest (`state`).

pub mod fetcher;
pub mod reconcile;
pub mod state;
