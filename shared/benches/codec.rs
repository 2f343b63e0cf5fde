//! Record-batch codec: what a producer pays to encode and a consumer to
//! decode one batch, and what the broker pays to validate it.
//!
//! `cargo bench -p mq --bench codec`
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mq::batch::{decode_batches, encode_batch, BatchHeader, Compression, ProducerStamp};
use mq::Record;

fn records(count: usize, size: usize) -> Vec<Record> {
    (0..count)
        .map(|i| Record::new(vec![(i % 251) as u8; size]).with_key(format!("key-{i}")))
        .collect()
}

fn codec(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch");
    // 64 KiB batches of 1 KiB and of 100-byte records.
    for (count, size) in [(64usize, 1024usize), (600, 100)] {
        let input = records(count, size);
        group.throughput(Throughput::Elements(count as u64));
        for compression in [Compression::None, Compression::Lz4, Compression::Zstd] {
            let id = format!("{count}x{size}B/{compression}");
            group.bench_function(BenchmarkId::new("encode", &id), |b| {
                b.iter(|| encode_batch(&input, compression, ProducerStamp::NONE).unwrap())
            });
            let encoded = encode_batch(&input, compression, ProducerStamp::NONE).unwrap();
            let topic: Arc<str> = Arc::from("t");
            group.bench_function(BenchmarkId::new("decode", &id), |b| {
                b.iter(|| decode_batches(encoded.clone(), &topic, 0, 0).unwrap())
            });
        }
        let encoded = encode_batch(&input, Compression::None, ProducerStamp::NONE).unwrap();
        group.bench_function(
            BenchmarkId::new("validate", format!("{count}x{size}B")),
            |b| b.iter(|| BatchHeader::parse(&encoded).unwrap().validate().unwrap()),
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2));
    targets = codec
}
criterion_main!(benches);
