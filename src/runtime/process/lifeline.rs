//! How a task's processes are tied to opsdeck's life: the direct child dies
//! with it (parent-death signal), and orphans of a run's group are reparented
//! to opsdeck (a subreaper) so their zombies can be reaped.

use std::io;

/// The child is SIGKILLed when opsdeck dies, however it dies (kill -9 too):
/// Linux's parent-death signal. Its own children live on in its process
/// group until a live leader stops them (`stop_abandoned_group`).
pub(super) fn die_with_parent(command: &mut tokio::process::Command) {
    let parent = nix::unistd::getpid();
    // SAFETY: between fork and exec only async-signal-safe calls are made:
    // prctl(2) and getppid(2); the errors are errno values (no allocation).
    unsafe {
        command.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                .map_err(|e| io::Error::from_raw_os_error(e as i32))?;
            // The parent died before the line above: nobody would stop this one.
            if nix::unistd::getppid() != parent {
                return Err(io::Error::from_raw_os_error(
                    nix::errno::Errno::ESRCH as i32,
                ));
            }
            Ok(())
        });
    }
}

/// Orphaned members of a run's group are reparented to the nearest subreaper
/// (else PID 1, which in a container may never reap them): making this process
/// one lets `reap_group` clear their zombies, which otherwise keep the group
/// alive to `killpg`.
pub(super) fn become_subreaper() {
    #[cfg(target_os = "linux")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
                tracing::warn!(
                    "cannot become a child subreaper ({e}): orphaned task processes may stay as zombies"
                );
            }
        });
    }
}
