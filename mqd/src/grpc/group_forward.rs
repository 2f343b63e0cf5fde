//! Admin calls about a consumer group's members (describe, reset offsets,
//! delete) are answered by the group's coordinator, the one broker that
//! knows its members: another broker forwards them there, once (a
//! forwarded call is answered where it lands), so `mqctl group ...` works
//! against any broker of a cluster.

use mq::proto::admin_client::AdminClient;
use tonic::transport::Channel;
use tonic::Request;

use super::channels::PeerChannels;
use crate::broker::Broker;
use crate::cluster::ClusterError;
use crate::error::Result;

/// Set on a forwarded call, naming the node that forwarded it.
const FORWARDED_BY: &str = "mq-forwarded-by";

/// A client on the coordinator of `group` when the call must be answered
/// there; None to answer here (a single node, a queue group, this node
/// coordinates, or the call was forwarded already).
pub(super) fn coordinator<T>(
    broker: &Broker,
    peers: &PeerChannels,
    request: &Request<T>,
    group: &str,
) -> Result<Option<AdminClient<Channel>>> {
    if request.metadata().contains_key(FORWARDED_BY) || broker.queues.is_queue_group(group) {
        return Ok(None);
    }
    match broker.coordinator_elsewhere(group)? {
        None => Ok(None),
        Some((_, address)) => {
            let channel = peers
                .get(&address)
                .map_err(|reason| ClusterError::Unreachable {
                    address: address.clone(),
                    reason,
                })?;
            Ok(Some(AdminClient::new(channel)))
        }
    }
}

/// `message` as a call forwarded by `node`.
pub(super) fn forwarded<T>(message: T, node: u32) -> Request<T> {
    let mut request = Request::new(message);
    if let Ok(value) = node.to_string().parse() {
        request.metadata_mut().insert(FORWARDED_BY, value);
    }
    request
}
