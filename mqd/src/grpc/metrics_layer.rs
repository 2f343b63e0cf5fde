//! Counts every gRPC request by method and status code, times it, and
//! counts client connections, for `/metrics`.
//!
//! tonic answers a handler's error as a trailers-only response, so the
//! status is in the response headers; a response without one is a success
//! (or a stream whose end status comes later, counted as OK when it opens).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tonic::transport::server::{Connected, TcpConnectInfo};
use tower_layer::Layer;
use tower_service::Service;

use crate::metrics::Instruments;

#[derive(Clone)]
pub struct RequestMetricsLayer {
    instruments: Arc<Instruments>,
}

impl RequestMetricsLayer {
    pub fn new(instruments: Arc<Instruments>) -> Self {
        RequestMetricsLayer { instruments }
    }
}

impl<S> Layer<S> for RequestMetricsLayer {
    type Service = RequestMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestMetrics {
            inner,
            instruments: self.instruments.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RequestMetrics<S> {
    inner: S,
    instruments: Arc<Instruments>,
}

impl<S, B, RB> Service<http::Request<B>> for RequestMetrics<S>
where
    S: Service<http::Request<B>, Response = http::Response<RB>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let api = api_name(request.uri().path());
        let started = Instant::now();
        let future = self.inner.call(request);
        let instruments = self.instruments.clone();
        Box::pin(async move {
            let result = future.await;
            let code = match &result {
                Ok(response) => response
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i32>().ok())
                    .map_or("OK", code_name),
                Err(_) => "INTERNAL",
            };
            // Unknown methods are one label, however many names clients try.
            let api = if code == "UNIMPLEMENTED" {
                "unknown"
            } else {
                api
            };
            instruments.request(api, code, started.elapsed().as_secs_f64());
            result
        })
    }
}

/// `/mq.v1.Broker/Produce` -> `Broker/Produce`; anything odd -> `unknown`.
fn api_name(path: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "Broker/Produce",
        "Broker/ProduceStream",
        "Broker/InitProducer",
        "Broker/Fetch",
        "Broker/Subscribe",
        "Broker/ListOffsets",
        "Broker/Metadata",
        "Broker/JoinGroup",
        "Broker/Heartbeat",
        "Broker/LeaveGroup",
        "Broker/CommitOffsets",
        "Broker/FetchOffsets",
        "Broker/Receive",
        "Broker/Ack",
        "Broker/Nack",
        "Admin/CreateTopic",
        "Admin/ListTopics",
        "Admin/DescribeTopic",
        "Admin/AlterTopicConfig",
        "Admin/AddPartitions",
        "Admin/DeleteTopic",
        "Admin/ListGroups",
        "Admin/DescribeGroup",
        "Admin/ResetOffsets",
        "Admin/DeleteGroup",
        "Health/Check",
        "Health/Watch",
    ];
    let short = path
        .strip_prefix("/mq.v1.")
        .or_else(|| path.strip_prefix("/grpc.health.v1."))
        .unwrap_or("");
    KNOWN
        .iter()
        .find(|k| **k == short)
        .copied()
        .unwrap_or("unknown")
}

fn code_name(code: i32) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "UNKNOWN",
    }
}

/// An accepted connection that counts itself open until dropped.
pub struct CountedStream {
    inner: TcpStream,
    instruments: Arc<Instruments>,
}

impl CountedStream {
    pub fn new(inner: TcpStream, instruments: Arc<Instruments>) -> Self {
        instruments.connections.inc();
        instruments.connections_accepted.inc();
        CountedStream { inner, instruments }
    }
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        self.instruments.connections.dec();
    }
}

impl Connected for CountedStream {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_names_are_bounded() {
        assert_eq!(api_name("/mq.v1.Broker/Produce"), "Broker/Produce");
        assert_eq!(api_name("/mq.v1.Admin/CreateTopic"), "Admin/CreateTopic");
        assert_eq!(api_name("/mq.v1.Broker/Whatever"), "unknown");
        assert_eq!(api_name("/evil/../path"), "unknown");
        assert_eq!(code_name(5), "NOT_FOUND");
    }
}
