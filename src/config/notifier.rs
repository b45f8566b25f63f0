//! `[[notifier]]`: webhook receivers for local alerts (in progress).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Notifier {
    pub name: String,
    pub url: String,
}
