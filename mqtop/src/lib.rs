//! mqtop: the live terminal dashboard of an mq cluster.
//!
//! Architecture: [`app`] holds the state (data, history, connection,
//! navigation); [`feed`] brings data from the broker; [`keys`] turns keys
//! into state changes; [`views`] draws from the state alone; [`run`] is
//! the event loop between them and the terminal. The library form exists
//! for the tests and the render benchmark.

pub mod app;
pub mod cli;
pub mod feed;
pub mod fixture;
pub mod history;
pub mod keys;
pub mod model;
pub mod run;
pub mod terminal;
pub mod theme;
pub mod ui_state;
pub mod views;
