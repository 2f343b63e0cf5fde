//! ProduceStream: pipelined appends land in request order, and a failure
//! stops the rest of that partition's requests on the stream so that a
//! resend cannot be overtaken.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use mq::batch::{encode_batch, Compression, ProducerStamp};
use mq::proto::{ProduceRequest, ProduceStreamRequest, ProduceStreamResponse};
use mq::{Admin, Record};
use mq_tests::{read_partition, DataDir, Mqd};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

fn batch(values: &[String]) -> Bytes {
    let records: Vec<Record> = values.iter().map(|v| Record::new(v.clone())).collect();
    encode_batch(&records, Compression::None, ProducerStamp::NONE).unwrap()
}

fn request(id: u64, topic: &str, partition: u32, records: Bytes) -> ProduceStreamRequest {
    ProduceStreamRequest {
        id,
        request: Some(ProduceRequest {
            topic: topic.into(),
            partition,
            acks: 0,
            records,
            timeout_ms: 0,
        }),
    }
}

/// Sends every request before reading any answer, then reads them all.
async fn pipeline(
    client: &mq::Client,
    requests: Vec<ProduceStreamRequest>,
) -> Vec<ProduceStreamResponse> {
    let (tx, rx) = mpsc::channel(requests.len() + 1);
    let count = requests.len();
    for r in requests {
        tx.try_send(r).unwrap();
    }
    let mut answers = client
        .broker()
        .produce_stream(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let mut out = Vec::new();
    while out.len() < count {
        out.push(answers.message().await.unwrap().unwrap());
    }
    drop(tx);
    assert!(
        answers.message().await.unwrap().is_none(),
        "stream ends after the client closes it"
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_are_stored_and_answered_in_order() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("piped", 2, &[])
        .await
        .unwrap();

    // 200 batches of 5 records, alternating between two partitions.
    let requests = (0..200u64)
        .map(|i| {
            let values: Vec<String> = (0..5).map(|j| format!("{i}-{j}")).collect();
            request(i, "piped", (i % 2) as u32, batch(&values))
        })
        .collect();
    let answers = pipeline(&client, requests).await;
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(answer.id, i as u64, "answers come back in request order");
        let ok = answer.response.as_ref().expect("every request succeeds");
        assert_eq!(ok.base_offset, (i as i64 / 2) * 5, "request {i}");
        assert_eq!(ok.last_offset, ok.base_offset + 4);
    }
    for partition in 0..2u32 {
        let (_, records) = read_partition(&client, "piped", partition, 0).await;
        let values: Vec<String> = records
            .iter()
            .map(|r| String::from_utf8(r.value.as_ref().unwrap().to_vec()).unwrap())
            .collect();
        let expected: Vec<String> = (0..200u64)
            .filter(|i| i % 2 == partition as u64)
            .flat_map(|i| (0..5).map(move |j| format!("{i}-{j}")))
            .collect();
        assert_eq!(
            values, expected,
            "partition {partition} holds its batches in send order"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_batch_aborts_the_rest_of_its_partition_on_the_stream() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("strict", 2, &[])
        .await
        .unwrap();

    let good = |tag: &str| batch(&[tag.to_string()]);
    let mut corrupt = good("bad").to_vec();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 0xff; // the CRC no longer matches
    let requests = vec![
        request(0, "strict", 0, good("a")),
        request(1, "strict", 0, Bytes::from(corrupt)),
        request(2, "strict", 0, good("c")),
        request(3, "strict", 1, good("other")),
        request(4, "strict", 0, good("e")),
    ];
    let answers = pipeline(&client, requests).await;
    let ids: Vec<u64> = answers.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![0, 1, 2, 3, 4]);
    assert!(answers[0].response.is_some());
    let corrupt_err = answers[1].error.as_ref().unwrap();
    assert_eq!(corrupt_err.code, tonic::Code::InvalidArgument as i32);
    assert_eq!(corrupt_err.reason, mq::reason::CORRUPT_BATCH);
    for aborted in [&answers[2], &answers[4]] {
        let err = aborted.error.as_ref().unwrap();
        assert_eq!(err.code, tonic::Code::Aborted as i32);
        assert_eq!(err.reason, mq::reason::PRODUCE_ABORTED);
        assert!(err.message.contains("strict/0"), "{}", err.message);
    }
    assert!(answers[3].response.is_some(), "other partitions go on");

    let (_, records) = read_partition(&client, "strict", 0, 0).await;
    assert_eq!(
        records.len(),
        1,
        "only the batch before the failure is stored"
    );
    assert_eq!(records[0].value.as_deref(), Some(&b"a"[..]));

    // A new stream accepts the partition again.
    let answers = pipeline(&client, vec![request(9, "strict", 0, good("again"))]).await;
    assert_eq!(answers[0].response.as_ref().unwrap().base_offset, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_its_body_or_with_bad_acks_is_refused() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client).create_topic("t", 1, &[]).await.unwrap();
    let mut bad_acks = request(1, "t", 0, batch(&["x".to_string()]));
    bad_acks.request.as_mut().unwrap().acks = 7;
    let answers = pipeline(
        &client,
        vec![
            ProduceStreamRequest {
                id: 0,
                request: None,
            },
            bad_acks,
        ],
    )
    .await;
    for answer in &answers {
        let err = answer.error.as_ref().unwrap();
        assert_eq!(
            err.code,
            tonic::Code::InvalidArgument as i32,
            "{}",
            err.message
        );
    }
    assert!(answers[0]
        .error
        .as_ref()
        .unwrap()
        .message
        .contains("request"));
    assert!(answers[1]
        .error
        .as_ref()
        .unwrap()
        .message
        .contains("acks 7"));
    let (_, records) = read_partition(&client, "t", 0, 0).await;
    assert!(records.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_producer_reports_a_refused_batch_and_keeps_the_rest_in_order() {
    let dir = DataDir::new();
    let mqd = Mqd::start(&dir);
    let client = mqd.client().await;
    Admin::new(&client)
        .create_topic("capped", 1, &[("max.message.bytes", "2048")])
        .await
        .unwrap();
    let producer = mq::Producer::new(
        client.clone(),
        mq::ProducerConfig {
            batch_bytes: 1024,
            linger: std::time::Duration::from_secs(60),
            ..mq::ProducerConfig::default()
        },
    );
    let mut deliveries = Vec::new();
    for value in [
        "a".repeat(600),
        "b".repeat(600),
        "c".repeat(5000),
        "d".repeat(600),
    ] {
        deliveries.push(
            producer
                .send_to("capped", 0, Record::new(value))
                .await
                .unwrap(),
        );
    }
    assert!(
        producer.flush().await.is_err(),
        "flush reports the refused batch"
    );
    let mut results = Vec::new();
    for d in deliveries {
        results.push(d.await);
    }
    assert_eq!(results[0].as_ref().unwrap().offset, 0);
    assert_eq!(results[1].as_ref().unwrap().offset, 1);
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.reason(), Some(mq::reason::RECORD_TOO_LARGE), "{err}");
    assert_eq!(
        results[3].as_ref().unwrap().offset,
        2,
        "the batch after it is resent and stored next"
    );
    let (_, records) = read_partition(&client, "capped", 0, 0).await;
    let firsts: Vec<u8> = records
        .iter()
        .map(|r| r.value.as_ref().unwrap()[0])
        .collect();
    assert_eq!(firsts, b"abd");
}
