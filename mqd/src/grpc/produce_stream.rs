//! The ProduceStream call: pipelined appends that keep their order.
//!
//! Unary produce calls are dispatched as independent tasks, so two calls in
//! flight at once may append in either order; a producer that wants order
//! must wait for each answer, and pays a round trip per batch. On a stream,
//! requests are written in arrival order by one task, and only the wait for
//! the acknowledgement (fsync, replicas) runs concurrently. Answers leave in
//! request order.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures::stream::FuturesOrdered;
use futures::StreamExt;
use mq::proto::{ProduceError, ProduceResponse, ProduceStreamRequest, ProduceStreamResponse};
use mq::reason;
use tokio::sync::mpsc;
use tonic::{Code, Status, Streaming};
use tonic_types::StatusExt;

use super::data::ack_level;
use super::status::to_status;
use crate::broker::Broker;

/// Requests written but not yet answered, per stream. Beyond this the task
/// stops reading, and HTTP/2 flow control pushes back on the producer.
const MAX_PENDING: usize = 64;

type Answer = Pin<Box<dyn Future<Output = ProduceStreamResponse> + Send>>;

/// Serves one stream until the client closes it or the broker shuts down;
/// answers go to `tx`.
pub async fn serve(
    broker: Arc<Broker>,
    inbound: Streaming<ProduceStreamRequest>,
    tx: mpsc::Sender<Result<ProduceStreamResponse, Status>>,
) {
    // Receiving and decoding the next request runs in its own task, beside
    // the write of the previous one: the write is the single-threaded part.
    let (requests_tx, mut requests) = mpsc::channel(READ_AHEAD);
    let reader = tokio::spawn(read_requests(inbound, requests_tx));
    let mut pending: FuturesOrdered<Answer> = FuturesOrdered::new();
    // Partitions with a failed request on this stream: their later requests
    // are refused, so a resend of the failed batch cannot land behind them.
    let mut aborted: HashSet<(String, u32)> = HashSet::new();
    let mut reading = true;
    loop {
        tokio::select! {
            biased;
            Some(answer) = pending.next(), if !pending.is_empty() => {
                if tx.send(Ok(answer)).await.is_err() {
                    break;
                }
            }
            _ = broker.shutdown.cancelled(), if reading => reading = false,
            request = requests.recv(), if reading && pending.len() < MAX_PENDING => {
                match request {
                    Some(request) => pending.push_back(handle(&broker, request, &mut aborted)),
                    None => reading = false,
                }
            }
            else => break,
        }
    }
    reader.abort();
}

/// Requests decoded ahead of the writer.
const READ_AHEAD: usize = 4;

async fn read_requests(
    mut inbound: Streaming<ProduceStreamRequest>,
    requests: mpsc::Sender<ProduceStreamRequest>,
) {
    loop {
        match inbound.message().await {
            Ok(Some(request)) => {
                if requests.send(request).await.is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(status) => {
                tracing::debug!(error = %status, "produce stream ended by the client");
                return;
            }
        }
    }
}

/// Writes one request now and returns the wait for its answer.
fn handle(
    broker: &Arc<Broker>,
    message: ProduceStreamRequest,
    aborted: &mut HashSet<(String, u32)>,
) -> Answer {
    let id = message.id;
    let Some(request) = message.request else {
        let status = super::status::invalid_argument(
            "a ProduceStream message needs its `request` field set",
        );
        return ready(id, Err(status));
    };
    let key = (request.topic, request.partition);
    if aborted.contains(&key) {
        let status = Status::with_error_details(
            Code::Aborted,
            format!(
                "an earlier batch for {}/{} failed on this stream; resend this batch after it, in order, on a new stream",
                key.0, key.1
            ),
            tonic_types::ErrorDetails::with_error_info(
                reason::PRODUCE_ABORTED,
                reason::DOMAIN,
                std::collections::HashMap::new(),
            ),
        );
        return ready(id, Err(status));
    }
    let acks = match ack_level(request.acks) {
        Ok(acks) => acks,
        Err(e) => {
            aborted.insert(key);
            return ready(id, Err(to_status(e)));
        }
    };
    match broker.write(&key.0, key.1, &request.records, acks) {
        Ok(written) => Box::pin(async move {
            let result = written.acknowledge(acks).await.map_err(to_status);
            answer(
                id,
                result.map(|info| ProduceResponse {
                    base_offset: info.base_offset,
                    last_offset: info.last_offset,
                    log_start_offset: info.log_start,
                }),
            )
        }),
        Err(e) => {
            aborted.insert(key);
            ready(id, Err(to_status(e)))
        }
    }
}

fn ready(id: u64, result: Result<ProduceResponse, Status>) -> Answer {
    Box::pin(std::future::ready(answer(id, result)))
}

fn answer(id: u64, result: Result<ProduceResponse, Status>) -> ProduceStreamResponse {
    match result {
        Ok(response) => ProduceStreamResponse {
            id,
            response: Some(response),
            error: None,
        },
        Err(status) => ProduceStreamResponse {
            id,
            response: None,
            error: Some(produce_error(&status)),
        },
    }
}

/// The error status of a unary call, as a stream message.
fn produce_error(status: &Status) -> ProduceError {
    let info = status.get_error_details().error_info().cloned();
    ProduceError {
        code: status.code() as i32,
        message: status.message().to_string(),
        reason: info.as_ref().map(|i| i.reason.clone()).unwrap_or_default(),
        metadata: info.map(|i| i.metadata).unwrap_or_default(),
    }
}
