//! Where opsdeck reads and writes, resolved once, with where each answer came from
//! (so `opsdeck info` can explain it).

use etcetera::BaseStrategy;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub path: PathBuf,
    pub origin: String,
}

#[derive(Debug, Clone)]
pub struct Paths {
    /// None: no file found, the embedded default config is used.
    pub config: Option<Resolved>,
    pub config_dir: Resolved,
    pub themes_dir: Resolved,
    pub state_dir: Resolved,
}

impl Paths {
    /// `flag` is `--config`; `env_config` is `OPSDECK_CONFIG`.
    pub fn resolve(flag: Option<&Path>, env_config: Option<&Path>) -> anyhow::Result<Self> {
        let base = etcetera::choose_base_strategy().map_err(|e| {
            anyhow::anyhow!("cannot find the home directory to resolve XDG paths: {e}")
        })?;
        let config_dir = xdg_dir("XDG_CONFIG_HOME", base.config_dir(), "~/.config");
        let state_base = base
            .state_dir()
            .unwrap_or_else(|| base.home_dir().join(".local/state"));
        let state_dir = xdg_dir("XDG_STATE_HOME", state_base, "~/.local/state");

        let default_file = config_dir.path.join("config.toml");
        let config = if let Some(p) = flag {
            Some(Resolved {
                path: p.to_path_buf(),
                origin: "--config".into(),
            })
        } else if let Some(p) = env_config.filter(|p| !p.as_os_str().is_empty()) {
            Some(Resolved {
                path: p.to_path_buf(),
                origin: "OPSDECK_CONFIG".into(),
            })
        } else if default_file.is_file() {
            Some(Resolved {
                path: default_file,
                origin: config_dir.origin.clone(),
            })
        } else {
            None
        };
        Ok(Self {
            config,
            themes_dir: Resolved {
                path: config_dir.path.join("themes"),
                origin: config_dir.origin.clone(),
            },
            config_dir,
            state_dir,
        })
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir.path.join("opsdeck.log")
    }

    pub fn database(&self) -> PathBuf {
        self.state_dir.path.join("opsdeck.db")
    }

    /// Where a user config would be read from when none is given.
    pub fn default_config_file(&self) -> PathBuf {
        self.config_dir.path.join("config.toml")
    }
}

fn xdg_dir(var: &str, base: PathBuf, fallback: &str) -> Resolved {
    let from_env = std::env::var_os(var).is_some_and(|v| Path::new(&v).is_absolute());
    Resolved {
        path: base.join("opsdeck"),
        origin: if from_env {
            format!("${var}")
        } else {
            format!("default ({fallback})")
        },
    }
}
