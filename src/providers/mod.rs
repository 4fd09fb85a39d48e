//! Model providers behind one trait (design §7): openai, openai-responses, anthropic, gemini,
//! openai-compatible and scripted.
//!
//! Owns talking to models: wire formats, SSE decoding, retries and fallback, pricing, ping,
//! cassettes. The agent loop sees only `ChatRequest` in and a `DeltaStream` out and never
//! learns which provider answered. Must not touch the store, git or the screen: what happened
//! is reported as `EventKind`s through an `EventSink` the caller passes, and keys are read
//! from the environment at call time, never kept.
//!
//! How the agent loop uses it: build one `ResilientClient` per agent from its profile chain
//! (`from_settings`), call `stream(request, CallMeta, sink)`, and fold the deltas (`Turn`
//! does it): text and thinking as they come; on `Delta::Restart` drop everything of this call
//! received so far; act on tool calls only after `Delta::Done` (a later Restart can still
//! discard them). The stream ends after `Done` or with the final error; the sink gets one
//! `ProviderError` per failed attempt and one `Usage` per completed call, the latter only
//! after the caller has taken `Done` (so flush transcript coalescing on `Done`).
//!
//! Layers: a `Provider` makes one attempt (one HTTP request or one cassette turn); the
//! `ResilientClient` wraps an agent's profile chain with retries, fallback and usage events.
//! OpenAI's Responses API is one more `http::Wire` implementation (`openai_responses`) and one
//! more `ProviderKind`; nothing above the wire changes.

pub mod anthropic;
pub mod breaker;
pub mod cassette;
pub mod error;
pub mod explain;
pub mod gemini;
pub mod gemini_schema;
pub(crate) mod http;
pub mod openai;
pub(crate) mod openai_responses;
pub(crate) mod openai_responses_parse;
pub mod ping;
pub mod pricing;
pub mod resilient;
pub mod retry;
pub mod scripted;
pub mod settings;
pub mod sse;
pub mod turn;
pub mod types;

pub use breaker::{BreakerConfig, Breakers};
pub use cassette::{
    cassette_from_events, cassette_to_jsonl, parse_cassette, read_cassette, write_cassette,
    CassetteTurn,
};
pub use error::ProviderError;
pub use explain::advice;
pub use ping::{ping, PingReport};
pub use pricing::{ModelPrice, PriceTable};
pub use resilient::ResilientClient;
pub use retry::RetryPolicy;
pub use scripted::{ScriptedProvider, ANY_TASK};
pub use settings::{default_context_tokens, ApiKey, ProviderKind, ProviderSettings};
pub use sse::{SseDecoder, SseEvent};
pub use turn::Turn;
pub use types::{
    CallMeta, ChatRequest, Completion, Delta, Message, StopReason, TokenUsage, ToolCall, ToolSpec,
};

use futures::Stream;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;

/// A streamed answer. It ends after `Delta::Done` or with an `Err`; nothing follows either.
pub type DeltaStream = Pin<Box<dyn Stream<Item = Result<Delta, ProviderError>> + Send>>;

/// One way of asking a model: a single attempt, no retries (see `ResilientClient`).
pub trait Provider: Send + Sync + fmt::Debug {
    /// The profile this provider was made from.
    fn settings(&self) -> &ProviderSettings;

    /// Starts one call. Nothing happens until the stream is polled, and dropping the stream
    /// cancels the call (the connection is closed). A stream that ends without `Done` is a
    /// failed attempt.
    fn stream(&self, req: &ChatRequest, meta: &CallMeta) -> DeltaStream;
}

/// Builds the provider a profile describes. Fails on what no retry can fix (an
/// openai-compatible profile without base_url, a scripted one without a readable cassette);
/// a missing key is reported per call instead, since keys are read at call time.
pub fn connect(settings: ProviderSettings) -> Result<Arc<dyn Provider>, ProviderError> {
    use http::HttpProvider;
    Ok(match settings.kind {
        ProviderKind::Openai | ProviderKind::OpenaiCompatible => {
            Arc::new(HttpProvider::new(settings, openai::OpenAiWire)?)
        }
        ProviderKind::Anthropic => Arc::new(HttpProvider::new(settings, anthropic::AnthropicWire)?),
        ProviderKind::Gemini => Arc::new(HttpProvider::new(settings, gemini::GeminiWire)?),
        ProviderKind::OpenaiResponses => Arc::new(HttpProvider::new(
            settings,
            openai_responses::ResponsesWire,
        )?),
        ProviderKind::Scripted => Arc::new(ScriptedProvider::open(settings)?),
    })
}
