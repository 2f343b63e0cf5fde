//! ClusterStatus, ListBrokers and the cluster part of Stats, from the
//! controller's state.

use mq::proto::{
    BrokerHealth, BrokerStatus, ClusterStats, ClusterStatusResponse, DescribePartitionsRequest,
    DescribePartitionsResponse, ElectLeadersRequest, ElectLeadersResponse, ElectedLeader,
    ListBrokersResponse, PartitionReplicas, ReassignPartitionRequest, Voter,
};

use crate::broker::Broker;
use crate::error::BrokerError;

pub fn status(broker: &Broker) -> ClusterStatusResponse {
    let raft = broker.cluster.status();
    let brokers = broker.brokers();
    ClusterStatusResponse {
        cluster_id: broker.cluster_id(),
        node_id: raft.node_id,
        controller_id: raft.leader,
        role: raft.role.to_string(),
        raft_term: raft.term,
        commit_index: raft.committed,
        applied_index: raft.applied,
        snapshot_index: raft.snapshot,
        purged_index: raft.purged,
        voters: raft
            .voters
            .into_iter()
            .map(|(node_id, address)| Voter { node_id, address })
            .collect(),
        brokers_alive: brokers.iter().filter(|b| b.alive).count() as u32,
        brokers_total: brokers.len() as u32,
    }
}

pub fn brokers(broker: &Broker) -> ListBrokersResponse {
    ListBrokersResponse {
        brokers: broker
            .brokers()
            .into_iter()
            .map(|b| BrokerStatus {
                node_id: b.node_id,
                address: b.address,
                alive: b.alive,
                last_heartbeat_ms_ago: b.last_heartbeat.map(|d| d.as_millis() as i64),
                partitions_led: b.partitions_led,
                version: b.version,
                incarnation: b.incarnation,
                down_reason: b.down_reason.unwrap_or_default(),
                controller: b.is_controller,
            })
            .collect(),
    }
}

pub fn partitions(
    broker: &Broker,
    request: &DescribePartitionsRequest,
) -> Result<DescribePartitionsResponse, BrokerError> {
    let topics = if request.topic.is_empty() {
        broker.topics.list()
    } else {
        vec![broker.topics.get(&request.topic)?]
    };
    let mut partitions = Vec::new();
    for topic in &topics {
        for (id, placed, local) in broker.placements(topic) {
            let under = placed.under_replicated();
            if (request.under_replicated && !under) || (request.offline && !placed.offline) {
                continue;
            }
            // Offsets as this node's replica has them (-1 without one).
            let (log_end, hw) = local.map_or((-1, -1), |p| {
                let s = p.state();
                (s.log_end, s.high_watermark)
            });
            partitions.push(PartitionReplicas {
                topic: topic.record().name,
                partition: id,
                leader: placed.leader,
                replicas: placed.replicas,
                isr: placed.isr,
                leader_epoch: placed.leader_epoch,
                under_replicated: under,
                offline: placed.offline,
                log_end_offset: log_end,
                high_watermark: hw,
                reassigning_to: broker.reassigning_to(&topic.record().name, id),
            });
        }
    }
    Ok(DescribePartitionsResponse { partitions })
}

/// `now_ms` is the snapshot's timestamp; heartbeats become absolute times.
pub fn stats(broker: &Broker, now_ms: i64) -> ClusterStats {
    ClusterStats {
        cluster_id: broker.cluster_id(),
        controller_id: broker.cluster.status().leader.unwrap_or(0),
        brokers: broker
            .brokers()
            .into_iter()
            .map(|b| BrokerHealth {
                node_id: b.node_id,
                address: b.address,
                alive: b.alive,
                last_heartbeat_ms: b
                    .last_heartbeat
                    .map_or(0, |d| now_ms - d.as_millis() as i64),
                partitions_led: b.partitions_led,
                version: b.version,
                down_reason: b.down_reason.unwrap_or_default(),
            })
            .collect(),
    }
}

pub async fn elect_leaders(
    broker: &Broker,
    request: &ElectLeadersRequest,
) -> Result<ElectLeadersResponse, BrokerError> {
    if !broker.topics.clustered() {
        return Err(single_node("preferred-leader election"));
    }
    let topic = (!request.topic.is_empty()).then_some(request.topic.as_str());
    let elected =
        crate::cluster::topic_admin::elect_preferred(&broker.cluster, topic, request.partition)
            .await?;
    Ok(ElectLeadersResponse {
        partitions: elected
            .into_iter()
            .map(|e| ElectedLeader {
                topic: e.topic,
                partition: e.partition,
                leader: e.leader.unwrap_or(0),
                leader_epoch: e.leader_epoch.max(0) as u32,
                moved: e.refused.is_none(),
                reason: e.refused.unwrap_or_default(),
            })
            .collect(),
    })
}

pub async fn reassign(
    broker: &Broker,
    request: ReassignPartitionRequest,
) -> Result<PartitionReplicas, BrokerError> {
    if !broker.topics.clustered() {
        return Err(single_node("partition reassignment"));
    }
    crate::cluster::topic_admin::reassign(
        &broker.cluster,
        &request.topic,
        request.partition,
        request.replicas,
    )
    .await?;
    let described = partitions(
        broker,
        &DescribePartitionsRequest {
            topic: request.topic.clone(),
            ..Default::default()
        },
    )?;
    described
        .partitions
        .into_iter()
        .find(|p| p.partition == request.partition)
        .ok_or(BrokerError::PartitionNotFound {
            topic: request.topic,
            partition: request.partition,
            count: 0,
        })
}

fn single_node(what: &str) -> BrokerError {
    BrokerError::InvalidRequest(format!(
        "{what} needs a cluster; this node runs alone (start mqd with --peers)"
    ))
}
