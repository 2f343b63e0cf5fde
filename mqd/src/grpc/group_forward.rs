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

/// Where a call about a consumer group is answered.
pub(super) enum Route<T> {
    /// Here: a single node, a queue group, this node coordinates, or the
    /// call was forwarded already.
    Here(T),
    /// At the coordinator, through this client, as this forwarded call
    /// (boxed: a rare path, larger than the message).
    There(Box<(AdminClient<Channel>, Request<T>)>),
}

/// Decides where `request` (about the group `group` names) is answered.
pub(super) fn route<T>(
    broker: &Broker,
    peers: &PeerChannels,
    request: Request<T>,
    group: fn(&T) -> &str,
) -> Result<Route<T>> {
    let name = group(request.get_ref());
    if request.metadata().contains_key(FORWARDED_BY) || broker.queues.is_queue_group(name) {
        return Ok(Route::Here(request.into_inner()));
    }
    let Some((_, address)) = broker.coordinator_elsewhere(name)? else {
        return Ok(Route::Here(request.into_inner()));
    };
    let channel = peers
        .get(&address)
        .map_err(|reason| ClusterError::Unreachable {
            address: address.clone(),
            reason,
        })?;
    let mut forwarded = Request::new(request.into_inner());
    if let Ok(value) = broker.identity.node_id.to_string().parse() {
        forwarded.metadata_mut().insert(FORWARDED_BY, value);
    }
    Ok(Route::There(Box::new((
        AdminClient::new(channel),
        forwarded,
    ))))
}
