//! The topic registry: which topics exist, their configs and partitions.
//!
//! Metadata lives in `meta` (sled); partition logs under
//! `<data_dir>/topics/<topic>-<partition>/`. Admin changes are serialised
//! by one lock and written to the metadata store before they take effect
//! in memory, so a crash never leaves a topic half created in the store.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::error::{BrokerError, Result};
use crate::fsync::FsyncPolicy;
use crate::log::segment::Truncation;
use crate::log::Log;
use crate::meta::{Meta, TopicRecord};
use crate::partition::Partition;
use crate::replication::state::Role;
use crate::topic_config::{self, TopicConfig};

/// Largest name Kafka allows (its file names must fit with suffixes).
pub const MAX_TOPIC_NAME: usize = 249;

pub struct Topic {
    record: RwLock<TopicRecord>,
    config: RwLock<Arc<TopicConfig>>,
    partitions: RwLock<Vec<Arc<Partition>>>,
}

impl Topic {
    pub fn record(&self) -> TopicRecord {
        self.record.read().clone()
    }
    pub fn config(&self) -> Arc<TopicConfig> {
        self.config.read().clone()
    }
    pub fn partitions(&self) -> Vec<Arc<Partition>> {
        self.partitions.read().clone()
    }
    /// All the topic's partitions, local or not.
    pub fn partition_count(&self) -> u32 {
        self.record.read().partitions
    }

    /// A partition with a replica on this node (on a single node, any).
    pub fn local_partition(&self, id: u32) -> Option<Arc<Partition>> {
        let partitions = self.partitions.read();
        partitions
            .binary_search_by_key(&id, |p| p.id())
            .ok()
            .map(|i| partitions[i].clone())
    }
}

/// Settings the registry needs from the broker config.
#[derive(Debug, Clone)]
pub struct RegistrySettings {
    pub fsync: FsyncPolicy,
    pub topic_defaults: BTreeMap<String, String>,
    pub max_partitions_per_topic: u32,
    /// Voters in the controller's group. Above one, topics are the
    /// controller's and this registry mirrors them.
    pub cluster_voters: usize,
    /// This node's id: partitions know who they are among their replicas.
    pub node_id: u32,
}

pub struct Topics {
    dir: PathBuf,
    meta: Meta,
    settings: RegistrySettings,
    /// Broker-wide config defaults; SIGHUP can replace them.
    defaults: RwLock<BTreeMap<String, String>>,
    topics: RwLock<HashMap<String, Arc<Topic>>>,
    admin: tokio::sync::Mutex<()>,
}

/// What opening the registry found.
#[derive(Debug, Default)]
pub struct RecoveryReport {
    pub topics: usize,
    pub partitions: usize,
    pub truncations: Vec<Truncation>,
}

