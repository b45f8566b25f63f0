//! Scaling at run time: a target's `current` and metrics are read on the
//! event loop's LocalSet (PromQL on its `[[prometheus]]`, or a command);
//! an evaluation is stored before `update` shows it; an execution runs its
//! argv like a task (own process group, timeout, output kept) and is stored
//! before the screen hears how it went.

use crate::app::Msg;
use crate::app::scaling::{Execution, Msg as ScalingMsg};
use crate::collect::prometheus::{PrometheusClient, QueryValue};
use crate::config::Config;
use crate::engine::scaling::{Current, Query, Source, TargetSpec, one_value, replicas};
use crate::engine::tasks::Exit;
use crate::secrets::redacted;
use crate::store::scaling::{RecordKind, ScalingRecord};
use crate::store::writer::StoreHandle;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The targets and what reads and runs them.
#[derive(Clone)]
pub struct ScalingRunner {
    targets: Rc<Vec<TargetSpec>>,
    /// Each `[[prometheus]]` by name (or why it cannot be asked).
    prometheus: Rc<BTreeMap<String, Result<PrometheusClient, String>>>,
    hidden_env: Rc<Vec<String>>,
    store: Option<StoreHandle>,
    tx: mpsc::Sender<Msg>,
    /// Set while a read of others' records is out.
    following: super::polls::Busy,
}

impl ScalingRunner {
    /// `prometheus`: the dashboard's clients (`remote::Clients`).
    pub fn new(
        config: &Config,
        prometheus: BTreeMap<String, Result<PrometheusClient, String>>,
        store: Option<StoreHandle>,
        tx: mpsc::Sender<Msg>,
    ) -> Self {
        let targets = config.scaling_targets().to_vec();
        ScalingRunner {
            targets: Rc::new(targets),
            prometheus: Rc::new(prometheus),
            hidden_env: Rc::new(config.secret_env_vars()),
            store,
            tx,
            following: Default::default(),
        }
    }

    pub fn run(&self, effect: crate::app::scaling::Effect) {
        use crate::app::scaling::Effect;
        let this = self.clone();
        match effect {
            Effect::Read(target) => {
                tokio::task::spawn_local(async move {
                    let Some(spec) = this.targets.get(target) else {
                        return;
                    };
                    let at = chrono::Utc::now();
                    let (current, readings) = read(spec, &this.prometheus, &this.hidden_env).await;
                    let msg = ScalingMsg::Read {
                        target,
                        at,
                        current,
                        readings,
                    };
                    let _ = this.tx.send(Msg::Scaling(msg)).await;
                });
            }
            Effect::Record { target, record } => {
                tokio::task::spawn_local(async move {
                    let result = store(this.store.as_ref(), *record, "scaling evaluation").await;
                    let msg = ScalingMsg::Recorded { target, result };
                    let _ = this.tx.send(Msg::Scaling(msg)).await;
                });
            }
            Effect::Execute(execution) => {
                tokio::task::spawn_local(async move {
                    let (target, approval) = (execution.target, execution.approval.clone());
                    let record = execute(*execution, &this.hidden_env).await;
                    let stored =
                        store(this.store.as_ref(), record.clone(), "scaling execution").await;
                    let msg = ScalingMsg::Executed {
                        target,
                        record: Box::new(record),
                        stored,
                        approval,
                    };
                    let _ = this.tx.send(Msg::Scaling(msg)).await;
                });
            }
            Effect::Follow(after) => self.follow(after),
        }
    }

    /// Reads the records others wrote (each target's latest at the start).
    fn follow(&self, after: Option<i64>) {
        let Some(store) = &self.store else { return };
        let names: Vec<String> = self.targets.iter().map(|t| t.scaler.name.clone()).collect();
        self.following.read(
            &self.tx,
            || match after {
                None => store.call("scaling records", move |s| {
                    s.scaling_latest(&names, crate::app::scaling::RECORDS_KEPT)
                }),
                Some(after) => store.call("scaling records", move |s| {
                    s.scaling_records_after(after, FOLLOW_AT_ONCE)
                }),
            },
            move |(records, last)| {
                let full = after.is_none();
                let msg = ScalingMsg::Followed {
                    records,
                    last,
                    full,
                };
                (full || last != after.unwrap_or(0)).then_some(Msg::Scaling(msg))
            },
        );
    }
}

