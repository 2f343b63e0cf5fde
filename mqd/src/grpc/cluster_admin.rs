//! ClusterStatus, ListBrokers and the cluster part of Stats, from the
//! controller's state.

use mq::proto::{
    BrokerHealth, BrokerStatus, ClusterStats, ClusterStatusResponse, DescribePartitionsRequest,
    DescribePartitionsResponse, ListBrokersResponse, PartitionReplicas, Voter,
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