impl Topics {
    /// Opens every topic's partitions, checking logs as described in
    /// [`Log::open`]. `progress` is called with (done, total) partitions.
    pub fn open(
        data_dir: &Path,
        meta: Meta,
        settings: RegistrySettings,
        clean_shutdown: bool,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(Self, RecoveryReport)> {
        let dir = data_dir.join("topics");
        std::fs::create_dir_all(&dir)
            .map_err(crate::log::LogError::io("create topics dir", &dir))?;
        let records = meta.topics()?;
        let now = mq::record::now_ms();
        let mut jobs = Vec::new();
        for record in &records {
            for p in record.local_partitions() {
                jobs.push((record.name.clone(), p));
            }
        }
        let total = jobs.len();
        let mut configs = HashMap::new();
        for record in &records {
            let config = TopicConfig::parse(&topic_config::effective(
                &settings.topic_defaults,
                &record.configs,
            ))?;
            configs.insert(record.name.clone(), Arc::new(config));
        }
        let opened = open_partitions(
            &dir,
            &jobs,
            &configs,
            (settings.fsync, settings.node_id),
            clean_shutdown,
            now,
            progress,
        )?;
        let mut report = RecoveryReport {
            topics: records.len(),
            partitions: total,
            truncations: Vec::new(),
        };
        let mut by_topic: HashMap<String, Vec<Arc<Partition>>> = HashMap::new();
        for (partition, truncations) in opened {
            report.truncations.extend(truncations);
            if settings.cluster_voters > 1 {
                // Nothing is served until the controller says who leads.
                partition.assign(
                    Role::Offline,
                    partition.leader_epoch(),
                    Vec::new(),
                    Vec::new(),
                    std::time::Duration::ZERO,
                );
            }
            by_topic
                .entry(partition.topic().to_string())
                .or_default()
                .push(Arc::new(partition));
        }
        let mut topics = HashMap::new();
        for record in records {
            let mut partitions = by_topic.remove(&record.name).unwrap_or_default();
            partitions.sort_by_key(|p| p.id());
            let config = configs.remove(&record.name).unwrap_or_default();
            topics.insert(
                record.name.clone(),
                Arc::new(Topic {
                    record: RwLock::new(record),
                    config: RwLock::new(config),
                    partitions: RwLock::new(partitions),
                }),
            );
        }
        remove_orphans(&dir, &topics);
        Ok((
            Topics {
                dir,
                meta,
                defaults: RwLock::new(settings.topic_defaults.clone()),
                settings,
                topics: RwLock::new(topics),
                admin: tokio::sync::Mutex::new(()),
            },
            report,
        ))
    }

    pub fn get(&self, name: &str) -> Result<Arc<Topic>> {
        self.topics
            .read()
            .get(name)
            .cloned()
            .ok_or_else(|| self.not_found(name))
    }

    pub fn partition(&self, topic: &str, partition: u32) -> Result<(Arc<Topic>, Arc<Partition>)> {
        let t = self.get(topic)?;
        let Some(p) = t.local_partition(partition) else {
            let count = t.partition_count();
            return Err(if partition < count {
                BrokerError::NotLeader {
                    topic: topic.to_string(),
                    partition,
                    leader: None,
                }
            } else {
                BrokerError::PartitionNotFound {
                    topic: topic.to_string(),
                    partition,
                    count,
                }
            });
        };
        Ok((t, p))
    }

    /// Every topic, sorted by name.
    pub fn list(&self) -> Vec<Arc<Topic>> {
        let topics = self.topics.read();
        let mut names: Vec<&String> = topics.keys().collect();
        names.sort();
        names
            .into_iter()
            .filter_map(|n| topics.get(n).cloned())
            .collect()
    }

    pub async fn create(
        &self,
        name: &str,
        partitions: u32,
        replication_factor: u32,
        configs: BTreeMap<String, String>,
    ) -> Result<Arc<Topic>> {
        if self.clustered() {
            // The controller owns a cluster's topics (Broker::create_topic);
            // one made here would be local to this node and unreplicated.
            return Err(BrokerError::InvalidRequest(format!(
                "topic {name:?} can only be created through the cluster's controller"
            )));
        }
        validate_name(name)?;
        self.check_partition_count(partitions)?;
        let replication_factor = match replication_factor {
            0 | 1 => 1,
            requested => {
                return Err(BrokerError::InvalidReplicationFactor {
                    requested,
                    available: 1,
                })
            }
        };
        topic_config::check_keys(&configs)?;
        let config = Arc::new(TopicConfig::parse(&topic_config::effective(
            &self.defaults.read(),
            &configs,
        ))?);
        let _guard = self.admin.lock().await;
        if self.topics.read().contains_key(name) {
            return Err(BrokerError::TopicExists(name.to_string()));
        }
        let record = TopicRecord {
            name: name.to_string(),
            partitions,
            replication_factor,
            configs,
            created_ms: mq::record::now_ms(),
            local: None,
        };
        let now = mq::record::now_ms();
        let mut opened = Vec::with_capacity(partitions as usize);
        for p in 0..partitions {
            opened.push(Arc::new(self.new_partition(name, p, &config, now)?));
        }
        self.meta.put_topic(&record)?;
        let topic = Arc::new(Topic {
            record: RwLock::new(record),
            config: RwLock::new(config),
            partitions: RwLock::new(opened),
        });
        self.topics.write().insert(name.to_string(), topic.clone());
        tracing::info!(topic = name, partitions, "created topic");
        Ok(topic)
    }

    pub async fn alter_config(
        &self,
        name: &str,
        set: BTreeMap<String, String>,
        delete: Vec<String>,
    ) -> Result<Arc<Topic>> {
        let _guard = self.admin.lock().await;
        let topic = self.get(name)?;
        let mut record = topic.record();
        topic_config::check_keys(&set)?;
        let delete_map: BTreeMap<String, String> =
            delete.iter().map(|k| (k.clone(), String::new())).collect();
        topic_config::check_keys(&delete_map)?;
        for key in &delete {
            record.configs.remove(key);
        }
        record.configs.extend(set);
        let config = Arc::new(TopicConfig::parse(&topic_config::effective(
            &self.defaults.read(),
            &record.configs,
        ))?);
        self.meta.put_topic(&record)?;
        for p in topic.partitions() {
            p.set_config(&config);
        }
        *topic.config.write() = config;
        *topic.record.write() = record;
        tracing::info!(topic = name, "altered topic config");
        Ok(topic)
    }

    /// The broker-wide topic config defaults in force.
    pub fn defaults(&self) -> BTreeMap<String, String> {
        self.defaults.read().clone()
    }

    /// Replaces the broker-wide defaults (a config reload) and applies them
    /// to every topic that does not override them. All or nothing: when
    /// any topic's resulting config is invalid, nothing changes.
    pub async fn set_defaults(&self, defaults: BTreeMap<String, String>) -> Result<usize> {
        let _guard = self.admin.lock().await;
        let topics = self.list();
        let mut planned = Vec::with_capacity(topics.len());
        for topic in &topics {
            let record = topic.record();
            let config = Arc::new(TopicConfig::parse(&topic_config::effective(
                &defaults,
                &record.configs,
            ))?);
            planned.push((topic.clone(), config));
        }
        *self.defaults.write() = defaults;
        let mut changed = 0;
        for (topic, config) in planned {
            if *topic.config() == *config {
                continue;
            }
            for p in topic.partitions() {
                p.set_config(&config);
            }
            *topic.config.write() = config;
            changed += 1;
        }
        Ok(changed)
    }

    pub async fn add_partitions(&self, name: &str, total: u32) -> Result<Arc<Topic>> {
        let _guard = self.admin.lock().await;
        let topic = self.get(name)?;
        let current = topic.partition_count();
        if total <= current {
            return Err(BrokerError::InvalidPartitions {
                requested: total,
                why: format!("topic {name:?} already has {current} partitions; the new total must be larger (partitions cannot be removed)"),
            });
        }
        self.check_partition_count(total)?;
        let config = topic.config();
        let now = mq::record::now_ms();
        let mut added = Vec::new();
        for p in current..total {
            added.push(Arc::new(self.new_partition(name, p, &config, now)?));
        }
        let mut record = topic.record();
        record.partitions = total;
        self.meta.put_topic(&record)?;
        topic.partitions.write().extend(added);
        *topic.record.write() = record;
        tracing::info!(topic = name, from = current, to = total, "added partitions");
        Ok(topic)
    }

    pub async fn delete(&self, name: &str) -> Result<()> {
        let _guard = self.admin.lock().await;
        let topic = self.get(name)?;
        self.meta.delete_topic(name)?;
        self.topics.write().remove(name);
        for p in topic.partitions() {
            if let Err(e) = p.destroy() {
                tracing::warn!(topic = name, partition = p.id(), error = %e, "could not delete partition files; they are removed at next start");
            }
        }
        tracing::info!(topic = name, "deleted topic");
        Ok(())
    }

    /// Makes this node's copy of a topic match the controller's: its record
    /// and config, and logs for exactly the partitions in `local` (the
    /// ones placed on this node). Partitions moved away are deleted.
    pub async fn materialize(
        &self,
        mut record: TopicRecord,
        local: Vec<u32>,
    ) -> Result<Arc<Topic>> {
        let _guard = self.admin.lock().await;
        record.local = Some(local.clone());
        let existing = self.topics.read().get(&record.name).cloned();
        if let Some(topic) = &existing {
            if *topic.record.read() == record {
                return Ok(topic.clone());
            }
        }
        let config = Arc::new(TopicConfig::parse(&topic_config::effective(
            &self.defaults.read(),
            &record.configs,
        ))?);
        let now = mq::record::now_ms();
        let mut kept = Vec::new();
        let mut gone = Vec::new();
        for p in existing
            .as_ref()
            .map(|t| t.partitions())
            .unwrap_or_default()
        {
            if local.contains(&p.id()) {
                kept.push(p);
            } else {
                gone.push(p);
            }
        }
        for id in &local {
            if !kept.iter().any(|p| p.id() == *id) {
                kept.push(Arc::new(self.new_partition(
                    &record.name,
                    *id,
                    &config,
                    now,
                )?));
            }
        }
        kept.sort_by_key(|p| p.id());
        self.meta.put_topic(&record)?;
        for p in &kept {
            p.set_config(&config);
        }
        let name = record.name.clone();
        let topic = match existing {
            Some(topic) => {
                *topic.partitions.write() = kept;
                *topic.config.write() = config;
                *topic.record.write() = record;
                topic
            }
            None => {
                let topic = Arc::new(Topic {
                    record: RwLock::new(record),
                    config: RwLock::new(config),
                    partitions: RwLock::new(kept),
                });
                self.topics.write().insert(name.clone(), topic.clone());
                topic
            }
        };
        for p in gone {
            tracing::info!(topic = %name, partition = p.id(), "replica moved off this node; deleting it");
            if let Err(e) = p.destroy() {
                tracing::warn!(topic = %name, partition = p.id(), error = %e, "could not delete partition files; they are removed at next start");
            }
        }
        Ok(topic)
    }

    /// Fsyncs every partition (clean shutdown).
    pub fn close(&self) -> Result<()> {
        for topic in self.list() {
            for p in topic.partitions() {
                p.close()?;
            }
        }
        self.meta.flush()?;
        Ok(())
    }

    fn new_partition(
        &self,
        topic: &str,
        id: u32,
        config: &TopicConfig,
        now: i64,
    ) -> Result<Partition> {
        let dir = partition_dir(&self.dir, topic, id);
        // Leftovers of a deleted topic of the same name must not come back.
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(crate::log::LogError::io("clear partition dir", &dir))?;
        }
        let (log, _) = Log::open(&dir, config.log_config(), true, now)?;
        let partition = Partition::new(
            Arc::from(topic),
            id,
            log,
            self.settings.fsync,
            self.settings.node_id,
        );
        if self.clustered() {
            partition.assign(
                Role::Offline,
                0,
                Vec::new(),
                Vec::new(),
                std::time::Duration::ZERO,
            );
        }
        Ok(partition)
    }

