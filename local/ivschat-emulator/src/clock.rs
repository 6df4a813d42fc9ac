//! The emulator's notion of "now": the system clock plus an offset that tests can move forward,
//! so token and session expiry can be exercised without waiting an hour.

use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;

/// A wall clock that can be advanced (never moved back).
#[derive(Debug)]
pub struct Clock {
    offset: watch::Sender<Duration>,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            offset: watch::Sender::new(Duration::ZERO),
        }
    }
}

impl Clock {
    /// The current emulated time.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + *self.offset.borrow()
    }

    /// Moves the clock forward by `by`; everything waiting on the clock re-checks its deadline.
    pub fn advance(&self, by: Duration) {
        self.offset.send_modify(|offset| *offset += by);
    }

    /// A receiver that changes whenever the clock is advanced.
    pub fn subscribe(&self) -> watch::Receiver<Duration> {
        self.offset.subscribe()
    }

    /// How long until `deadline`, in real time, as the clock stands now (zero when past).
    pub fn until(&self, deadline: OffsetDateTime) -> Duration {
        let remaining = deadline - self.now();
        Duration::try_from(remaining).unwrap_or(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_and_shortens_deadlines() {
        // GIVEN a clock and a deadline ten minutes away
        let clock = Clock::default();
        let deadline = clock.now() + time::Duration::minutes(10);
        // WHEN the clock is advanced by eleven minutes
        clock.advance(Duration::from_secs(11 * 60));
        // THEN the deadline has passed
        assert_eq!(clock.until(deadline), Duration::ZERO);
        assert!(clock.now() > deadline);
    }
}
