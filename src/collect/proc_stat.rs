//! `/proc/PID/stat` of every process (not kernel threads), one `open` each.
//!
//! procfs's `all_processes` opens each process's directory and then its `stat`
//! through it, and std sizes each read with `statx` and `lseek`: eight system
//! calls a process. This opens the file by path and reads it into one reused
//! buffer: four (open, read, the read that sees the end, close). Parsing stays
//! procfs's. Kernel threads (most of /proc on a quiet host) are read once and
//! then skipped while /proc lists them. A pid whose kernel thread ended drops
//! from the list at the next pass; for a new process to be skipped, the kernel
//! would have to go round every pid between two passes. The list is forgotten
//! every half minute anyway.

use procfs::FromRead;
use procfs::process::Stat;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;

/// `PF_KTHREAD` in /proc/PID/stat flags: a kernel thread, not a process an
/// operator can act on (htop hides them too).
const PF_KTHREAD: u32 = 0x0020_0000;
/// Passes after which kernel threads are read again.
const FORGET_KERNEL_THREADS_EVERY: u32 = 30;

#[derive(Default)]
pub struct StatReader {
    path: String,
    buf: Vec<u8>,
    kernel_threads: HashSet<u32>,
    /// Kernel threads listed in this pass: the next pass's `kernel_threads`.
    still_listed: HashSet<u32>,
    passes: u32,
}

impl StatReader {
    /// Calls `each` with the stat of every process listed in /proc; one that
    /// ends between the listing and the read is left out.
    pub fn for_each(&mut self, mut each: impl FnMut(Stat)) {
        self.passes = self.passes.wrapping_add(1);
        if self.passes.is_multiple_of(FORGET_KERNEL_THREADS_EVERY) {
            self.kernel_threads.clear();
        }
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return;
        };
        for entry in dir.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if self.kernel_threads.contains(&pid) {
                self.still_listed.insert(pid);
                continue;
            }
            match self.read(pid) {
                Some(stat) if stat.flags & PF_KTHREAD != 0 => {
                    self.still_listed.insert(pid);
                }
                Some(stat) => each(stat),
                None => {}
            }
        }
        std::mem::swap(&mut self.kernel_threads, &mut self.still_listed);
        self.still_listed.clear();
    }

    fn read(&mut self, pid: u32) -> Option<Stat> {
        self.path.clear();
        let _ = write!(self.path, "/proc/{pid}/stat");
        let mut file = File::open(&self.path).ok()?;
        // A stat line is 150–400 bytes; a long `comm` cannot take it past 1 KiB.
        self.buf.resize(1024, 0);
        let mut len = 0;
        loop {
            if len == self.buf.len() {
                self.buf.resize(len * 2, 0);
            }
            match file.read(&mut self.buf[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        Stat::from_read(&self.buf[..len]).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_as_procfs_does() {
        let mut reader = StatReader::default();
        let me = std::process::id() as i32;
        let mut mine = None;
        reader.for_each(|s| {
            if s.pid == me {
                mine = Some(s);
            }
        });
        let mine = mine.expect("this test's own process is listed");
        let procfs = procfs::process::Process::myself().unwrap().stat().unwrap();
        assert_eq!(mine.comm, procfs.comm);
        assert_eq!(mine.starttime, procfs.starttime);
        assert_eq!(mine.ppid, procfs.ppid);
    }

    #[test]
    fn kernel_threads_are_left_out_and_remembered() {
        let kernel: Vec<i32> = procfs::process::all_processes()
            .unwrap()
            .flatten()
            .filter_map(|p| p.stat().ok())
            .filter(|s| s.flags & PF_KTHREAD != 0)
            .map(|s| s.pid)
            .collect();
        let mut reader = StatReader::default();
        let mut listed = Vec::new();
        reader.for_each(|s| listed.push(s.pid));
        assert!(listed.contains(&(std::process::id() as i32)));
        for pid in &kernel {
            assert!(!listed.contains(pid), "kernel thread {pid} listed");
        }
        // Those still there are skipped without a read on the next pass.
        let remembered = kernel
            .iter()
            .filter(|p| reader.kernel_threads.contains(&(**p as u32)))
            .count();
        assert!(
            remembered + 2 >= kernel.len(),
            "{remembered} of {}",
            kernel.len()
        );
    }

    #[test]
    fn a_kernel_thread_gone_from_proc_is_forgotten() {
        // Above pid_max (at most 2^22): never listed in /proc.
        let gone = 1 << 23;
        let mut reader = StatReader::default();
        reader.kernel_threads.insert(gone);
        reader.for_each(|_| {});
        assert!(!reader.kernel_threads.contains(&gone));
        assert!(!reader.kernel_threads.is_empty() || !has_kernel_threads());
    }

    fn has_kernel_threads() -> bool {
        procfs::process::all_processes()
            .unwrap()
            .flatten()
            .filter_map(|p| p.stat().ok())
            .any(|s| s.flags & PF_KTHREAD != 0)
    }
}
