//! The `mq.v1.Admin` service: converts and delegates to the topic registry.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use mq::proto::admin_server::Admin as AdminApi;
use mq::proto::reset_offsets_request::To;
use mq::proto::{
    AckAlertRequest, AddPartitionsRequest, Alert as ProtoAlert, AlertRule, AlterTopicConfigRequest,
    ClusterStatusRequest, ClusterStatusResponse, CreateTopicRequest, DeleteGroupRequest,
    DeleteGroupResponse, DeleteTopicRequest, DeleteTopicResponse, DescribeGroupRequest,
    DescribePartitionsRequest, DescribePartitionsResponse, DescribeTopicRequest,
    ElectLeadersRequest, ElectLeadersResponse, GroupDescription, GroupMember,
    GroupState as ProtoGroupState, GroupSummary, ListAlertRulesRequest, ListAlertRulesResponse,
    ListAlertsRequest, ListAlertsResponse, ListBrokersRequest, ListBrokersResponse,
    ListGroupsRequest, ListGroupsResponse, ListTopicsRequest, ListTopicsResponse, OffsetChange,
    PartitionDescription, PartitionLag, PartitionReplicas, QueuePartition, QueueReceiver,
    ReassignPartitionRequest, ResetOffsetsRequest, ResetOffsetsResponse, SetLogLevelRequest,
    SetLogLevelResponse, StatsRequest, StatsSnapshot, TopicDescription, TopicSummary, WatchRequest,
};
use tonic::{Request, Response, Status};

use super::channels::PeerChannels;
use super::group_forward::{self, Route};
use super::status::{invalid_argument, to_status};
use crate::broker::Broker;
use crate::groups::admin::{GroupState, ResetTo};
use crate::queues::admin::QueueReport;
use crate::topic_config;
use crate::topics::Topic;

const KIND_CONSUMER: &str = "consumer";
const KIND_QUEUE: &str = "queue";

/// A queue group is stable while some receiver is live, empty otherwise.
fn queue_state(live_receivers: usize) -> ProtoGroupState {
    if live_receivers > 0 {
        ProtoGroupState::Stable
    } else {
        ProtoGroupState::Empty
    }
}

fn queue_description(report: QueueReport) -> GroupDescription {
    let total_lag = report.total_backlog();
    GroupDescription {
        group: report.name,
        state: queue_state(report.live_receivers) as i32,
        generation: 0,
        assignor: String::new(),
        members: Vec::new(),
        partitions: Vec::new(),
        total_lag,
        coordinator: 0,
        kind: KIND_QUEUE.to_string(),
        receivers: report
            .receivers
            .into_iter()
            .map(|r| QueueReceiver {
                receiver_id: r.receiver_id,
                in_flight: r.in_flight,
                last_seen_age_ms: r.last_seen_age_ms,
            })
            .collect(),
        queue_partitions: report
            .partitions
            .into_iter()
            .map(|p| {
                let l = p.ledger;
                QueuePartition {
                    topic: p.topic,
                    partition: p.partition,
                    log_start_offset: p.log_start,
                    high_watermark: p.high_watermark,
                    ack_floor: l.floor,
                    backlog: p.backlog,
                    in_flight: l.in_flight,
                    waiting_redelivery: l.waiting,
                    max_delivery_count: l.max_deliveries,
                    delivered: l.counters.delivered,
                    redelivered: l.counters.redelivered,
                    acked: l.counters.acked,
                    nacked: l.counters.nacked,
                    expired: l.counters.expired,
                    dead_lettered: l.counters.dead_lettered,
                    oldest_unacked_age_ms: p.oldest_unacked_age_ms,
                }
            })
            .collect(),
    }
}

pub struct AdminService {
    broker: Arc<Broker>,
    /// Channels to group coordinators, for forwarded group calls.
    peers: PeerChannels,
}

impl AdminService {
    pub fn new(broker: Arc<Broker>) -> Self {
        AdminService {
            broker,
            peers: PeerChannels::default(),
        }
    }

