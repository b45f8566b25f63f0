//! The signals that would end opsdeck by default and can be caught. Each ends
//! it as `q` does (terminal given back, runs cancelled and recorded, the
//! session's end audited, the database closed), with exit code 128 + its number.
//!
//! Left out: SIGKILL and SIGSTOP (cannot be caught); SIGPIPE (ignored, as Rust
//! sets it: a closed pipe or socket is an error where it happens, never a
//! reason to stop); the faults SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
//! SIGTRAP and SIGSYS (raised by the process's own bug: nothing is safe to run
//! then); and the signals whose default is to stop or to be ignored.
//!
//! A signal already ignored when opsdeck starts stays ignored, as a shell's
//! `trap` leaves it: `nohup opsdeck task run backup &` must outlive the SSH
//! session (nohup ignores SIGHUP, a script's background job SIGINT and SIGQUIT).

use nix::sys::signal::Signal as Sig;
use std::task::Poll;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// The numbers of the signals handled here.
pub fn terminating() -> Vec<i32> {
    let mut numbers: Vec<i32> = [
        Sig::SIGHUP,
        Sig::SIGINT,
        Sig::SIGQUIT,
        Sig::SIGUSR1,
        Sig::SIGUSR2,
        Sig::SIGALRM,
        Sig::SIGTERM,
        Sig::SIGXCPU,
        Sig::SIGXFSZ,
        Sig::SIGVTALRM,
        Sig::SIGPROF,
        Sig::SIGIO,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Sig::SIGSTKFLT,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Sig::SIGPWR,
    ]
    .into_iter()
    .map(|s| s as i32)
    .collect();
    // The real-time signals end a process by default too.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    numbers.extend(nix::libc::SIGRTMIN()..=nix::libc::SIGRTMAX());
    numbers
}

/// Every terminating signal, caught from creation on (inside a tokio runtime).
pub struct Terminating {
    signals: Vec<(i32, Signal)>,
}

impl Terminating {
    pub fn new() -> std::io::Result<Terminating> {
        let signals = terminating()
            .into_iter()
            .filter(|&n| !ignored(n))
            .map(|n| Ok((n, signal(SignalKind::from_raw(n))?)))
            .collect::<std::io::Result<_>>()?;
        Ok(Terminating { signals })
    }

    /// The number of the next signal that arrives.
    pub async fn recv(&mut self) -> i32 {
        std::future::poll_fn(|cx| {
            for (number, signal) in &mut self.signals {
                // `None`: the runtime is shutting down; that is no signal.
                if let Poll::Ready(Some(())) = signal.poll_recv(cx) {
                    return Poll::Ready(*number);
                }
            }
            Poll::Pending
        })
        .await
    }
}

/// Whether signal `n` is ignored now (before opsdeck catches any).
fn ignored(n: i32) -> bool {
    use nix::libc;
    let mut current = std::mem::MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: with no new action, sigaction only writes the current one into
    // `current`, which is zeroed and so valid whatever it writes.
    unsafe {
        libc::sigaction(n, std::ptr::null(), current.as_mut_ptr()) == 0
            && current.assume_init().sa_sigaction == libc::SIG_IGN
    }
}
