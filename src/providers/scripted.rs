//! The offline provider: replays a cassette, turn by turn per agent.
//!
//! Owns `ScriptedProvider`, what `conclave demo` and most tests talk to. Each call serves the
//! calling agent's next turn, streaming its thinking and text in small pieces, then its tool
//! calls, then `Done`. A task the cassette has no turns for (one a person added to the plan)
//! gets the agent's stand-in turns (`"task": "*"`), `{task}` filled in. An agent with no turn
//! left gets a clear error. Must not touch the network.

use super::cassette::{read_cassette, CassetteTurn};
use super::error::ProviderError;
use super::settings::ProviderSettings;
use super::types::{CallMeta, ChatRequest, Completion, Delta};
use super::{DeltaStream, Provider};
use futures::stream::{self, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Characters per streamed piece: small enough that the screen shows text arriving.
const PIECE_CHARS: usize = 24;

#[derive(Debug)]
pub struct ScriptedProvider {
    settings: ProviderSettings,
    origin: String,
    queues: Mutex<Queues>,
}

#[derive(Debug, Default)]
struct Queues {
    turns: HashMap<String, VecDeque<CassetteTurn>>,
    served: HashMap<String, usize>,
    /// Per agent, the turns any task without turns of its own gets a copy of.
    stand_ins: HashMap<String, Vec<CassetteTurn>>,
}

/// The `task` of a stand-in turn.
pub const ANY_TASK: &str = "*";

impl ScriptedProvider {
    /// Loads the cassette named in the profile.
    pub fn open(settings: ProviderSettings) -> Result<Self, ProviderError> {
        let path = settings
            .cassette
            .clone()
            .ok_or_else(|| ProviderError::Config {
                profile: settings.name.clone(),
                message: "a scripted profile needs `cassette` (a JSONL file of recorded turns)"
                    .into(),
            })?;
        let turns = read_cassette(&path)?;
        Ok(Self::from_turns(
            settings,
            path.display().to_string(),
            turns,
        ))
    }

    /// Serves the given turns; `origin` names them in errors.
    pub fn from_turns(
        settings: ProviderSettings,
        origin: impl Into<String>,
        mut turns: Vec<CassetteTurn>,
    ) -> Self {
        // Stable: turns with equal numbers cannot occur (the reader refuses them).
        turns.sort_by_key(|t| t.turn);
        let mut q = Queues::default();
        for t in turns {
            if t.task.as_deref() == Some(ANY_TASK) {
                q.stand_ins.entry(t.agent.clone()).or_default().push(t);
                continue;
            }
            q.turns
                .entry(queue_key(&t.agent, t.task.as_deref()))
                .or_default()
                .push_back(t);
        }
        ScriptedProvider {
            settings,
            origin: origin.into(),
            queues: Mutex::new(q),
        }
    }

    /// Skips an agent's first `n` turns (a resumed run already consumed them).
    pub fn skip(&self, agent: &str, n: usize) {
        let mut q = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        let Queues { turns, served, .. } = &mut *q;
        if let Some(queue) = turns.get_mut(agent) {
            let k = n.min(queue.len());
            queue.drain(..k);
            *served.entry(agent.to_string()).or_insert(0) += k;
        }
    }

    /// Skips the first `n` turns recorded for this agent on this task (a resumed run already
    /// consumed them).
    pub fn skip_task(&self, agent: &str, task: &str, n: usize) {
        let mut q = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        let queue = q.stand_ins_for(agent, task);
        if let Some(queue) = queue {
            let k = n.min(queue.len());
            queue.drain(..k);
        }
    }

    /// The agent's next turn: one recorded for the task it works on if the cassette has
    /// such turns (so parallel tasks replay the same whatever order they run in), else the
    /// agent's next turn without a task.
    fn next_turn(&self, agent: &str, task: Option<&str>) -> Result<CassetteTurn, ProviderError> {
        let mut q = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = task {
            q.stand_ins_for(agent, t);
        }
        let Queues { turns, served, .. } = &mut *q;
        let count = served.entry(agent.to_string()).or_insert(0);
        let task_key = queue_key(agent, task);
        let key = if task.is_some() && turns.get(&task_key).is_some_and(|q| !q.is_empty()) {
            task_key
        } else {
            agent.to_string()
        };
        match turns.get_mut(&key).and_then(VecDeque::pop_front) {
            Some(t) => {
                *count += 1;
                Ok(t)
            }
            None => Err(ProviderError::CassetteExhausted {
                path: self.origin.clone(),
                agent: agent.to_string(),
                served: *count,
            }),
        }
    }
}

impl Queues {
    /// The queue of `agent`'s turns on `task`; made from its stand-ins the first time a task
    /// the cassette has no turns for asks.
    fn stand_ins_for(&mut self, agent: &str, task: &str) -> Option<&mut VecDeque<CassetteTurn>> {
        let key = queue_key(agent, Some(task));
        if !self.turns.contains_key(&key) {
            let stand_ins = self.stand_ins.get(agent)?;
            let filled = stand_ins.iter().map(|t| fill_task(t, task)).collect();
            self.turns.insert(key.clone(), filled);
        }
        self.turns.get_mut(&key)
    }
}

/// A stand-in turn for `task`: `{task}` replaced in its text and its tool calls' strings.
fn fill_task(t: &CassetteTurn, task: &str) -> CassetteTurn {
    fn fill(v: &mut serde_json::Value, task: &str) {
        match v {
            serde_json::Value::String(s) => *s = s.replace("{task}", task),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| fill(x, task)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|x| fill(x, task)),
            _ => {}
        }
    }
    let mut t = t.clone();
    t.task = Some(task.to_string());
    t.text = t.text.replace("{task}", task);
    t.thinking = t.thinking.replace("{task}", task);
    for call in &mut t.tool_calls {
        fill(&mut call.args, task);
    }
    t
}

