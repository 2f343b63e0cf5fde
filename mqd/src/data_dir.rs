//! Owning the data directory: create it, prove it writable, lock it against
//! a second mqd, and track whether the last shutdown was clean.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

const LOCK_FILE: &str = "mqd.lock";
const CLEAN_MARKER: &str = ".clean-shutdown";

#[derive(Debug, Error)]
pub enum DataDirError {
    #[error("cannot use data directory {path}: {source}; check it exists (or can be created) and that the user running mqd may write to it, or pass another --data-dir")]
    NotUsable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("data directory {path} is in use by another mqd ({holder}); stop that process or pass another --data-dir")]
    Locked { path: PathBuf, holder: String },
}

/// The locked data directory; the lock is released when this is dropped
/// (or the process dies, since it is an OS file lock).
pub struct DataDir {
    path: PathBuf,
    _lock: File,
    clean_shutdown: bool,
}

impl DataDir {
    pub fn open(path: &Path) -> Result<Self, DataDirError> {
        let not_usable = |source| DataDirError::NotUsable {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(path).map_err(not_usable)?;
        let lock_path = path.join(LOCK_FILE);
        let mut lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(not_usable)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = lock.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => "unknown process".to_string(),
                    pid => format!("pid {pid}"),
                };
                return Err(DataDirError::Locked {
                    path: path.to_path_buf(),
                    holder,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(not_usable(e)),
        }
        lock.set_len(0).map_err(not_usable)?;
        lock.seek(SeekFrom::Start(0)).map_err(not_usable)?;
        writeln!(lock, "{}", std::process::id()).map_err(not_usable)?;
        // Writable check beyond the lock file: the marker is removed now so
        // that a crash from here on counts as unclean.
        let marker = path.join(CLEAN_MARKER);
        let clean_shutdown = marker.exists();
        if clean_shutdown {
            std::fs::remove_file(&marker).map_err(not_usable)?;
        }
        Ok(DataDir {
            path: path.to_path_buf(),
            _lock: lock,
            clean_shutdown,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the previous mqd shut down cleanly (so recovery may trust
    /// indexes and check only segment tails).
    pub fn was_clean(&self) -> bool {
        self.clean_shutdown
    }

    /// Records a clean shutdown; call after everything is fsynced.
    pub fn mark_clean(&self) -> std::io::Result<()> {
        let marker = self.path.join(CLEAN_MARKER);
        File::create(&marker)?.sync_all()?;
        File::open(&self.path)?.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDir::open(dir.path()).unwrap();
        assert!(!first.was_clean());
        let err = DataDir::open(dir.path()).err().unwrap().to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        first.mark_clean().unwrap();
        drop(first);
        let again = DataDir::open(dir.path()).unwrap();
        assert!(again.was_clean());
        drop(again);
        assert!(!DataDir::open(dir.path()).unwrap().was_clean());
    }

    #[test]
    fn an_unwritable_path_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        let err = DataDir::open(&file.join("data")).err().unwrap().to_string();
        assert!(err.contains("cannot use data directory"), "{err}");
    }
}
