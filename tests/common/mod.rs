//! Fixed data and a fixed clock for rendering tests, so snapshots are stable.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use opsdeck::app::state::{Mode, StoreRole};
use opsdeck::app::{AppState, Msg, update};
use opsdeck::collect::model::{
    Filesystem, HostInfo, LoadAverage, MemoryUsage, NetworkRate, ProcessRow, ResourceSample,
};
use opsdeck::config::Config;
use opsdeck::ui::color::ColorDepth;
use opsdeck::ui::theme::Styles;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 34, 56).unwrap()
}

const GIB: u64 = 1024 * 1024 * 1024;

/// A busy 4-core host: one core critical, memory in warning, one disk critical and
/// filling.
pub fn sample(seconds_after_t0: i64, cpu: f32) -> ResourceSample {
    ResourceSample {
        taken_at: t0() + chrono::Duration::seconds(seconds_after_t0),
        uptime_secs: 3 * 86400 + 4 * 3600,
        cpu_total: cpu,
        cpu_per_core: vec![cpu, 12.0, 85.5, 97.0],
        // The disks keep it waiting too: iowait is not in the total, as in top.
        cpu_breakdown: opsdeck::collect::cpu_times::CpuBreakdown {
            user: cpu * 0.8,
            system: cpu * 0.2,
            iowait: 21.0,
            steal: 0.5,
        },
        load: LoadAverage {
            one: 2.5,
            five: 1.75,
            fifteen: 1.0,
        },
        memory: MemoryUsage {
            total_bytes: 16 * GIB,
            used_bytes: 13 * GIB,
        },
        swap: MemoryUsage {
            total_bytes: 2 * GIB,
            used_bytes: GIB / 4,
        },
        filesystems: vec![
            Filesystem {
                mount_point: "/".into(),
                device: "/dev/vda1".into(),
                fs_type: "ext4".into(),
                total_bytes: 100 * GIB,
                available_bytes: 40 * GIB,
                // 5 GiB reserved for root, as ext4 keeps by default.
                free_bytes: 45 * GIB,
            },
            Filesystem {
                mount_point: "/var/lib/postgresql".into(),
                device: "/dev/vdb1".into(),
                fs_type: "xfs".into(),
                total_bytes: 500 * GIB,
                // Filling at 1 MiB/s: the days-until-full forecast has a trend to show.
                available_bytes: filling(seconds_after_t0),
                free_bytes: filling(seconds_after_t0),
            },
        ],
        networks: vec![NetworkRate {
            interface: "eth0".into(),
            rx_bytes_per_sec: 1_250_000.0,
            tx_bytes_per_sec: 64_000.0,
            rx_total_bytes: 42 * GIB,
            tx_total_bytes: 3 * GIB,
        }],
        process_count: 212,
        top_processes: vec![
            proc(4242, "postgres", 97.5, GIB, "postgres: checkpointer"),
            proc(
                1337,
                "www-data",
                45.0,
                512 * 1024 * 1024,
                "nginx: worker process",
            ),
            proc(1, "root", 0.5, 12 * 1024 * 1024, "/sbin/init"),
            proc(777, "root", 0.0, 8 * 1024 * 1024, "/usr/sbin/sshd -D"),
        ],
        kept_pid: None,
    }
}

/// Free bytes of the filling disk: 20 GiB two minutes before t0, 1 MiB less a second.
fn filling(seconds_after_t0: i64) -> u64 {
    (20 * GIB as i64 - (seconds_after_t0 + 120) * 1024 * 1024) as u64
}

pub fn proc(pid: u32, user: &str, cpu: f32, mem: u64, cmd: &str) -> ProcessRow {
    ProcessRow {
        pid,
        user: user.into(),
        cpu_percent: cpu,
        memory_bytes: mem,
        command: cmd.into(),
    }
}

pub fn host() -> HostInfo {
    HostInfo {
        hostname: "db-1".into(),
        os: "Debian GNU/Linux 12".into(),
        kernel: "6.1.0".into(),
        cores: 4,
    }
}

pub fn state_with(mode: Mode) -> AppState {
    let mut state = AppState::new(Config::default(), mode, host(), t0());
    state.store = StoreRole::Leader;
    state.actor = "ann@db-1".into();
    // Half an hour of disk history, as if opsdeck had run that long (the
    // forecast needs ten minutes at least); the charts keep the ramp below.
    for i in (-1800..-120).step_by(20) {
        let at = t0() + chrono::Duration::seconds(i);
        let filesystems = sample(i, 0.0).filesystems;
        state.resources.record_filesystems(at, &filesystems);
    }
    // Some history for the graphs: a ramp, then the current sample.
    for i in 0..120 {
        let _ = update(
            &mut state,
            Msg::Resources(opsdeck::app::resources::Msg::Sample(Box::new(sample(
                i - 120,
                (i % 50) as f32 * 2.0,
            )))),
        );
    }
    let _ = update(
        &mut state,
        Msg::Resources(opsdeck::app::resources::Msg::Sample(Box::new(sample(
            0, 62.5,
        )))),
    );
    let _ = update(&mut state, Msg::Tick(t0()));
    state
}

pub fn state() -> AppState {
    state_with(Mode::default())
}

/// The built-in dark theme at a colour depth, as the runtime would resolve it.
pub fn styles(depth: ColorDepth) -> Styles {
    Styles::builtin("dark", depth)
}

/// A frame in true colour.
pub fn render(state: &AppState, width: u16, height: u16) -> Terminal<TestBackend> {
    render_in(state, &styles(ColorDepth::TrueColor), width, height)
}

pub fn render_in(
    state: &AppState,
    styles: &Styles,
    width: u16,
    height: u16,
) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| opsdeck::ui::draw(f, state, styles))
        .unwrap();
    terminal
}

/// The screen as text, one line per row.
pub fn screen(state: &AppState, width: u16, height: u16) -> String {
    let terminal = render(state, width, height);
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            let mut line = String::new();
            for x in 0..width {
                line.push_str(buffer[(x, y)].symbol());
            }
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The write that `effects` hand to the runtime's write wrapper, if any.
pub fn write_in(effects: &[opsdeck::app::Effect]) -> Option<&opsdeck::app::intent::Write> {
    effects.iter().find_map(|e| match e {
        opsdeck::app::Effect::Write(w) => Some(w.as_ref()),
        _ => None,
    })
}

/// The silence an acknowledge write asks for (panics if there is none).
pub fn silence_request(effects: &[opsdeck::app::Effect]) -> opsdeck::app::ack::SilenceRequest {
    match write_in(effects).map(|w| &w.intent) {
        Some(opsdeck::app::intent::Intent::Acknowledge(r)) => r.clone(),
        other => panic!("expected an acknowledge write, got {other:?} in {effects:?}"),
    }
}

/// The runtime's report that it carried `intent` out (or could not).
pub fn written(
    intent: opsdeck::app::intent::Intent,
    result: Result<opsdeck::app::intent::Done, String>,
) -> Msg {
    Msg::Written(Box::new(opsdeck::app::intent::Written { intent, result }))
}
