//! Leadership: of all opsdeck processes sharing a state database, exactly one runs
//! the work that must not run twice (scheduler, automatic recovery, autoscaler).
//! It is whoever holds an advisory lock on `opsdeck.lock` beside the database; the
//! kernel releases the lock when that process exits or is killed, and the next one
//! to try takes it over.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

pub struct Leadership {
    path: PathBuf,
    /// Held while this process leads; dropping it releases the lock.
    held: Option<File>,
}

impl Leadership {
    pub fn new(lock_path: &Path) -> Leadership {
        Leadership {
            path: lock_path.to_path_buf(),
            held: None,
        }
    }

    pub fn is_leader(&self) -> bool {
        self.held.is_some()
    }

    /// Tries to become leader if not already; returns whether this process leads.
    /// Call it periodically: that is how a follower takes over.
    pub fn poll(&mut self) -> std::io::Result<bool> {
        if self.held.is_some() {
            return Ok(true);
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.path)?;
        match file.try_lock() {
            Ok(()) => {
                self.held = Some(file);
                Ok(true)
            }
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_leader_at_a_time_and_handover_on_drop() {
        let dir = std::env::temp_dir().join(format!("opsdeck-leader-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let lock = dir.join("opsdeck.lock");
        let mut a = Leadership::new(&lock);
        let mut b = Leadership::new(&lock);
        assert!(a.poll().unwrap());
        assert!(!b.poll().unwrap(), "second handle must not lead");
        drop(a);
        assert!(b.poll().unwrap(), "takes over once the leader is gone");
        assert!(b.is_leader());
    }
}
