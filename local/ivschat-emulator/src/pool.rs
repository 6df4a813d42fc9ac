//! A review handler's instances, each serving one invocation at a time, as one Lambda execution
//! environment does. AWS's Runtime Interface Emulator must be used that way: a second invocation
//! that arrives while one runs makes it crash (aws-lambda-runtime-interface-emulator issue 97).
//!
//! Lambda scales out by running more environments; locally, a pool is several endpoints (one
//! RIE process each) for one function. A caller gets an idle instance, or waits in line (first
//! come, first served) until one is idle again, and keeps it until its invocation has really
//! returned: a caller that stops waiting (past IVS's deadline) leaves the invocation running,
//! and the instance is idle again only when the endpoint has answered.

use tokio::sync::{Mutex, mpsc};

/// Several Lambda Invoke API endpoints for one function, each used by one invocation at a time.
#[derive(Debug)]
pub struct InstancePool {
    /// Each instance's invoke URL, by index.
    invoke_urls: Vec<String>,
    /// Where a released instance's index goes back in line.
    release: mpsc::UnboundedSender<usize>,
    /// The idle instances' indexes. The mutex is tokio's, which hands itself out in the order
    /// it was asked for, so waiting callers are served first come, first served.
    idle: Mutex<mpsc::UnboundedReceiver<usize>>,
}

/// The right to invoke one instance; the instance is idle again when this is dropped.
#[derive(Debug)]
pub struct InstanceLease {
    index: usize,
    invoke_url: String,
    release: mpsc::UnboundedSender<usize>,
}

impl InstanceLease {
    /// The instance's Lambda Invoke API URL.
    pub fn invoke_url(&self) -> &str {
        &self.invoke_url
    }
}

impl Drop for InstanceLease {
    fn drop(&mut self) {
        // The pool holds a sender too, so this fails only when the pool itself is gone.
        let _ = self.release.send(self.index);
    }
}

impl InstancePool {
    /// A pool of these invoke URLs, all idle.
    pub fn new(invoke_urls: Vec<String>) -> Self {
        let (release, idle) = mpsc::unbounded_channel();
        for index in 0..invoke_urls.len() {
            let _ = release.send(index);
        }
        Self {
            invoke_urls,
            release,
            idle: Mutex::new(idle),
        }
    }

    /// How many instances the pool has.
    pub fn instances(&self) -> usize {
        self.invoke_urls.len()
    }

    /// Waits for an idle instance (in line behind earlier callers) and leases it. Dropping the
    /// returned future while it waits leaves the line without taking an instance.
    pub async fn acquire(&self) -> Option<InstanceLease> {
        let mut idle = self.idle.lock().await;
        // `recv` is cancellation-safe: an index is never lost by a caller that stops waiting.
        let index = idle.recv().await?;
        let invoke_url = self.invoke_urls.get(index)?.clone();
        Some(InstanceLease {
            index,
            invoke_url,
            release: self.release.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn pool(instances: usize) -> InstancePool {
        InstancePool::new(
            (0..instances)
                .map(|index| format!("http://127.0.0.1:{}", 9000 + index))
                .collect(),
        )
    }

    #[tokio::test]
    async fn each_instance_is_leased_once_until_it_is_released() {
        // GIVEN a pool of two
        let pool = pool(2);
        // WHEN two callers lease
        let first = pool.acquire().await.expect("an idle instance");
        let second = pool.acquire().await.expect("another idle instance");
        // THEN they hold different instances, and a third caller waits
        assert_ne!(first.invoke_url(), second.invoke_url());
        let third = tokio::time::timeout(Duration::from_millis(50), pool.acquire()).await;
        assert!(third.is_err(), "no instance is idle");
        // AND once one is released, the waiting caller gets exactly that one
        let released = first.invoke_url().to_owned();
        drop(first);
        let third = pool.acquire().await.expect("the released instance");
        assert_eq!(third.invoke_url(), released);
    }

    #[tokio::test]
    async fn waiting_callers_are_served_in_arrival_order() {
        // GIVEN a pool of one, leased
        let pool = std::sync::Arc::new(pool(1));
        let lease = pool.acquire().await.expect("idle");
        // AND three callers that line up one after another
        let (served_tx, mut served_rx) = mpsc::unbounded_channel();
        for caller in 0..3 {
            let pool = pool.clone();
            let served_tx = served_tx.clone();
            tokio::spawn(async move {
                let lease = pool.acquire().await;
                let _ = served_tx.send(caller);
                tokio::time::sleep(Duration::from_millis(5)).await;
                drop(lease);
            });
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // WHEN the instance is released
        drop(lease);
        // THEN they get it in the order they asked
        let mut order = Vec::new();
        for _ in 0..3 {
            order.push(served_rx.recv().await.expect("served"));
        }
        assert_eq!(order, vec![0, 1, 2]);
    }

    #[tokio::test]
    async fn a_caller_that_gives_up_takes_no_instance() {
        // GIVEN a pool of one, leased, and a caller that gives up waiting
        let pool = pool(1);
        let lease = pool.acquire().await.expect("idle");
        let gave_up = tokio::time::timeout(Duration::from_millis(20), pool.acquire()).await;
        assert!(gave_up.is_err());
        // WHEN the instance is released THEN the next caller gets it at once
        drop(lease);
        let next = tokio::time::timeout(Duration::from_millis(200), pool.acquire()).await;
        assert!(matches!(next, Ok(Some(_))));
    }
}
