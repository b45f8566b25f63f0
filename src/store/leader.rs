//! Leadership: of all opsdeck processes sharing a state database, exactly one runs
//! the work that must not run twice (scheduler, notifications, automatic
//! recovery, autoscaler). It is whoever holds an advisory lock on `opsdeck.lock`
//! beside the database; the kernel releases the lock when that process exits or
//! is killed, and the next one to try takes it over. The leader writes its pid
//! into the file, so the others can say who leads.
//!
//! A read-only opsdeck never leads: it never takes the lock, only reads who
//! holds it, so a writable opsdeck on the host can.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// This process's part, as of the last `poll`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Leader,
    /// Another process leads: its pid, when it is known (an older opsdeck
    /// writes none; a read-only one sees none when nobody leads).
    Follower {
        leader: Option<u32>,
    },
}

pub struct Leadership {
    path: PathBuf,
    /// False for a read-only opsdeck: it only looks.
    may_lead: bool,
    /// Held while this process leads; dropping it releases the lock.
    held: Option<File>,
    role: Role,
}

impl Leadership {
    pub fn new(lock_path: &Path, may_lead: bool) -> Leadership {
        Leadership {
            path: lock_path.to_path_buf(),
            may_lead,
            held: None,
            role: Role::Follower { leader: None },
        }
    }

    pub fn is_leader(&self) -> bool {
        self.held.is_some()
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// Tries to become leader if not already (if it may), else reads who
    /// leads. Call it periodically: that is how a follower takes over.
    pub fn poll(&mut self) -> std::io::Result<Role> {
        self.role = self.check()?;
        Ok(self.role)
    }

    fn check(&mut self) -> std::io::Result<Role> {
        if self.held.is_some() {
            return Ok(Role::Leader);
        }
        if !self.may_lead {
            // Without trying the lock, a pid in the file may be a leader
            // killed with -9: it counts only while that process lives.
            let leader = self.written_pid().filter(|&pid| alive(pid));
            return Ok(Role::Follower { leader });
        }
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.path)?;
        match file.try_lock() {
            Ok(()) => {
                // Only to say who leads: a full disk must not stop it leading.
                let pid = std::process::id();
                let _ = file.set_len(0).and_then(|()| writeln!(file, "{pid}"));
                self.held = Some(file);
                Ok(Role::Leader)
            }
            Err(TryLockError::WouldBlock) => Ok(Role::Follower {
                leader: self.written_pid(),
            }),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    /// The pid the last leader wrote, if the file holds one.
    fn written_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        text.trim().parse().ok()
    }
}

impl Drop for Leadership {
    fn drop(&mut self) {
        // The pid goes before the lock does: nobody reads a leader that has left.
        if let Some(file) = &self.held {
            let _ = file.set_len(0);
        }
    }
}

/// Whether process `pid` exists (signal 0 checks without sending anything).
fn alive(pid: u32) -> bool {
    use nix::errno::Errno;
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) | Err(Errno::EPERM) => true,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock_in(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("opsdeck-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let lock = dir.join("opsdeck.lock");
        let _ = std::fs::remove_file(&lock);
        lock
    }

    #[test]
    fn one_leader_at_a_time_and_handover_on_drop() {
        let lock = lock_in("leader");
        let mut a = Leadership::new(&lock, true);
        let mut b = Leadership::new(&lock, true);
        assert_eq!(a.poll().unwrap(), Role::Leader);
        let me = Some(std::process::id());
        assert_eq!(b.poll().unwrap(), Role::Follower { leader: me });
        drop(a);
        assert_eq!(b.poll().unwrap(), Role::Leader, "takes over once gone");
        assert!(b.is_leader());
    }

    #[test]
    fn a_read_only_one_never_takes_the_lock_and_sees_who_holds_it() {
        let lock = lock_in("leader-ro");
        let mut reader = Leadership::new(&lock, false);
        assert_eq!(reader.poll().unwrap(), Role::Follower { leader: None });
        assert!(!lock.exists(), "it creates nothing either");
        let mut writer = Leadership::new(&lock, true);
        assert_eq!(writer.poll().unwrap(), Role::Leader);
        let me = Some(std::process::id());
        assert_eq!(reader.poll().unwrap(), Role::Follower { leader: me });
        drop(writer);
        assert_eq!(reader.poll().unwrap(), Role::Follower { leader: None });
        // A pid left by a leader killed with -9 is no leader.
        std::fs::write(&lock, format!("{}\n", i32::MAX)).unwrap();
        assert_eq!(reader.poll().unwrap(), Role::Follower { leader: None });
    }
}
