//! Store reads that `update` asks for on every tick (others' activity, local
//! acks, task runs). At most one read of a kind is out at a time, so a slow
//! store never queues reads up behind each other.

use crate::app::Msg;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;
use tokio::sync::oneshot;

/// Set while a read of one kind is out.
#[derive(Clone, Default)]
pub struct Busy(Arc<AtomicBool>);

/// One `Busy` per kind of read.
#[derive(Clone, Default)]
pub struct Polls {
    pub activity: Busy,
    pub acks: Busy,
    pub shared: Busy,
    pub runs: Busy,
    pub recoveries: Busy,
    pub handover: Busy,
}

impl Busy {
    /// Sends a store read and turns its answer into a message, unless a read of
    /// this kind is still out.
    pub fn read<T: Send + 'static>(
        &self,
        tx: &mpsc::Sender<Msg>,
        read: impl FnOnce() -> oneshot::Receiver<Result<T, String>>,
        to_msg: impl FnOnce(T) -> Option<Msg> + Send + 'static,
    ) {
        if self.0.swap(true, Ordering::AcqRel) {
            return;
        }
        let reply = read();
        let (busy, tx) = (self.0.clone(), tx.clone());
        tokio::spawn(async move {
            if let Ok(Ok(answer)) = reply.await
                && let Some(msg) = to_msg(answer)
            {
                let _ = tx.send(msg).await;
            }
            busy.store(false, Ordering::Release);
        });
    }
}
