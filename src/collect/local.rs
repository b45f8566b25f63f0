//! The local host collector: CPU, memory, swap, load and filesystems through
//! sysinfo, processes and network rates through procfs (see `procs`). It runs on
//! its own thread because both read /proc synchronously.

use super::cpu_times::{CpuBreakdown, CpuTimes};
use super::model::{Filesystem, HostInfo, LoadAverage, MemoryUsage, NetworkRate, ResourceSample};
use super::procs::{NetworkCounters, ProcessPass, ProcessTable};
use chrono::Utc;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use sysinfo::{CpuRefreshKind, DiskRefreshKind, Disks, MemoryRefreshKind, System, Users};

/// Filesystems that are not storage an operator can run out of.
const PSEUDO_FS: &[&str] = &[
    "proc",
    "sysfs",
    "devtmpfs",
    "devpts",
    "tmpfs",
    "ramfs",
    "cgroup",
    "cgroup2",
    "mqueue",
    "debugfs",
    "tracefs",
    "securityfs",
    "pstore",
    "bpf",
    "configfs",
    "fusectl",
    "hugetlbfs",
    "autofs",
    "binfmt_misc",
    "nsfs",
    "efivarfs",
    "rpc_pipefs",
    "selinuxfs",
    "squashfs",
    "fuse.lxcfs",
    "nfsd",
    "devfs",
    "overlayfs-meta",
    "iso9660",
    "fuse.snapfuse",
    "fuse.portal",
    "fuse.gvfsd-fuse",
];

pub struct LocalCollector {
    system: System,
    disks: Disks,
    users: Users,
    /// uid → name, so a user lookup is not repeated every sample.
    user_names: HashMap<u32, String>,
    processes: ProcessTable,
    networks: NetworkCounters,
    top_n: usize,
    /// The last /proc/stat reading, for the CPU breakdown.
    cpu_times: Option<CpuTimes>,
}

impl LocalCollector {
    /// Takes the first readings; CPU usage and rates need a second one, so call
    /// `sample` no sooner than `sysinfo::MINIMUM_CPU_UPDATE_INTERVAL` later.
    pub fn new(top_n: usize) -> anyhow::Result<Self> {
        let mut system =
            System::new().map_err(|e| anyhow::anyhow!("cannot read the local host: {e}"))?;
        system.refresh_cpu_list(CpuRefreshKind::nothing().with_usage());
        system.refresh_cpu_usage();
        let disks =
            Disks::new_with_refreshed_list_specifics(DiskRefreshKind::nothing().with_storage())
                .map_err(|e| anyhow::anyhow!("cannot list filesystems: {e}"))?;
        let users = Users::new_with_refreshed_list()
            .map_err(|e| anyhow::anyhow!("cannot list users: {e}"))?;
        let mut collector = Self {
            system,
            disks,
            users,
            user_names: HashMap::new(),
            processes: ProcessTable::new(),
            networks: NetworkCounters::default(),
            top_n,
            cpu_times: CpuTimes::read(),
        };
        collector.processes_and_networks(None);
        Ok(collector)
    }

    fn processes_and_networks(&mut self, keep: Option<u32>) -> (ProcessPass, Vec<NetworkRate>) {
        let (users, names) = (&self.users, &mut self.user_names);
        let mut user_name = |uid: u32| {
            names
                .entry(uid)
                .or_insert_with(|| {
                    users
                        .iter()
                        .find(|u| **u.id() == uid)
                        .map_or_else(|| uid.to_string(), |u| u.name().to_string())
                })
                .clone()
        };
        let pass = self.processes.pass(self.top_n, keep, &mut user_name);
        (pass, self.networks.pass())
    }

    /// One sample; `keep` is a process to list even when it is not among the busiest.
    pub fn sample(&mut self, keep: Option<u32>) -> ResourceSample {
        self.system.refresh_cpu_usage();
        let times = CpuTimes::read();
        let cpu_breakdown = match (times, self.cpu_times) {
            (Some(now), Some(before)) => now.since(&before),
            _ => CpuBreakdown::default(),
        };
        self.cpu_times = times;
        self.system
            .refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram().with_swap());
        // Mounts come and go (USB, NFS): refresh the list, not only the figures.
        self.disks
            .refresh_specifics(true, DiskRefreshKind::nothing().with_storage());
        let (processes, networks) = self.processes_and_networks(keep);

