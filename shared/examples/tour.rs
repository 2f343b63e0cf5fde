//! The README's five-minute tour, kept compiling by `cargo test`.

use mq::{
    Admin, Client, Consumer, ConsumerConfig, GroupConfig, GroupConsumer, Producer, ProducerConfig,
    Record, StartOffset,
};
use std::time::Duration;

#[tokio::main]
async fn main() -> mq::Result<()> {
    let client = Client::connect("http://127.0.0.1:7420").await?;

    // A topic with 4 partitions that keeps records for a day.
    Admin::new(&client)
        .create_topic("orders", 4, &[("retention.ms", "86400000")])
        .await?;

    // Records with the same key go to the same partition, in order.
    let producer = Producer::new(client.clone(), ProducerConfig::default());
    for i in 0..10 {
        let record = Record::new(format!("order {i}")).with_key(format!("customer-{}", i % 3));
        producer.send("orders", record).await?; // queued into a batch
    }
    producer.flush().await?; // every record acknowledged

    // Read every partition from the beginning.
    let mut consumer = Consumer::new(client.clone(), ConsumerConfig::default());
    consumer
        .assign_topic("orders", StartOffset::Earliest)
        .await?;
    for record in consumer.poll(Duration::from_secs(1)).await? {
        println!(
            "p{} @{}: {:?}",
            record.partition, record.offset, record.value
        );
    }

    // The README's group snippet: share the partitions among members.
    let mut member =
        GroupConsumer::join(client.clone(), GroupConfig::new("billing", ["orders"])).await?;
    for record in member.poll(Duration::from_secs(1)).await? {
        println!(
            "p{} @{}: {:?}",
            record.partition, record.offset, record.value
        );
    }
    member.close().await?; // commit and hand the partitions over at once
    Ok(())
}
