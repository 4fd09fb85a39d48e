//! Sticky fallback (design §7): a circuit breaker per provider profile, shared by every agent
//! of a run, so once a profile is known to be failing the next calls go straight to the
//! agents' fallbacks instead of paying for its failure again.
//!
//! Owns `Breakers` and the rule: a refused key (401, 403, a missing key, exhausted quota) opens
//! a profile at once, for a long cool-down (nothing in the process will fix it); `threshold`
//! transient failures in a row (5xx, 529, 429, a cut or stalled stream, a refused connection)
//! open it for `cooldown`. After the cool-down one call at a time probes it (half-open): a
//! success closes it, a failure opens it again. Request-specific errors (400, 404, 422) never
//! count. Must not sleep, send or emit: it answers and returns the `Circuit` events for the
//! caller to log, so every transition is in the run's log and a replay shows it.

use super::error::ProviderError;
use crate::model::{CircuitState, EventKind};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, PartialEq)]
pub struct BreakerConfig {
    /// Transient failures in a row that open a profile.
    pub threshold: u32,
    /// How long a profile opened by transient failures is skipped before a probe.
    pub cooldown: Duration,
    /// How long a profile whose key was refused is skipped before a probe.
    pub auth_cooldown: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            threshold: 3,
            cooldown: Duration::from_secs(30),
            auth_cooldown: Duration::from_secs(600),
        }
    }
}

/// What a call may do with a profile now.
#[derive(Clone, Debug, PartialEq)]
pub enum Admit {
    /// Closed: go ahead.
    Go,
    /// The cool-down is over and this call is the one probe.
    Probe,
    /// Open (or another call is probing): skip it. `until` is when a probe may go; `dead` when
    /// it opened on a refused key; `last` is the error that opened it.
    Skip {
        until: Instant,
        dead: bool,
        last: ProviderError,
    },
}

#[derive(Debug)]
struct Breaker {
    state: CircuitState,
    /// Transient failures in a row.
    failures: u32,
    until: Instant,
    dead: bool,
    probing: bool,
    last: Option<ProviderError>,
}

/// The breakers of one run (or of one client, when nobody shares them).
#[derive(Debug, Default)]
pub struct Breakers {
    config: BreakerConfig,
    by_profile: Mutex<HashMap<String, Breaker>>,
}

/// Whether an error says something about the profile (not about this one request).
fn class(err: &ProviderError) -> Option<bool> {
    match err {
        ProviderError::MissingKey { .. } => Some(true),
        ProviderError::Http { status, code, .. } => match status {
            401 | 403 => Some(true),
            429 if code.as_deref() == Some("insufficient_quota") => Some(true),
            429 | 408 | 500..=599 => Some(false),
            _ => None,
        },
        ProviderError::Connection(_)
        | ProviderError::StreamCut(_)
        | ProviderError::Idle(_)
        | ProviderError::Malformed(_) => Some(false),
        ProviderError::InStream { .. } if err.is_retryable() => Some(false),
        _ => None,
    }
}