    /// Whether this node is one of several voters: topics are then the
    /// controller's, and this registry only mirrors them.
    pub fn clustered(&self) -> bool {
        self.settings.cluster_voters > 1
    }

    /// Checks a new topic's name, partition count and configs as `create`
    /// does, before a cluster proposes it.
    pub fn check_new(
        &self,
        name: &str,
        partitions: u32,
        configs: &BTreeMap<String, String>,
    ) -> Result<()> {
        validate_name(name)?;
        self.check_partition_count(partitions)?;
        self.check_configs(configs)
    }

    /// Checks a topic's own config keys against the broker defaults.
    pub fn check_configs(&self, configs: &BTreeMap<String, String>) -> Result<()> {
        topic_config::check_keys(configs)?;
        TopicConfig::parse(&topic_config::effective(&self.defaults.read(), configs))?;
        Ok(())
    }

    pub fn check_partition_count(&self, partitions: u32) -> Result<()> {
        let max = self.settings.max_partitions_per_topic;
        if partitions == 0 || partitions > max {
            return Err(BrokerError::InvalidPartitions {
                requested: partitions,
                why: format!("a topic has from 1 to {max} partitions (broker setting max_partitions_per_topic)"),
            });
        }
        Ok(())
    }

    fn not_found(&self, name: &str) -> BrokerError {
        let topics = self.topics.read();
        let suggestion = topics
            .keys()
            .map(|k| (edit_distance(k, name), k))
            .filter(|(d, _)| *d <= 2)
            .min()
            .map(|(_, k)| k.clone());
        BrokerError::TopicNotFound {
            name: name.to_string(),
            suggestion,
        }
    }
}

