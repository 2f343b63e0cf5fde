//! The storage engine without the network: appends of 64 KiB batches and
//! reads back from the page cache.
//!
//! `cargo bench -p mqd --bench log`
#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mq::batch::{encode_batch, Compression, ProducerStamp};
use mq::Record;
use mqd::log::{validate_batches, Log, LogConfig};

fn batch(count: usize, size: usize) -> bytes::Bytes {
    let records: Vec<Record> = (0..count).map(|_| Record::new(vec![b'x'; size])).collect();
    encode_batch(&records, Compression::None, ProducerStamp::NONE).unwrap()
}

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("log");
    for (count, size) in [(64usize, 1024usize), (600, 100)] {
        let bytes = batch(count, size);
        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig {
            segment_bytes: 256 << 20,
            ..LogConfig::default()
        };
        let (mut log, _) = Log::open(dir.path(), config, true, 0).unwrap();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("append/{count}x{size}B"), |b| {
            b.iter(|| {
                let valid = validate_batches(&bytes, 1 << 20).unwrap();
                log.append(&valid, 0, 0).unwrap()
            })
        });
        // Keep the file from growing without bound across benchmarks.
        drop(log);
    }

    let bytes = batch(64, 1024);
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = Log::open(dir.path(), LogConfig::default(), true, 0).unwrap();
    for _ in 0..2000 {
        let valid = validate_batches(&bytes, 1 << 20).unwrap();
        log.append(&valid, 0, 0).unwrap();
    }
    let end = log.log_end();
    group.throughput(Throughput::Bytes(1 << 20));
    let mut offset = 0;
    group.bench_function("read/1MiB-from-page-cache", |b| {
        b.iter(|| {
            let data = log
                .plan_read(offset, 1 << 20, end)
                .unwrap()
                .execute()
                .unwrap();
            offset = (offset + 1024) % (end - 2048);
            data
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = append
}
criterion_main!(benches);
