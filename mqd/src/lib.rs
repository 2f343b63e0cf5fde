//! mqd, the mq broker, as a library so tests and benchmarks can drive it.
pub mod log;