impl Breakers {
    pub fn new(config: BreakerConfig) -> Self {
        Breakers {
            config,
            by_profile: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Breaker>> {
        // A poisoned map is still a map: the breakers only ever hold plain values.
        self.by_profile.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a call may use `profile` now; a half-open transition is returned as an event.
    pub fn admit(&self, profile: &str, now: Instant) -> (Admit, Option<EventKind>) {
        let mut map = self.lock();
        let Some(b) = map.get_mut(profile) else {
            return (Admit::Go, None);
        };
        match b.state {
            CircuitState::Closed => (Admit::Go, None),
            CircuitState::Open if now >= b.until => {
                b.state = CircuitState::HalfOpen;
                b.probing = true;
                (
                    Admit::Probe,
                    Some(event(profile, CircuitState::HalfOpen, "", None)),
                )
            }
            CircuitState::HalfOpen if !b.probing => {
                b.probing = true;
                (Admit::Probe, None)
            }
            CircuitState::Open | CircuitState::HalfOpen => (
                Admit::Skip {
                    // While another call probes, look again a little later, not in a loop.
                    until: b.until.max(now + Duration::from_millis(500)),
                    dead: b.dead,
                    last: b.last.clone().unwrap_or_else(|| {
                        ProviderError::Connection("the profile is failing".into())
                    }),
                },
                None,
            ),
        }
    }

    /// A call through `profile` succeeded.
    pub fn on_success(&self, profile: &str) -> Option<EventKind> {
        let mut map = self.lock();
        let b = map.get_mut(profile)?;
        let was = b.state;
        b.state = CircuitState::Closed;
        b.failures = 0;
        b.probing = false;
        b.dead = false;
        (was != CircuitState::Closed).then(|| event(profile, CircuitState::Closed, "", None))
    }

    /// An attempt through `profile` failed with `err` (`advice` says it in words). Returns
    /// whether the profile is open now, and the event if it just opened.
    pub fn on_failure(
        &self,
        profile: &str,
        err: &ProviderError,
        advice: &str,
        now: Instant,
    ) -> (bool, Option<EventKind>) {
        let Some(auth) = class(err) else {
            let mut map = self.lock();
            if let Some(b) = map.get_mut(profile) {
                // A probe that got an answer of any kind has ended.
                b.probing = false;
                if b.state == CircuitState::HalfOpen {
                    b.state = CircuitState::Closed;
                    b.failures = 0;
                    return (false, Some(event(profile, CircuitState::Closed, "", None)));
                }
            }
            return (false, None);
        };
        let mut map = self.lock();
        let b = map.entry(profile.to_string()).or_insert(Breaker {
            state: CircuitState::Closed,
            failures: 0,
            until: now,
            dead: false,
            probing: false,
            last: None,
        });
        b.failures += 1;
        b.probing = false;
        b.last = Some(err.clone());
        let trips =
            auth || b.failures >= self.config.threshold || b.state == CircuitState::HalfOpen;
        if !trips {
            return (false, None);
        }
        let cooldown = if auth {
            self.config.auth_cooldown
        } else {
            self.config.cooldown
        };
        let was = b.state;
        b.state = CircuitState::Open;
        b.until = now + cooldown;
        b.dead = auth;
        let ev = (was != CircuitState::Open)
            .then(|| event(profile, CircuitState::Open, advice, Some(cooldown)));
        (true, ev)
    }
}

fn event(
    profile: &str,
    state: CircuitState,
    reason: &str,
    cooldown: Option<Duration>,
) -> EventKind {
    EventKind::Circuit {
        provider: profile.to_string(),
        state,
        reason: reason.to_string(),
        cooldown_ms: cooldown.map(|d| d.as_millis() as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> ProviderError {
        ProviderError::Http {
            status,
            code: None,
            message: "m".into(),
            retry_after: None,
        }
    }

    #[test]
    fn transient_failures_open_after_the_threshold_and_a_probe_closes() {
        let b = Breakers::new(BreakerConfig {
            threshold: 3,
            cooldown: Duration::from_secs(10),
            auth_cooldown: Duration::from_secs(100),
        });
        let t0 = Instant::now();
        assert_eq!(b.on_failure("p", &http(503), "down", t0), (false, None));
        assert!(!b.on_failure("p", &http(529), "down", t0).0);
        let (open, ev) = b.on_failure("p", &http(500), "down", t0);
        assert!(open);
        assert!(matches!(
            ev,
            Some(EventKind::Circuit {
                state: CircuitState::Open,
                ..
            })
        ));
        assert!(matches!(
            b.admit("p", t0).0,
            Admit::Skip { dead: false, .. }
        ));
        // After the cool-down one call probes; another is still sent elsewhere.
        let later = t0 + Duration::from_secs(11);
        assert_eq!(b.admit("p", later).0, Admit::Probe);
        assert!(matches!(b.admit("p", later).0, Admit::Skip { .. }));
        assert!(matches!(
            b.on_success("p"),
            Some(EventKind::Circuit {
                state: CircuitState::Closed,
                ..
            })
        ));
        assert_eq!(b.admit("p", later).0, Admit::Go);
    }

    #[test]
    fn a_refused_key_opens_at_once_and_a_failed_probe_reopens() {
        let b = Breakers::default();
        let t0 = Instant::now();
        assert!(b.on_failure("p", &http(401), "bad key", t0).0);
        assert!(matches!(b.admit("p", t0).0, Admit::Skip { dead: true, .. }));
        let later = t0 + BreakerConfig::default().auth_cooldown;
        assert_eq!(b.admit("p", later).0, Admit::Probe);
        assert!(b.on_failure("p", &http(401), "bad key", later).0);
    }

    #[test]
    fn request_errors_do_not_count_and_success_resets_the_streak() {
        let b = Breakers::default();
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(!b.on_failure("p", &http(400), "bad request", t0).0);
        }
        b.on_failure("p", &http(503), "x", t0);
        b.on_failure("p", &http(503), "x", t0);
        assert_eq!(b.on_success("p"), None);
        assert!(!b.on_failure("p", &http(503), "x", t0).0);
        assert_eq!(b.admit("p", t0).0, Admit::Go);
    }
}