        let load = System::load_average().unwrap_or(sysinfo::LoadAvg {
            one: 0.0,
            five: 0.0,
            fifteen: 0.0,
        });
        ResourceSample {
            taken_at: Utc::now(),
            uptime_secs: System::uptime().unwrap_or(0),
            cpu_total: self.system.global_cpu_usage(),
            cpu_per_core: self.system.cpus().iter().map(|c| c.usage()).collect(),
            cpu_breakdown,
            load: LoadAverage {
                one: load.one,
                five: load.five,
                fifteen: load.fifteen,
            },
            memory: MemoryUsage {
                total_bytes: self.system.total_memory(),
                // "used" as free(1) and htop count it: total minus what can be reclaimed.
                used_bytes: self
                    .system
                    .total_memory()
                    .saturating_sub(self.system.available_memory()),
            },
            swap: MemoryUsage {
                total_bytes: self.system.total_swap(),
                used_bytes: self.system.used_swap(),
            },
            filesystems: self.filesystems(),
            networks,
            process_count: processes.count,
            top_processes: processes.top,
            kept_pid: keep,
        }
    }

    fn filesystems(&self) -> Vec<Filesystem> {
        let mut seen = HashSet::new();
        let mut out: Vec<Filesystem> = self
            .disks
            .iter()
            .filter(|d| {
                let fs = d.file_system().to_string_lossy();
                d.total_space() > 0 && !PSEUDO_FS.contains(&fs.as_ref())
            })
            .map(|d| {
                let mut fs = Filesystem {
                    mount_point: d.mount_point().to_string_lossy().into_owned(),
                    device: d.name().to_string_lossy().into_owned(),
                    fs_type: d.file_system().to_string_lossy().into_owned(),
                    total_bytes: d.total_space(),
                    available_bytes: d.available_space(),
                    // Without statvfs, nothing is known to be reserved.
                    free_bytes: d.available_space(),
                };
                df_figures(d.mount_point(), &mut fs);
                fs
            })
            .collect();
        // Bind mounts (containers bind /etc/hosts and friends) repeat one filesystem;
        // keep the shortest mount point of each.
        out.sort_by(|a, b| {
            a.mount_point
                .len()
                .cmp(&b.mount_point.len())
                .then(a.mount_point.cmp(&b.mount_point))
        });
        out.retain(|f| seen.insert((f.device.clone(), f.total_bytes)));
        out.sort_by(|a, b| a.mount_point.cmp(&b.mount_point));
        out
    }
}

/// Name, OS and core count of this host; cheap, so the first frame can show them.
pub fn host_info() -> HostInfo {
    let cores = System::new()
        .map(|mut s| {
            s.refresh_cpu_list(CpuRefreshKind::nothing());
            s.cpus().len()
        })
        .unwrap_or(0);
    HostInfo {
        hostname: System::host_name().unwrap_or_else(|_| "localhost".into()),
        os: System::long_os_version().unwrap_or_default(),
        kernel: System::kernel_version().unwrap_or_default(),
        cores,
    }
}

/// One sample after the minimum interval CPU usage needs; used by `opsdeck snapshot`
/// and for the dashboard's first figures.
pub fn first_sample(collector: &mut LocalCollector) -> ResourceSample {
    std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL.max(Duration::from_millis(200)));
    collector.sample(None)
}

/// Size, free and available as `df` reads them (statvfs), so the figures match
/// the tool users trust: sysinfo has no free count, only available, and a
/// filesystem with blocks reserved for root then looks far fuller than it is.
fn df_figures(mount: &std::path::Path, fs: &mut Filesystem) {
    let Ok(st) = nix::sys::statvfs::statvfs(mount) else {
        return;
    };
    let unit = st.fragment_size();
    fs.total_bytes = st.blocks().saturating_mul(unit);
    fs.free_bytes = st.blocks_free().saturating_mul(unit);
    fs.available_bytes = st.blocks_available().saturating_mul(unit);
}