pub fn partition_dir(topics_dir: &Path, topic: &str, partition: u32) -> PathBuf {
    topics_dir.join(format!("{topic}-{partition}"))
}

/// Kafka's rules: 1 to 249 of [a-zA-Z0-9._-], and not "." or "..".
pub fn validate_name(name: &str) -> Result<()> {
    let why = if name.is_empty() {
        Some("a topic name cannot be empty")
    } else if name.len() > MAX_TOPIC_NAME {
        Some("a topic name has at most 249 characters")
    } else if name == "." || name == ".." {
        Some("\".\" and \"..\" are not allowed as topic names")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        Some("use only ASCII letters, digits, '.', '_' and '-'")
    } else {
        None
    };
    match why {
        Some(why) => Err(BrokerError::InvalidTopicName {
            name: name.to_string(),
            why,
        }),
        None => Ok(()),
    }
}

type Opened = (Partition, Vec<Truncation>);

/// Opens partitions on a few threads: recovery is disk- and CRC-bound.
fn open_partitions(
    dir: &Path,
    jobs: &[(String, u32)],
    configs: &HashMap<String, Arc<TopicConfig>>,
    (fsync, node_id): (FsyncPolicy, u32),
    clean_shutdown: bool,
    now: i64,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<Opened>> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = jobs.len();
    let chunk = total.div_ceil(threads).max(1);
    let results: Vec<Result<Vec<Opened>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|slice| {
                let done = &done;
                scope.spawn(move || {
                    let mut out = Vec::with_capacity(slice.len());
                    for (topic, p) in slice {
                        let config = configs.get(topic).cloned().unwrap_or_default();
                        let (log, truncations) = Log::open(
                            &partition_dir(dir, topic, *p),
                            config.log_config(),
                            clean_shutdown,
                            now,
                        )?;
                        for t in &truncations {
                            tracing::warn!(
                                segment = %t.segment.display(), kept_bytes = t.kept_bytes,
                                dropped_bytes = t.dropped_bytes, reason = %t.reason,
                                "truncated a damaged or torn segment tail"
                            );
                        }
                        out.push((
                            Partition::new(Arc::from(topic.as_str()), *p, log, fsync, node_id),
                            truncations,
                        ));
                        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                        progress(n, total);
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(BrokerError::InvalidRequest(
                        "partition recovery thread panicked".into(),
                    ))
                })
            })
            .collect()
    });
    let mut all = Vec::with_capacity(total);
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}

/// Deletes partition directories no topic owns (a delete interrupted by a
/// crash, or partitions of a topic whose metadata is gone).
fn remove_orphans(dir: &Path, topics: &HashMap<String, Arc<Topic>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let owned = name.rsplit_once('-').is_some_and(|(topic, p)| {
            p.parse::<u32>().is_ok_and(|p| {
                topics
                    .get(topic)
                    .is_some_and(|t| t.local_partition(p).is_some())
            })
        });
        if !owned {
            tracing::warn!(dir = %entry.path().display(), "removing partition directory that belongs to no topic");
            if let Err(e) = std::fs::remove_dir_all(entry.path()) {
                tracing::warn!(dir = %entry.path().display(), error = %e, "could not remove orphan directory");
            }
        }
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_follow_kafka_rules() {
        for good in ["a", "orders.v1", "A_b-c", &"x".repeat(249)] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in ["", ".", "..", "a/b", "ä", "a b", &"x".repeat(250)] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn suggestions_use_edit_distance() {
        assert_eq!(edit_distance("orders", "ordres"), 2);
        assert_eq!(edit_distance("orders", "order"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
