//! Retries with exponential backoff for transient registry faults (the seeds'
//! "Error Recovery": connection errors, timeouts and 5xx are retried; other 4xx
//! never are). `429 Too Many Requests` is the one 4xx that is retried, because
//! it asks the client to come back later, which is what a retry does.

use std::future::Future;
use std::time::Duration;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = no retries).
    pub max_retries: u32,
    /// Delay before the first retry; doubled each time.
    pub base_delay: Duration,
    /// Upper bound for one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Delay before retry number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// Run `op` until it succeeds, fails with a non-retryable error, or retries run out.
    /// Returns the last error and the number of attempts made.
    pub async fn run<T, E, F, Fut>(
        &self,
        what: &str,
        retryable: impl Fn(&E) -> bool,
        mut op: F,
    ) -> Result<T, (E, u32)>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: std::fmt::Display,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if attempt < self.max_retries && retryable(&e) => {
                    let delay = self.delay(attempt);
                    tracing::warn!(
                        "{what} failed (attempt {}/{}), retrying in {:?}: {e}",
                        attempt + 1,
                        self.max_retries + 1,
                        delay
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err((e, attempt + 1)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn delays_grow_and_cap() {
        let p = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        assert_eq!(p.delay(0), Duration::from_millis(100));
        assert_eq!(p.delay(1), Duration::from_millis(200));
        assert_eq!(p.delay(2), Duration::from_millis(400));
        assert_eq!(p.delay(3), Duration::from_millis(500));
        assert_eq!(p.delay(40), Duration::from_millis(500));
    }

    #[tokio::test]
    async fn retries_only_retryable_errors() {
        let p = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        };
        let calls = AtomicU32::new(0);
        let r: Result<u32, (String, u32)> = p
            .run(
                "op",
                |e: &String| e == "503",
                || async {
                    let n = calls.fetch_add(1, Ordering::SeqCst);
                    if n < 2 {
                        Err("503".to_string())
                    } else {
                        Ok(n)
                    }
                },
            )
            .await;
        assert_eq!(r.unwrap(), 2);
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        calls.store(0, Ordering::SeqCst);
        let r: Result<u32, (String, u32)> = p
            .run(
                "op",
                |e: &String| e == "503",
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err("404".to_string())
                },
            )
            .await;
        assert_eq!(r.unwrap_err(), ("404".to_string(), 1));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        calls.store(0, Ordering::SeqCst);
        let r: Result<u32, (String, u32)> = p
            .run(
                "op",
                |_: &String| true,
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err("503".to_string())
                },
            )
            .await;
        assert_eq!(r.unwrap_err().1, 4);
    }
}
