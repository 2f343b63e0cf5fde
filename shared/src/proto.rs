//! Generated gRPC types and services of package `mq.v1`.
#![allow(clippy::all, missing_docs)]

tonic::include_proto!("mq.v1");

/// Encoded file descriptor set, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("mq_descriptor");

/// Groups (topic, partition) pairs by topic, in order, as the group calls
/// carry them.
pub fn group_by_topic(pairs: impl IntoIterator<Item = (String, u32)>) -> Vec<TopicPartitions> {
    let mut by_topic: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for (topic, partition) in pairs {
        by_topic.entry(topic).or_default().push(partition);
    }
    by_topic
        .into_iter()
        .map(|(topic, partitions)| TopicPartitions { topic, partitions })
        .collect()
}

/// The (topic, partition) pairs of a list of [`TopicPartitions`].
pub fn pairs(list: Vec<TopicPartitions>) -> impl Iterator<Item = (String, u32)> {
    list.into_iter().flat_map(|tp| {
        let topic = tp.topic;
        tp.partitions.into_iter().map(move |p| (topic.clone(), p))
    })
}
