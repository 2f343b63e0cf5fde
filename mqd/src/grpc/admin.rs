//! The `mq.v1.Admin` service: converts and delegates to the topic registry.

use std::sync::Arc;

use mq::proto::admin_server::Admin as AdminApi;
use mq::proto::{
    AddPartitionsRequest, AlterTopicConfigRequest, CreateTopicRequest, DeleteTopicRequest,
    DeleteTopicResponse, DescribeTopicRequest, ListTopicsRequest, ListTopicsResponse,
    PartitionDescription, TopicDescription, TopicSummary,
};
use tonic::{Request, Response, Status};

use super::status::to_status;
use crate::broker::Broker;
use crate::topic_config;
use crate::topics::Topic;

pub struct AdminService {
    broker: Arc<Broker>,
}

impl AdminService {
    pub fn new(broker: Arc<Broker>) -> Self {
        AdminService { broker }
    }

    fn describe(&self, topic: &Topic) -> TopicDescription {
        let record = topic.record();
        let node = self.broker.identity.node_id;
        let defaults = &self.broker.topic_defaults;
        TopicDescription {
            name: record.name.clone(),
            replication_factor: record.replication_factor,
            configs: topic_config::effective(defaults, &record.configs)
                .into_iter()
                .collect(),
            partitions: topic
                .partitions()
                .iter()
                .map(|p| {
                    let s = p.state();
                    PartitionDescription {
                        partition: p.id(),
                        log_start_offset: s.log_start,
                        log_end_offset: s.log_end,
                        high_watermark: s.high_watermark,
                        size_bytes: s.size_bytes,
                        segment_count: s.segments,
                        leader: node,
                        replicas: vec![node],
                        isr: vec![node],
                        leader_epoch: s.leader_epoch.max(0) as u32,
                    }
                })
                .collect(),
        }
    }
}

#[tonic::async_trait]
impl AdminApi for AdminService {
    async fn create_topic(
        &self,
        request: Request<CreateTopicRequest>,
    ) -> Result<Response<TopicDescription>, Status> {
        let r = request.into_inner();
        let topic = self
            .broker
            .topics
            .create(
                &r.name,
                r.partitions,
                r.replication_factor,
                r.configs.into_iter().collect(),
            )
            .await
            .map_err(to_status)?;
        Ok(Response::new(self.describe(&topic)))
    }

    async fn list_topics(
        &self,
        request: Request<ListTopicsRequest>,
    ) -> Result<Response<ListTopicsResponse>, Status> {
        let filter = request.into_inner().filter;
        let topics = self
            .broker
            .topics
            .list()
            .iter()
            .map(|t| t.record())
            .filter(|r| r.name.contains(&filter))
            .map(|r| TopicSummary {
                name: r.name,
                partitions: r.partitions,
                replication_factor: r.replication_factor,
            })
            .collect();
        Ok(Response::new(ListTopicsResponse { topics }))
    }

    async fn describe_topic(
        &self,
        request: Request<DescribeTopicRequest>,
    ) -> Result<Response<TopicDescription>, Status> {
        let topic = self
            .broker
            .topics
            .get(&request.into_inner().name)
            .map_err(to_status)?;
        Ok(Response::new(self.describe(&topic)))
    }

    async fn alter_topic_config(
        &self,
        request: Request<AlterTopicConfigRequest>,
    ) -> Result<Response<TopicDescription>, Status> {
        let r = request.into_inner();
        let topic = self
            .broker
            .topics
            .alter_config(&r.name, r.set.into_iter().collect(), r.delete)
            .await
            .map_err(to_status)?;
        Ok(Response::new(self.describe(&topic)))
    }

    async fn add_partitions(
        &self,
        request: Request<AddPartitionsRequest>,
    ) -> Result<Response<TopicDescription>, Status> {
        let r = request.into_inner();
        let topic = self
            .broker
            .topics
            .add_partitions(&r.name, r.total)
            .await
            .map_err(to_status)?;
        Ok(Response::new(self.describe(&topic)))
    }

    async fn delete_topic(
        &self,
        request: Request<DeleteTopicRequest>,
    ) -> Result<Response<DeleteTopicResponse>, Status> {
        self.broker
            .topics
            .delete(&request.into_inner().name)
            .await
            .map_err(to_status)?;
        Ok(Response::new(DeleteTopicResponse {}))
    }
}