    fn describe(&self, topic: &Topic) -> TopicDescription {
        let record = topic.record();
        let defaults = &self.broker.topics.defaults();
        TopicDescription {
            name: record.name.clone(),
            replication_factor: record.replication_factor,
            configs: topic_config::effective(defaults, &record.configs)
                .into_iter()
                .collect(),
            partitions: self
                .broker
                .placements(topic)
                .into_iter()
                .map(|(id, placed, local)| {
                    // Offsets as this node's replica has them (zero without one).
                    let s = local.map(|p| p.state());
                    PartitionDescription {
                        partition: id,
                        log_start_offset: s.map_or(0, |s| s.log_start),
                        log_end_offset: s.map_or(0, |s| s.log_end),
                        high_watermark: s.map_or(0, |s| s.high_watermark),
                        size_bytes: s.map_or(0, |s| s.size_bytes),
                        segment_count: s.map_or(0, |s| s.segments),
                        leader: placed.leader,
                        replicas: placed.replicas,
                        isr: placed.isr,
                        leader_epoch: placed.leader_epoch,
                    }
                })
                .collect(),
        }
    }
}

#[tonic::async_trait]
impl AdminApi for AdminService {
    async fn list_groups(
        &self,
        _request: Request<ListGroupsRequest>,
    ) -> Result<Response<ListGroupsResponse>, Status> {
        let mut groups: Vec<GroupSummary> = self
            .broker
            .groups
            .list()
            .map_err(to_status)?
            .into_iter()
            .map(|g| GroupSummary {
                group: g.name,
                state: state_proto(g.state) as i32,
                members: g.members as u32,
                topics: g.topics,
                kind: KIND_CONSUMER.to_string(),
            })
            .collect();
        groups.extend(self.broker.queues.list().into_iter().map(|q| GroupSummary {
            group: q.name,
            state: queue_state(q.live_receivers) as i32,
            members: q.live_receivers as u32,
            topics: q.topics,
            kind: KIND_QUEUE.to_string(),
        }));
        groups.sort_by(|a, b| a.group.cmp(&b.group));
        Ok(Response::new(ListGroupsResponse { groups }))
    }

    async fn describe_group(
        &self,
        request: Request<DescribeGroupRequest>,
    ) -> Result<Response<GroupDescription>, Status> {
        let route = group_forward::route(&self.broker, &self.peers, request, |r| &r.group);
        let r = match route.map_err(to_status)? {
            Route::Here(r) => r,
            Route::There(there) => {
                let (mut coordinator, forwarded) = *there;
                return coordinator.describe_group(forwarded).await;
            }
        };
        if self.broker.queues.is_queue_group(&r.group) {
            let report = self
                .broker
                .queues
                .describe(&self.broker.topics, &r.group)
                .await
                .map_err(to_status)?;
            return Ok(Response::new(queue_description(report)));
        }
        let report = self
            .broker
            .groups
            .describe(&self.broker.topics, &r.group)
            .map_err(to_status)?;
        let total_lag = report.total_lag();
        Ok(Response::new(GroupDescription {
            group: report.name,
            state: state_proto(report.state) as i32,
            generation: report.generation,
            assignor: report.assignor.to_string(),
            members: report
                .members
                .into_iter()
                .map(|m| GroupMember {
                    member_id: m.member_id,
                    client_id: m.client_id,
                    assignment: mq::proto::group_by_topic(m.assignment),
                    topics: m.topics,
                    last_heartbeat_age_ms: m.last_heartbeat_age_ms,
                    session_timeout_ms: m.session_timeout_ms,
                })
                .collect(),
            partitions: report
                .partitions
                .into_iter()
                .map(|p| PartitionLag {
                    topic: p.topic,
                    partition: p.partition,
                    committed_offset: p.committed.as_ref().map_or(-1, |c| c.offset),
                    metadata: p.committed.map(|c| c.metadata).unwrap_or_default(),
                    log_start_offset: p.log_start,
                    high_watermark: p.high_watermark,
                    lag: p.lag,
                    member_id: p.owner.unwrap_or_default(),
                })
                .collect(),
            total_lag,
            kind: KIND_CONSUMER.to_string(),
            receivers: Vec::new(),
            queue_partitions: Vec::new(),
            coordinator: self.broker.identity.node_id,
        }))
    }

