//! A model call that survives failures: retries with backoff, then the agent's next profile.
//!
//! Owns `ResilientClient`: it drives one provider stream after another for a single call,
//! reports every failed attempt and every fallback as `EventKind::ProviderError`, marks a
//! start-over after partial output with `Delta::Restart`, and reports each completed call as
//! `EventKind::Usage` with its cost. Profiles whose circuit breaker is open (breaker.rs) are
//! skipped without a request, so a dead primary costs a few failed requests per run, not
//! several per call. Must not parse wires or read keys (providers do), and must not persist
//! events (the sink's owner does).

use super::breaker::{Admit, Breakers};
use super::error::ProviderError;
use super::explain::advice;
use super::pricing::PriceTable;
use super::retry::RetryPolicy;
use super::settings::ProviderSettings;
use super::types::{CallMeta, ChatRequest, Completion, Delta};
use super::{connect, DeltaStream, Provider};
use crate::model::EventSink;
use crate::model::{EventKind, TranscriptPart};
use futures::stream::{self, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An agent's profiles in order (primary first, then its fallbacks) behind one retry policy.
#[derive(Clone, Debug)]
pub struct ResilientClient {
    chain: Arc<[Arc<dyn Provider>]>,
    policy: RetryPolicy,
    prices: Arc<PriceTable>,
    breakers: Arc<Breakers>,
}

impl ResilientClient {
    pub fn new(
        chain: Vec<Arc<dyn Provider>>,
        policy: RetryPolicy,
        prices: Arc<PriceTable>,
    ) -> Result<Self, ProviderError> {
        if chain.is_empty() {
            return Err(ProviderError::Config {
                profile: "(none)".into(),
                message: "an agent needs at least one provider profile".into(),
            });
        }
        Ok(ResilientClient {
            chain: chain.into(),
            policy,
            prices,
            breakers: Arc::new(Breakers::default()),
        })
    }

    /// Shares circuit breakers with other clients (all agents of a run share one set, so one
    /// agent's failures spare the others the same failures).
    pub fn with_breakers(mut self, breakers: Arc<Breakers>) -> Self {
        self.breakers = breakers;
        self
    }

    /// Connects every profile of the chain (primary first).
    pub fn from_settings(
        chain: Vec<ProviderSettings>,
        policy: RetryPolicy,
        prices: Arc<PriceTable>,
    ) -> Result<Self, ProviderError> {
        let providers = chain
            .into_iter()
            .map(connect)
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(providers, policy, prices)
    }

    /// The profiles, primary first.
    pub fn profiles(&self) -> impl Iterator<Item = &ProviderSettings> {
        self.chain.iter().map(|p| p.settings())
    }

    /// Streams one call. The stream ends after `Delta::Done` (success) or with the last
    /// profile's final error; a `Delta::Restart` in between means "drop what you have".
    pub fn stream(
        &self,
        req: ChatRequest,
        meta: CallMeta,
        sink: Arc<dyn EventSink>,
    ) -> DeltaStream {
        let call = Call {
            chain: self.chain.clone(),
            policy: self.policy.clone(),
            prices: self.prices.clone(),
            breakers: self.breakers.clone(),
            req,
            meta,
            sink,
            profile: 0,
            attempt: 1,
            inner: None,
            forwarded: false,
            wait: None,
            began: None,
            attempt_began: Instant::now(),
            over: false,
            pending_usage: None,
        };
        stream::unfold(call, Call::next).boxed()
    }
}

/// Where a call goes next, as its profiles' breakers allow.
enum Pick {
    Go,
    /// Every profile is open; the soonest probe is this far off.
    Wait(Duration),
    Fail(ProviderError),
}

/// The state of one resilient call.
struct Call {
    chain: Arc<[Arc<dyn Provider>]>,
    policy: RetryPolicy,
    prices: Arc<PriceTable>,
    breakers: Arc<Breakers>,
    req: ChatRequest,
    meta: CallMeta,
    sink: Arc<dyn EventSink>,
    /// Index into `chain` of the profile being tried.
    profile: usize,
    /// 1-based attempt on the current profile.
    attempt: u32,
    inner: Option<DeltaStream>,
    /// Deltas of the current attempt have reached the caller (a failure now needs a Restart).
    forwarded: bool,
    /// Backoff to sleep before the next attempt starts.
    wait: Option<Duration>,
    /// When the call was first polled (streams are lazy; creation time means nothing).
    began: Option<Instant>,
    attempt_began: Instant,
    over: bool,
    /// The Usage event of a finished call, emitted only once the caller has taken `Done`
    /// (at the next poll, or when the stream is dropped). So a caller that flushes its
    /// coalesced transcript on `Done` logs the turn's text before the turn's Usage, which is
    /// what `cassette_from_events` relies on.
    pending_usage: Option<EventKind>,
}

impl Drop for Call {
    fn drop(&mut self) {
        if let Some(u) = self.pending_usage.take() {
            self.sink.emit(u);
        }
    }
}

impl Call {
    async fn next(mut self) -> Option<(Result<Delta, ProviderError>, Call)> {
        loop {
            if self.over {
                if let Some(u) = self.pending_usage.take() {
                    self.sink.emit(u);
                }
                return None;
            }
            if let Some(d) = self.wait.take() {
                tokio::time::sleep(d).await;
            }
            self.began.get_or_insert_with(Instant::now);
            let inner = match &mut self.inner {
                Some(s) => s,
                None => {
                    match self.pick() {
                        Pick::Go => {}
                        Pick::Wait(d) => {
                            self.wait = Some(d);
                            continue;
                        }
                        Pick::Fail(err) => {
                            self.over = true;
                            return Some((Err(err), self));
                        }
                    }
                    self.attempt_began = Instant::now();
                    self.forwarded = false;
                    let provider = &self.chain[self.profile];
                    self.inner.insert(provider.stream(&self.req, &self.meta))
                }
            };
            let item = inner.next().await;
            let err = match item {
                Some(Ok(Delta::Done { completion })) => {
                    if let Some(ev) = self.breakers.on_success(&self.profile_name()) {
                        self.sink.emit(ev);
                    }
                    let completion = self.complete(completion);
                    self.over = true;
                    self.inner = None;
                    return Some((Ok(Delta::Done { completion }), self));
                }
                // Restart markers only come from this layer; a provider has no business
                // sending one, so it is not passed on.
                Some(Ok(Delta::Restart { .. })) => continue,
                Some(Ok(d)) => {
                    self.forwarded = true;
                    return Some((Ok(d), self));
                }
                Some(Err(e)) => e,
                None => ProviderError::StreamCut(
                    "the provider ended the answer without finishing it".into(),
                ),
            };
            self.inner = None;
            if let Some(item) = self.on_failure(err) {
                return Some((item, self));
            }
        }
    }

    fn profile_name(&self) -> String {
        self.chain[self.profile].settings().name.clone()
    }

    /// Moves to the first profile, from the current one on, that its breaker lets through.
    fn pick(&mut self) -> Pick {
        let now = Instant::now();
        let mut soonest: Option<(usize, Instant)> = None;
        let mut last: Option<ProviderError> = None;
        for i in self.profile..self.chain.len() {
            let name = self.chain[i].settings().name.clone();
            let (admit, ev) = self.breakers.admit(&name, now);
            if let Some(ev) = ev {
                self.sink.emit(ev);
            }
            match admit {
                Admit::Go | Admit::Probe => {
                    if i != self.profile {
                        self.profile = i;
                        self.attempt = 1;
                    }
                    return Pick::Go;
                }
                Admit::Skip {
                    until,
                    dead,
                    last: e,
                } => {
                    if !dead && soonest.is_none_or(|(_, t)| until < t) {
                        soonest = Some((i, until));
                    }
                    last.get_or_insert(e);
                }
            }
        }
        let elapsed = self.began.map(|b| b.elapsed()).unwrap_or_default();
        if let Some((i, until)) = soonest {
            let wait = until.saturating_duration_since(now);
            if elapsed.saturating_add(wait) <= self.policy.max_total {
                let name = self.chain[i].settings().name.clone();
                self.sink.emit(EventKind::Transcript {
                    agent: self.meta.agent.clone(),
                    task: self.meta.task.clone(),
                    part: TranscriptPart::System,
                    text: format!(
                        "[every profile of {} is failing; probing `{name}` again in {} s]\n",
                        self.meta.agent,
                        wait.as_secs().max(1)
                    ),
                });
                self.profile = i;
                self.attempt = 1;
                return Pick::Wait(wait);
            }
        }
        // Every profile is open on a refused key (or no probe fits the time left): say so
        // once for this call, without sending anything.
        let err = last.unwrap_or_else(|| ProviderError::Connection("no profile left".into()));
        let first = self.chain[self.profile].settings();
        self.sink.emit(EventKind::ProviderError {
            agent: self.meta.agent.clone(),
            provider: first.name.clone(),
            error: format!("not sent: every profile of the agent is failing ({err})"),
            attempt: 0,
            retry_in_ms: None,
            fallback: None,
            advice: Some(advice(&err, &self.agent_words(), first)),
        });
        Pick::Fail(err)
    }

    fn agent_words(&self) -> String {
        format!("agent `{}`", self.meta.agent)
    }

    /// Decides what follows a failed attempt; returns what to yield now, if anything.
    fn on_failure(&mut self, err: ProviderError) -> Option<Result<Delta, ProviderError>> {
        let provider = self.profile_name();
        let said = advice(
            &err,
            &self.agent_words(),
            self.chain[self.profile].settings(),
        );
        let (open, circuit) = self
            .breakers
            .on_failure(&provider, &err, &said, Instant::now());
        let report = |fallback: Option<String>, retry_in: Option<Duration>, attempt: u32| {
            EventKind::ProviderError {
                agent: self.meta.agent.clone(),
                provider: provider.clone(),
                error: err.to_string(),
                attempt,
                retry_in_ms: retry_in.map(|d| d.as_millis() as u64),
                fallback,
                advice: Some(said.clone()),
            }
        };
        let delay = self.policy.delay_for(self.attempt, &err);
        let elapsed = self.began.map(|b| b.elapsed()).unwrap_or_default();
        let in_time = elapsed.saturating_add(delay) <= self.policy.max_total;
        let failed_attempt = self.attempt;
        if !open && err.is_retryable() && self.attempt <= self.policy.max_retries && in_time {
            self.sink.emit(report(None, Some(delay), failed_attempt));
            self.wait = Some(delay);
            self.attempt += 1;
        } else if self.profile + 1 < self.chain.len() {
            let next = self.chain[self.profile + 1].settings().name.clone();
            self.sink.emit(report(Some(next), None, failed_attempt));
            self.profile += 1;
            self.attempt = 1;
        } else {
            self.sink.emit(report(None, None, failed_attempt));
            if let Some(ev) = circuit {
                self.sink.emit(ev);
            }
            self.over = true;
            return Some(Err(err));
        }
        if let Some(ev) = circuit {
            self.sink.emit(ev);
        }
        if self.forwarded {
            self.forwarded = false;
            let restart = Delta::Restart {
                attempt: self.attempt,
                provider: self.profile_name(),
                reason: err.to_string(),
            };
            return Some(Ok(restart));
        }
        None
    }

    /// Fills in who answered and how long it took, and prepares the call's Usage event.
    fn complete(&mut self, mut c: Completion) -> Completion {
        let settings = self.chain[self.profile].settings();
        c.provider = settings.name.clone();
        if c.model.is_empty() {
            c.model = settings.model.clone();
        }
        c.ms = self.attempt_began.elapsed().as_millis() as u64;
        // Price by the model that answered, else by the configured name (a dated snapshot
        // like gpt-4o-2024-08-06 still finds gpt-4o by prefix).
        // A model the table does not know is recorded as unpriced, never as free.
        let cost = self
            .prices
            .cost(&c.model, &c.usage)
            .or_else(|| self.prices.cost(&settings.model, &c.usage));
        self.pending_usage = Some(EventKind::Usage {
            agent: self.meta.agent.clone(),
            task: self.meta.task.clone(),
            provider: c.provider.clone(),
            model: c.model.clone(),
            input_tokens: c.usage.input_tokens.unwrap_or(0),
            output_tokens: c.usage.output_tokens.unwrap_or(0),
            cached_tokens: c.usage.cached_tokens.unwrap_or(0),
            cost_usd: cost.unwrap_or(0.0),
            unpriced: cost.is_none(),
            ms: c.ms,
        });
        c
    }
}
