//! The local host collector (sysinfo). It runs on its own thread because sysinfo
//! reads /proc synchronously, and sends one `ResourceSample` per refresh.

use super::model::{
    Filesystem, HostInfo, LoadAverage, MemoryUsage, NetworkRate, ProcessRow, ResourceSample,
};
use chrono::Utc;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use sysinfo::{
    CpuRefreshKind, DiskRefreshKind, Disks, MemoryRefreshKind, Networks, Pid, ProcessRefreshKind,
    ProcessesToUpdate, System, UpdateKind, Users,
};

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
    networks: Networks,
    users: Users,
    /// uid → name, so a user lookup is not repeated every sample.
    user_names: HashMap<u32, String>,
    last_network_refresh: Instant,
    top_n: usize,
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
        let networks = Networks::new_with_refreshed_list()
            .map_err(|e| anyhow::anyhow!("cannot list network interfaces: {e}"))?;
        let users = Users::new_with_refreshed_list()
            .map_err(|e| anyhow::anyhow!("cannot list users: {e}"))?;
        let mut collector = Self {
            system,
            disks,
            networks,
            users,
            user_names: HashMap::new(),
            last_network_refresh: Instant::now(),
            top_n,
        };
        collector.refresh_processes();
        Ok(collector)
    }

    fn refresh_processes(&mut self) {
        self.system.refresh_processes_specifics(
            ProcessesToUpdate::All,
            true,
            ProcessRefreshKind::nothing()
                .with_cpu()
                .with_memory()
                .with_user(UpdateKind::OnlyIfNotSet)
                .with_cmd(UpdateKind::OnlyIfNotSet),
        );
    }

    pub fn sample(&mut self) -> ResourceSample {
        self.system.refresh_cpu_usage();
        self.system
            .refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram().with_swap());
        self.refresh_processes();
        // Mounts come and go (USB, NFS): refresh the list, not only the figures.
        self.disks
            .refresh_specifics(true, DiskRefreshKind::nothing().with_storage());
        self.networks.refresh(true);
        let elapsed = self.last_network_refresh.elapsed().as_secs_f64().max(0.001);
        self.last_network_refresh = Instant::now();

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
            networks: self.network_rates(elapsed),
            process_count: self
                .system
                .processes()
                .values()
                .filter(|p| p.thread_kind().is_none())
                .count(),
            top_processes: self.top_processes(),
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
            .map(|d| Filesystem {
                mount_point: d.mount_point().to_string_lossy().into_owned(),
                device: d.name().to_string_lossy().into_owned(),
                fs_type: d.file_system().to_string_lossy().into_owned(),
                total_bytes: d.total_space(),
                available_bytes: d.available_space(),
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

    fn network_rates(&self, elapsed: f64) -> Vec<NetworkRate> {
        let mut out: Vec<NetworkRate> = self
            .networks
            .iter()
            .filter(|(name, _)| name.as_os_str() != "lo")
            .map(|(name, data)| NetworkRate {
                interface: name.to_string_lossy().into_owned(),
                rx_bytes_per_sec: data.received() as f64 / elapsed,
                tx_bytes_per_sec: data.transmitted() as f64 / elapsed,
                rx_total_bytes: data.total_received(),
                tx_total_bytes: data.total_transmitted(),
            })
            .collect();
        out.sort_by(|a, b| a.interface.cmp(&b.interface));
        out
    }

    fn top_processes(&mut self) -> Vec<ProcessRow> {
        let mut procs: Vec<_> = self
            .system
            .processes()
            .values()
            // Threads and kernel threads are not what an operator means by a process
            // (htop hides them too).
            .filter(|p| p.thread_kind().is_none())
            .collect();
        procs.sort_by(|a, b| {
            b.cpu_usage()
                .total_cmp(&a.cpu_usage())
                .then(b.memory().cmp(&a.memory()))
                .then(a.pid().cmp(&b.pid()))
        });
        let chosen: Vec<(Pid, Option<u32>, f32, u64, String)> = procs
            .into_iter()
            .take(self.top_n)
            .map(|p| {
                let cmd = if p.cmd().is_empty() {
                    format!("[{}]", p.name().to_string_lossy())
                } else {
                    p.cmd()
                        .iter()
                        .map(|s| s.to_string_lossy())
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let uid = p.user_id().map(|u| **u);
                (p.pid(), uid, p.cpu_usage(), p.memory(), cmd)
            })
            .collect();
        chosen
            .into_iter()
            .map(|(pid, uid, cpu, mem, command)| ProcessRow {
                pid: pid.as_u32(),
                user: uid.map_or_else(|| "?".into(), |u| self.user_name(u)),
                cpu_percent: cpu,
                memory_bytes: mem,
                command,
            })
            .collect()
    }

    fn user_name(&mut self, uid: u32) -> String {
        if let Some(name) = self.user_names.get(&uid) {
            return name.clone();
        }
        let name = self
            .users
            .iter()
            .find(|u| **u.id() == uid)
            .map_or_else(|| uid.to_string(), |u| u.name().to_string());
        self.user_names.insert(uid, name.clone());
        name
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
    collector.sample()
}