    async fn reset_offsets(
        &self,
        request: Request<ResetOffsetsRequest>,
    ) -> Result<Response<ResetOffsetsResponse>, Status> {
        let route = group_forward::route(&self.broker, &self.peers, request, |r| &r.group);
        let r = match route.map_err(to_status)? {
            Route::Here(r) => r,
            Route::There(there) => {
                let (mut coordinator, forwarded) = *there;
                return coordinator.reset_offsets(forwarded).await;
            }
        };
        if self.broker.queues.is_queue_group(&r.group) {
            return Err(invalid_argument(format!(
                "group {:?} is a queue group: its position is its acks, which ResetOffsets does not move; delete the group (with its receivers stopped) to start over from the log start",
                r.group
            )));
        }
        let to =
            match r.to {
                Some(To::Earliest(_)) => ResetTo::Earliest,
                Some(To::Latest(_)) => ResetTo::Latest,
                Some(To::Offset(o)) => ResetTo::Offset(o),
                Some(To::TimestampMs(ts)) => ResetTo::Timestamp(ts),
                Some(To::ShiftBy(n)) => ResetTo::ShiftBy(n),
                None => return Err(invalid_argument(
                    "ResetOffsets needs one of earliest, latest, offset, timestamp_ms or shift_by",
                )),
            };
        let targets: Vec<(String, Vec<u32>)> = r
            .targets
            .into_iter()
            .map(|t| (t.topic, t.partitions))
            .collect();
        let changes = self
            .broker
            .groups
            .reset_offsets(&self.broker.topics, &r.group, &targets, to, r.dry_run)
            .await
            .map_err(to_status)?;
        if !r.dry_run {
            // In a cluster the group's offsets, as reset, go to every node.
            let stored = self
                .broker
                .meta
                .offsets(&r.group)
                .map_err(|e| to_status(e.into()))?;
            self.broker
                .replicate_offsets(&r.group, stored)
                .await
                .map_err(to_status)?;
        }
        Ok(Response::new(ResetOffsetsResponse {
            changes: changes
                .into_iter()
                .map(|c| OffsetChange {
                    topic: c.topic,
                    partition: c.partition,
                    before: c.before.unwrap_or(-1),
                    after: c.after,
                })
                .collect(),
            applied: !r.dry_run,
        }))
    }

    async fn delete_group(
        &self,
        request: Request<DeleteGroupRequest>,
    ) -> Result<Response<DeleteGroupResponse>, Status> {
        let route = group_forward::route(&self.broker, &self.peers, request, |r| &r.group);
        let r = match route.map_err(to_status)? {
            Route::Here(r) => r,
            Route::There(there) => {
                let (mut coordinator, forwarded) = *there;
                return coordinator.delete_group(forwarded).await;
            }
        };
        if self.broker.queues.is_queue_group(&r.group) {
            self.broker
                .queues
                .delete(&r.group)
                .await
                .map_err(to_status)?;
            return Ok(Response::new(DeleteGroupResponse {}));
        }
        self.broker
            .delete_group(&r.group)
            .await
            .map_err(to_status)?;
        Ok(Response::new(DeleteGroupResponse {}))
    }

    async fn stats(
        &self,
        request: Request<StatsRequest>,
    ) -> Result<Response<StatsSnapshot>, Status> {
        let r = request.into_inner();
        Ok(Response::new(
            super::stats::snapshot(&self.broker, &r.groups).await,
        ))
    }