/// Records read per tick at most; more come on the next.
const FOLLOW_AT_ONCE: usize = 500;

/// Writes a record; its id once durable (0 without a store).
async fn store(
    store: Option<&StoreHandle>,
    record: ScalingRecord,
    what: &'static str,
) -> Result<i64, String> {
    let Some(store) = store else {
        return Ok(0);
    };
    match store.call(what, move |s| s.insert_scaling(&record)).await {
        Ok(result) => result,
        Err(_) => Err("the store thread is gone".into()),
    }
}

type Readings = Vec<Option<Result<f64, String>>>;

/// `current` and every metric that is not local (`None`: local, read by
/// `update` from opsdeck's own series), all at once.
pub async fn read(
    spec: &TargetSpec,
    prometheus: &BTreeMap<String, Result<PrometheusClient, String>>,
    hidden_env: &[String],
) -> (Option<Result<u32, String>>, Readings) {
    let current = async {
        match &spec.current {
            Current::Query(q) => query(q, prometheus)
                .await
                .map(|r| r.and_then(replicas).map_err(|e| format!("current: {e}"))),
            Current::Command(argv) => Some(command_count(argv, spec.timeout, hidden_env).await),
        }
    };
    let metrics = futures_util::future::join_all(spec.metrics.iter().map(|q| query(q, prometheus)));
    let (current, readings) = tokio::join!(current, metrics);
    (current, readings)
}

/// A query's one number; `None` when it is opsdeck's own series.
async fn query(
    q: &Query,
    prometheus: &BTreeMap<String, Result<PrometheusClient, String>>,
) -> Option<Result<f64, String>> {
    let Source::Prometheus(name) = &q.source else {
        return None;
    };
    let client = match prometheus.get(name) {
        Some(Ok(client)) => client,
        Some(Err(why)) => return Some(Err(format!("prometheus {name}: {why}"))),
        None => return Some(Err(format!("no [[prometheus]] is named {name:?}"))),
    };
    let answer = client.query(&q.expr, None).await;
    Some(match answer {
        Ok(r) => match r.data {
            QueryValue::Scalar(v) => one_value(&[v]),
            QueryValue::Vector(samples) => {
                let values: Vec<f64> = samples.iter().map(|s| s.value).collect();
                one_value(&values)
            }
            QueryValue::Matrix(_) | QueryValue::String(_) => {
                Err("the query gives a range vector or a string, not a number".into())
            }
        },
        Err(e) => Err(redacted(e.to_string())),
    })
}

/// A `current` command: its last non-empty line is the count.
async fn command_count(
    argv: &[String],
    timeout: Duration,
    hidden_env: &[String],
) -> Result<u32, String> {
    let outcome = super::process::run_plain(argv, timeout, hidden_env).await;
    let said = outcome.output.lines().rev().find(|l| !l.trim().is_empty());
    match (&outcome.exit, said) {
        (Exit::Code(0), Some(line)) => match line.trim().parse::<f64>() {
            Ok(v) => replicas(v).map_err(|e| format!("current: {e}")),
            Err(_) => Err(format!(
                "current: the command printed {:?}, not a count",
                crate::collect::http::one_line(line, 80)
            )),
        },
        (Exit::Code(0), None) => Err("current: the command printed nothing".into()),
        _ => Err(format!(
            "current: the command ended: {}",
            super::tasks::describe(&outcome, timeout)
        )),
    }
}

/// Runs the executor; the record says how it went.
async fn execute(e: Execution, hidden_env: &[String]) -> ScalingRecord {
    let at = chrono::Utc::now();
    let outcome = super::process::run_plain(&e.argv, e.timeout, hidden_env).await;
    let executed = outcome.exit == Exit::Code(0);
    let result = if executed {
        "ok".to_string()
    } else {
        format!("failed: {}", super::tasks::describe(&outcome, e.timeout))
    };
    ScalingRecord {
        id: 0,
        target: e.name,
        at,
        kind: RecordKind::Execution,
        trigger: e.trigger.into(),
        current: e.from,
        desired: e.to,
        summary: e.why,
        inputs: Default::default(),
        decision: None,
        command: e.argv,
        executed,
        dry_run: false,
        outcome: result,
        output: redacted(outcome.output),
        actor: e.actor,
    }
}