impl Provider for ScriptedProvider {
    fn settings(&self) -> &ProviderSettings {
        &self.settings
    }

    fn stream(&self, _req: &ChatRequest, meta: &CallMeta) -> DeltaStream {
        let turn = match self.next_turn(&meta.agent, meta.task.as_deref()) {
            Ok(t) => t,
            Err(e) => return stream::once(async move { Err(e) }).boxed(),
        };
        let deltas = turn_deltas(turn, &self.settings.model);
        let pace = self.settings.pace;
        if pace.is_zero() {
            return stream::iter(deltas.into_iter().map(Ok)).boxed();
        }
        // Paced like a model: a pause to "think" before the first piece, then one piece per
        // `pace`, so a person can watch the text arrive.
        stream::iter(deltas.into_iter().enumerate())
            .then(move |(i, d)| async move {
                tokio::time::sleep(if i == 0 { pace * 10 } else { pace }).await;
                Ok(d)
            })
            .boxed()
    }
}

fn queue_key(agent: &str, task: Option<&str>) -> String {
    match task {
        Some(t) => format!("{agent}\u{1f}{t}"),
        None => agent.to_string(),
    }
}

/// The deltas a recorded turn streams as: thinking, text, tool calls, done.
pub fn turn_deltas(turn: CassetteTurn, default_model: &str) -> Vec<Delta> {
    let stop = turn.stop_reason();
    let mut out: Vec<Delta> = pieces(&turn.thinking).map(Delta::thinking).collect();
    out.extend(pieces(&turn.text).map(Delta::text));
    out.extend(
        turn.tool_calls
            .into_iter()
            .map(|call| Delta::ToolCall { call }),
    );
    out.push(Delta::Done {
        completion: Completion {
            stop,
            usage: turn.usage,
            provider: String::new(),
            model: turn.model.unwrap_or_else(|| default_model.to_string()),
            ms: 0,
            text_signature: None,
            reasoning: Vec::new(),
        },
    });
    out
}

/// Splits text into pieces of at most `PIECE_CHARS` characters, on character boundaries.
fn pieces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = rest
            .char_indices()
            .nth(PIECE_CHARS)
            .map_or(rest.len(), |(i, _)| i);
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_respect_char_boundaries() {
        let s = "é".repeat(50) + "🦀";
        let p: Vec<&str> = pieces(&s).collect();
        assert_eq!(p.concat(), s);
        assert!(p.iter().all(|x| x.chars().count() <= PIECE_CHARS));
        assert_eq!(pieces("").count(), 0);
    }
}