    type WatchStream = ReceiverStream<Result<StatsSnapshot, Status>>;

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let r = request.into_inner();
        let interval = match r.interval_ms {
            0 => Duration::from_secs(1),
            n => Duration::from_millis(n as u64),
        };
        if !(super::stats::MIN_WATCH_INTERVAL..=super::stats::MAX_WATCH_INTERVAL)
            .contains(&interval)
        {
            return Err(invalid_argument(format!(
                "interval_ms {} is outside 200..=60000",
                interval.as_millis()
            )));
        }
        let groups = r.request.map(|q| q.groups).unwrap_or_default();
        let (tx, rx) = mpsc::channel(1);
        let broker = self.broker.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = broker.shutdown.cancelled() => return,
                    _ = tx.closed() => return,
                }
                let snapshot = super::stats::snapshot(&broker, &groups).await;
                if tx.send(Ok(snapshot)).await.is_err() {
                    return;
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn set_log_level(
        &self,
        request: Request<SetLogLevelRequest>,
    ) -> Result<Response<SetLogLevelResponse>, Status> {
        let r = request.into_inner();
        match crate::logging::set_level(&r.level, r.dry_run) {
            Ok(previous) => Ok(Response::new(SetLogLevelResponse {
                current: if r.dry_run { previous.clone() } else { r.level },
                previous,
                applied: !r.dry_run,
            })),
            Err(e @ crate::logging::LevelError::Invalid { .. }) => {
                Err(invalid_argument(e.to_string()))
            }
            Err(e) => Err(Status::failed_precondition(e.to_string())),
        }
    }

    async fn cluster_status(
        &self,
        _request: Request<ClusterStatusRequest>,
    ) -> Result<Response<ClusterStatusResponse>, Status> {
        Ok(Response::new(super::cluster_admin::status(&self.broker)))
    }

    async fn list_brokers(
        &self,
        _request: Request<ListBrokersRequest>,
    ) -> Result<Response<ListBrokersResponse>, Status> {
        Ok(Response::new(super::cluster_admin::brokers(&self.broker)))
    }

    async fn describe_partitions(
        &self,
        request: Request<DescribePartitionsRequest>,
    ) -> Result<Response<DescribePartitionsResponse>, Status> {
        super::cluster_admin::partitions(&self.broker, &request.into_inner())
            .map(Response::new)
            .map_err(to_status)
    }

    async fn elect_leaders(
        &self,
        request: Request<ElectLeadersRequest>,
    ) -> Result<Response<ElectLeadersResponse>, Status> {
        super::cluster_admin::elect_leaders(&self.broker, &request.into_inner())
            .await
            .map(Response::new)
            .map_err(to_status)
    }

    async fn reassign_partition(
        &self,
        request: Request<ReassignPartitionRequest>,
    ) -> Result<Response<PartitionReplicas>, Status> {
        super::cluster_admin::reassign(&self.broker, request.into_inner())
            .await
            .map(Response::new)
            .map_err(to_status)
    }

    async fn list_alerts(
        &self,
        request: Request<ListAlertsRequest>,
    ) -> Result<Response<ListAlertsResponse>, Status> {
        let filter = super::alerts::state_filter(request.into_inner().state);
        let alerts = self
            .broker
            .alerting
            .list(filter)
            .into_iter()
            .map(super::alerts::alert)
            .collect();
        Ok(Response::new(ListAlertsResponse { alerts }))
    }

    async fn ack_alert(
        &self,
        request: Request<AckAlertRequest>,
    ) -> Result<Response<ProtoAlert>, Status> {
        let r = request.into_inner();
        let alert = self
            .broker
            .alerting
            .acknowledge(&r.id, &r.note)
            .await
            .map_err(to_status)?;
        Ok(Response::new(super::alerts::alert(alert)))
    }

    async fn list_alert_rules(
        &self,
        _request: Request<ListAlertRulesRequest>,
    ) -> Result<Response<ListAlertRulesResponse>, Status> {
        let rules = self
            .broker
            .alerting
            .rules()
            .iter()
            .map(super::alerts::rule_to_proto)
            .collect();
        Ok(Response::new(ListAlertRulesResponse { rules }))
    }

    async fn set_alert_rule(
        &self,
        request: Request<AlertRule>,
    ) -> Result<Response<AlertRule>, Status> {
        let rule =
            super::alerts::rule_from_proto(&request.into_inner()).map_err(invalid_argument)?;
        let rule = self
            .broker
            .alerting
            .set_rule(rule)
            .await
            .map_err(to_status)?;
        Ok(Response::new(super::alerts::rule_to_proto(&rule)))
    }

    async fn create_topic(
        &self,
        request: Request<CreateTopicRequest>,
    ) -> Result<Response<TopicDescription>, Status> {
        let r = request.into_inner();
        let topic = self
            .broker
            .create_topic(
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
        let r = request.into_inner();
        let topics = self
            .broker
            .topics
            .list()
            .iter()
            .map(|t| t.record())
            .filter(|t| t.name.contains(&r.filter))
            .filter(|t| r.include_internal || !t.name.starts_with("__"))
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
            .alter_topic_config(&r.name, r.set.into_iter().collect(), r.delete)
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
            .delete_topic(&request.into_inner().name)
            .await
            .map_err(to_status)?;
        Ok(Response::new(DeleteTopicResponse {}))
    }
}

pub(super) fn state_proto(state: GroupState) -> ProtoGroupState {
    match state {
        GroupState::Stable => ProtoGroupState::Stable,
        GroupState::Rebalancing => ProtoGroupState::Rebalancing,
        GroupState::Empty => ProtoGroupState::Empty,
        GroupState::Dead => ProtoGroupState::Dead,
    }
}
