//! Topic and group administration.
//!
//! ```no_run
//! # async fn demo() -> mq::Result<()> {
//! let client = mq::Client::connect("http://127.0.0.1:7420").await?;
//! let admin = mq::Admin::new(&client);
//! admin.create_topic("orders", 8, &[("retention.ms", "86400000")]).await?;
//! for topic in admin.list_topics("").await? {
//!     println!("{} ({} partitions)", topic.name, topic.partitions);
//! }
//! # Ok(()) }
//! ```

use std::collections::HashMap;

use tonic::transport::Channel;

use crate::error::Result;
use crate::proto::admin_client::AdminClient;
pub use crate::proto::reset_offsets_request::To as ResetTo;
use crate::proto::{
    AddPartitionsRequest, AlterTopicConfigRequest, CreateTopicRequest, DeleteGroupRequest,
    DeleteTopicRequest, DescribeGroupRequest, DescribeTopicRequest, GroupDescription, GroupSummary,
    ListGroupsRequest, ListTopicsRequest, ResetOffsetsRequest, ResetOffsetsResponse,
    TopicDescription, TopicPartitions, TopicSummary,
};
use crate::Client;

/// The admin API.
#[derive(Clone)]
pub struct Admin {
    inner: AdminClient<Channel>,
}

impl Admin {
    pub async fn list_groups(&self) -> Result<Vec<GroupSummary>> {
        Ok(self
            .inner
            .clone()
            .list_groups(ListGroupsRequest {})
            .await?
            .into_inner()
            .groups)
    }

    /// Members, assignments, committed offsets and lag of a group.
    pub async fn describe_group(&self, group: &str) -> Result<GroupDescription> {
        let request = DescribeGroupRequest {
            group: group.to_string(),
        };
        Ok(self
            .inner
            .clone()
            .describe_group(request)
            .await?
            .into_inner())
    }

    /// Moves a group's committed offsets for `targets` (topic, partitions;
    /// no partitions meaning all). With `dry_run`, only says what would
    /// change. Refused while the group has live members.
    pub async fn reset_offsets(
        &self,
        group: &str,
        targets: &[(&str, &[u32])],
        to: ResetTo,
        dry_run: bool,
    ) -> Result<ResetOffsetsResponse> {
        let request = ResetOffsetsRequest {
            group: group.to_string(),
            targets: targets
                .iter()
                .map(|(topic, partitions)| TopicPartitions {
                    topic: topic.to_string(),
                    partitions: partitions.to_vec(),
                })
                .collect(),
            to: Some(to),
            dry_run,
        };
        Ok(self
            .inner
            .clone()
            .reset_offsets(request)
            .await?
            .into_inner())
    }

    /// Forgets a group and its offsets. Refused while it has live members.
    pub async fn delete_group(&self, group: &str) -> Result<()> {
        let request = DeleteGroupRequest {
            group: group.to_string(),
        };
        self.inner.clone().delete_group(request).await?;
        Ok(())
    }

    pub fn new(client: &Client) -> Self {
        Admin {
            inner: client.admin_raw(),
        }
    }

    /// Creates a topic with the broker's default replication factor.
    pub async fn create_topic(
        &self,
        name: &str,
        partitions: u32,
        configs: &[(&str, &str)],
    ) -> Result<TopicDescription> {
        self.create_replicated_topic(name, partitions, 0, configs)
            .await
    }

    /// As [`create_topic`](Self::create_topic), with `replication_factor`
    /// copies of each partition (0: the cluster's default, up to 3).
    pub async fn create_replicated_topic(
        &self,
        name: &str,
        partitions: u32,
        replication_factor: u32,
        configs: &[(&str, &str)],
    ) -> Result<TopicDescription> {
        let request = CreateTopicRequest {
            name: name.to_string(),
            partitions,
            replication_factor,
            configs: to_map(configs),
        };
        Ok(self.inner.clone().create_topic(request).await?.into_inner())
    }

    pub async fn list_topics(&self, filter: &str) -> Result<Vec<TopicSummary>> {
        let request = ListTopicsRequest {
            filter: filter.to_string(),
            include_internal: false,
        };
        Ok(self
            .inner
            .clone()
            .list_topics(request)
            .await?
            .into_inner()
            .topics)
    }

    pub async fn describe_topic(&self, name: &str) -> Result<TopicDescription> {
        let request = DescribeTopicRequest {
            name: name.to_string(),
        };
        Ok(self
            .inner
            .clone()
            .describe_topic(request)
            .await?
            .into_inner())
    }

    /// Sets the `set` configs and returns the `delete` ones to their defaults.
    pub async fn alter_topic_config(
        &self,
        name: &str,
        set: &[(&str, &str)],
        delete: &[&str],
    ) -> Result<TopicDescription> {
        let request = AlterTopicConfigRequest {
            name: name.to_string(),
            set: to_map(set),
            delete: delete.iter().map(|s| s.to_string()).collect(),
        };
        Ok(self
            .inner
            .clone()
            .alter_topic_config(request)
            .await?
            .into_inner())
    }

    /// Grows a topic to `total` partitions. Keyed records of existing keys may
    /// map to new partitions afterwards, as in Kafka.
    pub async fn add_partitions(&self, name: &str, total: u32) -> Result<TopicDescription> {
        let request = AddPartitionsRequest {
            name: name.to_string(),
            total,
        };
        Ok(self
            .inner
            .clone()
            .add_partitions(request)
            .await?
            .into_inner())
    }

    pub async fn delete_topic(&self, name: &str) -> Result<()> {
        let request = DeleteTopicRequest {
            name: name.to_string(),
        };
        self.inner.clone().delete_topic(request).await?;
        Ok(())
    }
}

fn to_map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
