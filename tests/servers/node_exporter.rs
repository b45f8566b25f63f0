//! node_exporter: serves the host's metrics plus the `*.prom` files of the
//! stack's textfile folder (one of them marks the stack as its own).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Stack;
use super::http::try_http_get;
use super::process::{Role, Server};
use super::shared::bin;

/// Writes the textfile marker node_exporter serves, so readiness can tell it
/// is this stack's.
pub(super) fn write_marker(dir: &Path, token: &str) {
    fs::write(
        dir.join("textfile/opsdeck_stack.prom"),
        format!("opsdeck_test_stack{{stack=\"{token}\"}} 1\n"),
    )
    .expect("write the textfile marker");
}

pub(super) fn command(stack: &Stack, server: &Server) -> Command {
    let mut cmd = Command::new(bin("prometheus-node-exporter"));
    cmd.arg(server.listen_arg())
        .arg(format!(
            "--collector.textfile.directory={}",
            stack.dir.join("textfile").display()
        ))
        // Debian enables it; there is no systemd here to ask.
        .arg("--no-collector.systemd");
    cmd
}

/// Ready, and this stack's: its `/metrics` shows the textfile marker.
pub(super) fn is_ready(stack: &Stack, base: &str) -> bool {
    matches!(
        try_http_get(&format!("{base}/metrics")),
        Ok((200, body)) if body.contains(&stack.token)
    )
}

impl Stack {
    /// node_exporter's textfile collector folder: `*.prom` files written here
    /// appear in its `/metrics`.
    pub fn textfile_dir(&self) -> PathBuf {
        self.dir.join("textfile")
    }

    /// SIGKILLs node_exporter.
    pub fn stop_node_exporter(&mut self) {
        let index = self.index(Role::NodeExporter);
        self.kill(index);
    }

    /// Starts node_exporter again on the same port.
    pub fn start_node_exporter(&mut self) {
        let index = self.index(Role::NodeExporter);
        self.restart(index);
    }
}
