//! Start-up and shutdown: open the data directory, recover every partition,
//! start background tasks, bind the listener, serve until the shutdown
//! token is cancelled, then drain, fsync and mark the shutdown clean.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::net::TcpListener;
use tokio_stream::StreamExt;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tonic::transport::server::TcpIncoming;

use crate::broker::{Broker, Identity, Limits};
use crate::cluster::controller::NodeInfo;
use crate::cluster::Controller;
use crate::config::ValidConfig;
use crate::data_dir::{DataDir, DataDirError};
use crate::error::BrokerError;
use crate::fsync::FsyncPolicy;
use crate::meta::{Meta, MetaError};
use crate::topics::{RegistrySettings, Topics};
use crate::{grpc, tasks};

/// Longest a fetch may long-poll, whatever the client asks.
const MAX_FETCH_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Error)]
pub enum BootError {
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    Meta(#[from] MetaError),
    #[error("recovering partitions failed: {0}")]
    Recovery(#[from] BrokerError),
    #[error("cannot listen on {addr}: {source}; pick a free address with --listen (port 0 picks any free port)")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error("gRPC server: {0}")]
    Serve(String),
    #[error("shutdown: {0}")]
    Shutdown(String),
}

/// Runs the broker until `shutdown` is cancelled and the drain finishes.
/// `reloads` carries configs read again on SIGHUP (see `reload`).
pub async fn run(
    config: ValidConfig,
    shutdown: CancellationToken,
    reloads: tokio::sync::mpsc::Receiver<ValidConfig>,
) -> Result<(), BootError> {
    let started = Instant::now();
    let data_dir = DataDir::open(&config.data_dir)?;
    let meta = Meta::open(&data_dir.path().join("meta"))?;
    let cluster_id = meta.node_field("cluster_id", new_cluster_id)?;
    tracing::info!(data_dir = %data_dir.path().display(), clean = data_dir.was_clean(), "recovering partitions");
    let settings = RegistrySettings {
        fsync: config.fsync,
        topic_defaults: config.topic_defaults.clone(),
        max_partitions_per_topic: config.max_partitions_per_topic,
        cluster_voters: config.peers.len().max(1),
        node_id: config.node_id,
    };
    let step = std::sync::atomic::AtomicUsize::new(0);
    let percent_shown = std::sync::atomic::AtomicUsize::new(usize::MAX);
    crate::systemd::status("recovering partitions");
    let progress = |done: usize, total: usize| {
        let quarter = (done * 4 / total.max(1)).min(4);
        if total >= 100 && step.fetch_max(quarter, std::sync::atomic::Ordering::Relaxed) < quarter {
            tracing::info!("recovering {done}/{total} partitions");
        }
        // systemctl status shows progress, at most once per percent.
        let percent = done * 100 / total.max(1);
        if percent_shown.swap(percent, std::sync::atomic::Ordering::Relaxed) != percent {
            crate::systemd::status(&format!("recovering {done}/{total} partitions"));
        }
    };
    let (topics, report) = Topics::open(
        data_dir.path(),
        meta.clone(),
        settings,
        data_dir.was_clean(),
        &progress,
    )?;
    tracing::info!(
        topics = report.topics,
        partitions = report.partitions,
        truncated_segments = report.truncations.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "recovery done"
    );

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| BootError::Bind {
            addr: config.listen,
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| BootError::Bind {
        addr: config.listen,
        source,
    })?;
    let peer_address = config
        .peers
        .iter()
        .find(|p| p.node_id == config.node_id)
        .map(|p| p.address.clone());
    let advertised = config
        .advertise
        .clone()
        .or(peer_address)
        .unwrap_or_else(|| bound.to_string());
    let voters: BTreeMap<u32, String> = if config.peers.is_empty() {
        BTreeMap::from([(config.node_id, advertised.clone())])
    } else {
        config
            .peers
            .iter()
            .map(|p| (p.node_id, p.address.clone()))
            .collect()
    };
    let cluster = Controller::start(
        NodeInfo {
            node_id: config.node_id,
            cluster_id: cluster_id.clone(),
            address: advertised.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        &voters,
        &data_dir.path().join("raft"),
        Arc::new(grpc::peers::GrpcPeers::default()),
        config.cluster,
    )
    .await?;
    cluster.register_alone().await?;
    let (alerting, webhooks) = crate::alerts::Alerting::open(meta.clone(), &config.alerts)?;
    let queues = if topics.clustered() {
        crate::queues::Queues::clustered(meta.clone(), cluster.clone(), config.node_id)
    } else {
        crate::queues::Queues::open(meta.clone())?
    };
    let broker = Arc::new(Broker {
        alerting,
        canary: Default::default(),
        topics,
        groups: crate::groups::Groups::new(meta.clone()),
        queues,
        instruments: Arc::default(),
        stats: Default::default(),
        data_dir: data_dir.path().to_path_buf(),
        meta,
        cluster: cluster.clone(),
        identity: Identity {
            node_id: config.node_id,
            advertised: advertised.clone(),
        },
        limits: Limits {
            max_fetch_bytes: config.max_fetch_bytes,
            max_fetch_wait: MAX_FETCH_WAIT,
        },
        shutdown: shutdown.clone(),
    });

    let metrics_listener = TcpListener::bind(config.metrics_listen)
        .await
        .map_err(|source| BootError::Bind {
            addr: config.metrics_listen,
            source,
        })?;
    let metrics_bound = metrics_listener
        .local_addr()
        .map_err(|source| BootError::Bind {
            addr: config.metrics_listen,
            source,
        })?;
    let registry = Arc::new(crate::metrics::registry(&broker));

    let tracker = TaskTracker::new();
    tracker.spawn(crate::metrics::http::serve(
        metrics_listener,
        registry,
        shutdown.clone(),
    ));
    tracker.spawn(tasks::retention(
        broker.clone(),
        config.retention_check_interval,
        shutdown.clone(),
    ));
    tracker.spawn(tasks::queue_sweeper(broker.clone(), shutdown.clone()));
    {
        let broker = broker.clone();
        let partitions_led = move || broker.partitions_led();
        tracker.spawn(cluster.clone().run(partitions_led, shutdown.clone()));
    }
    if voters.len() > 1 {
        tracker.spawn(crate::replication::reconcile::run(
            broker.clone(),
            shutdown.clone(),
        ));
    }
    tracker.spawn(tasks::stats_sampler(broker.clone(), shutdown.clone()));
    tracker.spawn(crate::alerts::run(broker.clone(), shutdown.clone()));
    for (webhook, events) in webhooks {
        tracker.spawn(crate::alerts::webhook::deliver(
            webhook,
            config.alerts.trust.clone(),
            events,
            shutdown.clone(),
        ));
    }
    {
        let (broker, running, shutdown) = (broker.clone(), config.clone(), shutdown.clone());
        tracker.spawn(async move {
            tokio::select! {
                _ = crate::reload::serve(broker, running, reloads) => {}
                _ = shutdown.cancelled() => {}
            }
        });
    }
    if let FsyncPolicy::Interval(every) = config.fsync {
        tracker.spawn(tasks::interval_fsync(
            broker.clone(),
            every,
            shutdown.clone(),
        ));
    }
    tracker.close();

    let (router, mut health) = grpc::router(broker.clone())
        .await
        .map_err(|e| BootError::Serve(e.to_string()))?;
    grpc::set_serving(&mut health, true).await;
    let signal = shutdown.clone();
    // Accepted sockets get TCP_NODELAY here: the builder's own setting only
    // applies to listeners tonic binds itself, and with Nagle on, small
    // responses wait for delayed ACKs (milliseconds per produce).
    let counted = broker.instruments.clone();
    let incoming = TcpIncoming::from_listener(listener, true, Some(Duration::from_secs(60)))
        .map_err(|e| BootError::Serve(e.to_string()))?
        .map(move |accepted| {
            accepted.map(|stream| grpc::metrics_layer::CountedStream::new(stream, counted.clone()))
        });
    let mut server = tokio::spawn(
        router.serve_with_incoming_shutdown(incoming, async move { signal.cancelled().await }),
    );
    tracing::info!(
        listen = %bound,
        advertise = %advertised,
        node_id = config.node_id,
        cluster_id = %broker.cluster_id(),
        fsync = %config.fsync,
        metrics_listen = %metrics_bound,
        "mqd ready"
    );
    crate::systemd::ready(&format!("serving on {bound}, metrics on {metrics_bound}"));
    if let Some(every) = config.canary_interval {
        tokio::spawn(crate::canary::run(
            broker.clone(),
            format!("http://{bound}"),
            every,
            shutdown.clone(),
        ));
    }
    if let Some(every) = crate::systemd::watchdog_interval() {
        tracing::info!(
            interval_ms = every.as_millis() as u64,
            "systemd watchdog on"
        );
        tokio::spawn(crate::systemd::watchdog(
            broker.clone(),
            every,
            shutdown.clone(),
        ));
    }

    let stopped_early = tokio::select! {
        result = &mut server => Some(result),
        _ = shutdown.cancelled() => None,
    };
    // A server that ended on its own is an error, unless shutdown was asked
    // for already (a signal during recovery ends the server at once).
    if let Some(result) = &stopped_early {
        if !shutdown.is_cancelled() {
            return Err(BootError::Serve(match result {
                Ok(Ok(())) => "server stopped unexpectedly".to_string(),
                Ok(Err(e)) => e.to_string(),
                Err(e) => e.to_string(),
            }));
        }
    }
    // In a cluster, store queue ledgers while this node still leads their
    // partitions (their next leaders continue from there), then hand
    // partition leadership to in-sync replicas while this node still
    // answers: clients then find the new leaders.
    if broker.topics.clustered() {
        if let Err(e) = broker.queues.store_all().await {
            tracing::warn!(error = %e, "storing queue ledgers before leaving failed");
        }
    }
    cluster.leave().await;
    tracing::info!("shutting down: no new connections, draining requests");
    crate::systemd::stopping();
    grpc::set_serving(&mut health, false).await;
    let drained = match stopped_early {
        Some(result) => Ok(result),
        None => tokio::time::timeout(config.shutdown_timeout, &mut server).await,
    };
    match drained {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => tracing::warn!(error = %e, "server ended with an error while draining"),
        Ok(Err(e)) => tracing::warn!(error = %e, "server task failed while draining"),
        Err(_) => {
            tracing::warn!(
                timeout_ms = config.shutdown_timeout.as_millis() as u64,
                "drain timed out; closing remaining connections"
            );
            server.abort();
        }
    }
    tracker.wait().await;
    cluster.shutdown().await;

    let stored = if broker.topics.clustered() {
        Ok(())
    } else {
        broker.queues.store_all().await
    };
    if let Err(e) = stored.and_then(|()| Ok(broker.meta.flush()?)) {
        tracing::error!(error = %e, "storing queue ledgers at shutdown failed");
    }
    let closing = broker.clone();
    tokio::task::spawn_blocking(move || closing.topics.close())
        .await
        .map_err(|e| BootError::Shutdown(e.to_string()))?
        .map_err(|e| BootError::Shutdown(format!("final fsync failed: {e}")))?;
    data_dir
        .mark_clean()
        .map_err(|e| BootError::Shutdown(format!("cannot record clean shutdown: {e}")))?;
    tracing::info!("mqd stopped cleanly");
    Ok(())
}

fn new_cluster_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}
