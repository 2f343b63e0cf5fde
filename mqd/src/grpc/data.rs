//! The `mq.v1.Broker` service: converts and delegates to [`Broker`].

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use mq::batch::batches;
use mq::proto::broker_server::Broker as BrokerApi;
use mq::proto::{
    list_offsets_request::Spec, AckRequest, Acks, BrokerInfo, CommitOffsetsRequest,
    CommitOffsetsResponse, CommittedOffset, FetchOffsetsRequest, FetchOffsetsResponse,
    FetchRequest, FetchResponse, GroupAssignment, HeartbeatRequest, InitProducerRequest,
    InitProducerResponse, JoinGroupRequest, LeaveGroupRequest, LeaveGroupResponse,
    ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse, NackRequest,
    OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, PartitionMetadata, ProduceRequest,
    ProduceResponse, ProduceStreamRequest, ProduceStreamResponse, ReceiveRequest, ReceiveResponse,
    SettleResponse, SubscribeRequest, TopicMetadata,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use super::status::{invalid_argument, to_status};
use super::{produce_stream, queue};
use crate::broker::{AckLevel, Broker, OffsetSpec};
use crate::error::BrokerError;
use crate::groups::{Beat, JoinRequest, MemberView};
use crate::topics::Topic;

pub struct DataService {
    broker: Arc<Broker>,
}

impl DataService {
    pub fn new(broker: Arc<Broker>) -> Self {
        DataService { broker }
    }
}

/// How long a subscription waits per poll before checking the client is
/// still there.
const SUBSCRIBE_POLL: Duration = Duration::from_secs(5);

#[tonic::async_trait]
impl BrokerApi for DataService {
    async fn produce(
        &self,
        request: Request<ProduceRequest>,
    ) -> Result<Response<ProduceResponse>, Status> {
        let r = request.into_inner();
        let acks = ack_level(r.acks).map_err(to_status)?;
        let info = self
            .broker
            .produce(&r.topic, r.partition, &r.records, acks)
            .await
            .map_err(to_status)?;
        Ok(Response::new(ProduceResponse {
            base_offset: info.base_offset,
            last_offset: info.last_offset,
            log_start_offset: info.log_start,
        }))
    }

    async fn init_producer(
        &self,
        _request: Request<InitProducerRequest>,
    ) -> Result<Response<InitProducerResponse>, Status> {
        let (producer_id, epoch) = self.broker.init_producer().map_err(to_status)?;
        Ok(Response::new(InitProducerResponse {
            producer_id,
            producer_epoch: epoch as i32,
        }))
    }

    type ProduceStreamStream = ReceiverStream<Result<ProduceStreamResponse, Status>>;

    async fn produce_stream(
        &self,
        request: Request<Streaming<ProduceStreamRequest>>,
    ) -> Result<Response<Self::ProduceStreamStream>, Status> {
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(produce_stream::serve(
            self.broker.clone(),
            request.into_inner(),
            tx,
        ));
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn fetch(
        &self,
        request: Request<FetchRequest>,
    ) -> Result<Response<FetchResponse>, Status> {
        let r = request.into_inner();
        if let Some(replica) = r.replica_id {
            let result = self
                .broker
                .replica_fetch(
                    &r.topic,
                    r.partition,
                    replica,
                    r.leader_epoch,
                    r.offset,
                    Duration::from_millis(r.max_wait_ms as u64),
                )
                .await
                .map_err(to_status)?;
            return Ok(Response::new(FetchResponse {
                records: result.records,
                high_watermark: result.high_watermark,
                log_start_offset: result.log_start,
                log_end_offset: result.log_end,
            }));
        }
        check_member(&self.broker, &r.group, &r.member_id, &r.topic, r.partition)
            .map_err(to_status)?;
        let result = self
            .broker
            .fetch(
                &r.topic,
                r.partition,
                r.offset,
                r.max_bytes,
                Duration::from_millis(r.max_wait_ms as u64),
            )
            .await
            .map_err(to_status)?;
        Ok(Response::new(FetchResponse {
            records: result.records,
            high_watermark: result.high_watermark,
            log_start_offset: result.log_start,
            log_end_offset: result.log_end,
        }))
    }

    async fn offset_for_leader_epoch(
        &self,
        request: Request<OffsetForLeaderEpochRequest>,
    ) -> Result<Response<OffsetForLeaderEpochResponse>, Status> {
        let r = request.into_inner();
        let found = self
            .broker
            .offset_for_leader_epoch(&r.topic, r.partition, r.epoch, r.leader_epoch)
            .map_err(to_status)?;
        let (epoch, end_offset) = found.unwrap_or((-1, -1));
        Ok(Response::new(OffsetForLeaderEpochResponse {
            epoch,
            end_offset,
        }))
    }

    type SubscribeStream = Pin<Box<dyn Stream<Item = Result<FetchResponse, Status>> + Send>>;

    async fn subscribe(
        &self,
        request: Request<SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let r = request.into_inner();
        // Check the partition and offset now, so a bad request fails the call
        // itself rather than the first stream message.
        check_member(&self.broker, &r.group, &r.member_id, &r.topic, r.partition)
            .map_err(to_status)?;
        self.broker
            .fetch(&r.topic, r.partition, r.offset, 1, Duration::ZERO)
            .await
            .map_err(to_status)?;
        // One chunk ready behind the one being sent: enough to keep the
        // stream busy, and a bound on what a slow subscriber pins in memory.
        let (tx, rx) = mpsc::channel(1);
        let broker = self.broker.clone();
        tokio::spawn(async move {
            let mut offset = r.offset;
            loop {
                // A member that lost the partition (or its membership) stops.
                if let Err(e) = check_member(&broker, &r.group, &r.member_id, &r.topic, r.partition)
                {
                    let _ = tx.send(Err(to_status(e))).await;
                    return;
                }
                let fetched = broker
                    .fetch(&r.topic, r.partition, offset, r.max_bytes, SUBSCRIBE_POLL)
                    .await;
                let result = match fetched {
                    Ok(result) => result,
                    Err(e) => {
                        let _ = tx.send(Err(to_status(e))).await;
                        return;
                    }
                };
                if let Some(Ok(last)) = batches(&result.records).last() {
                    offset = last.next_offset();
                }
                if result.records.is_empty() {
                    if tx.is_closed() || broker.shutdown.is_cancelled() {
                        return;
                    }
                    continue;
                }
                let message = FetchResponse {
                    records: result.records,
                    high_watermark: result.high_watermark,
                    log_start_offset: result.log_start,
                    log_end_offset: result.log_end,
                };
                if tx.send(Ok(message)).await.is_err() || broker.shutdown.is_cancelled() {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn join_group(
        &self,
        request: Request<JoinGroupRequest>,
    ) -> Result<Response<GroupAssignment>, Status> {
        let r = request.into_inner();
        self.broker.check_coordinator(&r.group).map_err(to_status)?;
        let view = self
            .broker
            .join_group(JoinRequest {
                group: &r.group,
                topics: &r.topics,
                session_timeout_ms: r.session_timeout_ms,
                heartbeat_interval_ms: r.heartbeat_interval_ms,
                assignor: &r.assignor,
                client_id: &r.client_id,
            })
            .map_err(to_status)?;
        Ok(Response::new(group_assignment(view)))
    }

    async fn heartbeat(
        &self,
        request: Request<HeartbeatRequest>,
    ) -> Result<Response<GroupAssignment>, Status> {
        let r = request.into_inner();
        self.broker.check_coordinator(&r.group).map_err(to_status)?;
        let owned = mq::proto::pairs(r.owned).collect();
        let beat = self.broker.groups.heartbeat(
            &self.broker.topics,
            Beat {
                group: &r.group,
                member: &r.member_id,
                owned,
                seq: r.seq,
                applied_assignment_seq: r.applied_assignment_seq,
                max_wait: Duration::from_millis(r.max_wait_ms as u64),
            },
        );
        // A waiting heartbeat must not hold up a graceful shutdown.
        let view = tokio::select! {
            view = beat => view,
            _ = self.broker.shutdown.cancelled() => Err(BrokerError::ShuttingDown),
        }
        .map_err(to_status)?;
        Ok(Response::new(group_assignment(view)))
    }

    async fn leave_group(
        &self,
        request: Request<LeaveGroupRequest>,
    ) -> Result<Response<LeaveGroupResponse>, Status> {
        let r = request.into_inner();
        self.broker.check_coordinator(&r.group).map_err(to_status)?;
        self.broker
            .groups
            .leave(&self.broker.topics, &r.group, &r.member_id)
            .map_err(to_status)?;
        Ok(Response::new(LeaveGroupResponse {}))
    }

    async fn commit_offsets(
        &self,
        request: Request<CommitOffsetsRequest>,
    ) -> Result<Response<CommitOffsetsResponse>, Status> {
        let r = request.into_inner();
        self.broker.check_coordinator(&r.group).map_err(to_status)?;
        let offsets = r
            .offsets
            .into_iter()
            .map(|o| (o.topic, o.partition, o.offset, o.metadata))
            .collect();
        self.broker
            .commit_offsets(&r.group, &r.member_id, offsets)
            .await
            .map_err(to_status)?;
        Ok(Response::new(CommitOffsetsResponse {}))
    }

    async fn fetch_offsets(
        &self,
        request: Request<FetchOffsetsRequest>,
    ) -> Result<Response<FetchOffsetsResponse>, Status> {
        let r = request.into_inner();
        let wanted: Vec<(String, u32)> = mq::proto::pairs(r.partitions).collect();
        let offsets = self
            .broker
            .groups
            .fetch_offsets(&r.group, &wanted)
            .map_err(to_status)?
            .into_iter()
            .map(|(topic, partition, c)| CommittedOffset {
                topic,
                partition,
                offset: c.as_ref().map_or(-1, |c| c.offset),
                metadata: c.as_ref().map(|c| c.metadata.clone()).unwrap_or_default(),
                commit_timestamp_ms: c.as_ref().map_or(-1, |c| c.commit_ms),
            })
            .collect();
        Ok(Response::new(FetchOffsetsResponse { offsets }))
    }

    async fn receive(
        &self,
        request: Request<ReceiveRequest>,
    ) -> Result<Response<ReceiveResponse>, Status> {
        queue::receive(&self.broker, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn ack(&self, request: Request<AckRequest>) -> Result<Response<SettleResponse>, Status> {
        queue::ack(&self.broker, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn nack(
        &self,
        request: Request<NackRequest>,
    ) -> Result<Response<SettleResponse>, Status> {
        queue::nack(&self.broker, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn list_offsets(
        &self,
        request: Request<ListOffsetsRequest>,
    ) -> Result<Response<ListOffsetsResponse>, Status> {
        let r = request.into_inner();
        let spec = match r.spec {
            Some(Spec::Earliest(_)) => OffsetSpec::Earliest,
            Some(Spec::Latest(_)) => OffsetSpec::Latest,
            Some(Spec::TimestampMs(ts)) => OffsetSpec::Timestamp(ts),
            None => {
                return Err(invalid_argument(
                    "ListOffsets needs one of earliest, latest or timestamp_ms",
                ))
            }
        };
        let (offset, timestamp_ms) = self
            .broker
            .list_offset(&r.topic, r.partition, spec)
            .map_err(to_status)?;
        Ok(Response::new(ListOffsetsResponse {
            offset,
            timestamp_ms,
        }))
    }

    async fn metadata(
        &self,
        request: Request<MetadataRequest>,
    ) -> Result<Response<MetadataResponse>, Status> {
        let r = request.into_inner();
        let topics: Vec<Arc<Topic>> = if r.topics.is_empty() {
            self.broker.topics.list()
        } else {
            r.topics
                .iter()
                .map(|name| self.broker.topics.get(name))
                .collect::<Result<_, _>>()
                .map_err(to_status)?
        };
        let node = self.broker.identity.node_id;
        let topics = topics
            .iter()
            .map(|t| TopicMetadata {
                name: t.record().name,
                partitions: self
                    .broker
                    .placements(t)
                    .into_iter()
                    .map(|(id, placed, _)| PartitionMetadata {
                        partition: id,
                        leader: placed.leader,
                        replicas: placed.replicas,
                        isr: placed.isr,
                        leader_epoch: placed.leader_epoch,
                    })
                    .collect(),
            })
            .collect();
        // Live brokers as the controller knows them (always this one: it
        // is answering).
        let brokers = self
            .broker
            .brokers()
            .into_iter()
            .filter(|b| b.alive || b.node_id == node)
            .map(|b| BrokerInfo {
                node_id: b.node_id,
                address: if b.node_id == node {
                    self.broker.identity.advertised.clone()
                } else {
                    b.address
                },
            })
            .collect();
        Ok(Response::new(MetadataResponse {
            cluster_id: self.broker.cluster_id(),
            controller_id: self.broker.cluster.status().leader.unwrap_or(0),
            brokers,
            topics,
        }))
    }
}

/// The acks field of a produce request, checked.
pub(super) fn ack_level(acks: i32) -> Result<AckLevel, BrokerError> {
    match Acks::try_from(acks) {
        Ok(Acks::None) => Ok(AckLevel::None),
        Ok(Acks::Leader) => Ok(AckLevel::Leader),
        Ok(Acks::All) => Ok(AckLevel::All),
        Err(_) => Err(BrokerError::InvalidRequest(format!(
            "acks {acks} is not one of ACKS_LEADER (0), ACKS_NONE (1), ACKS_ALL (2)"
        ))),
    }
}

/// Refuses a group read of a partition the member does not own.
fn check_member(
    broker: &Broker,
    group: &str,
    member: &str,
    topic: &str,
    partition: u32,
) -> Result<(), BrokerError> {
    if group.is_empty() && member.is_empty() {
        return Ok(());
    }
    // In a cluster a group is coordinated by the node its members connect
    // to, while reads go to each partition's leader: only the coordinator
    // can tell an owner from a fenced member.
    if broker.topics.clustered() && !broker.groups.has_live_members(group) {
        return Ok(());
    }
    broker.groups.check_owner(group, member, topic, partition)
}

fn group_assignment(view: MemberView) -> GroupAssignment {
    GroupAssignment {
        member_id: view.member_id,
        generation: view.generation,
        assignment: mq::proto::group_by_topic(view.assignment),
        heartbeat_interval_ms: view.heartbeat_interval_ms,
        assignment_seq: view.assignment_seq,
    }
}
