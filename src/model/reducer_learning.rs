//! The reducer's part for what the run learns and is told to keep: work detected, lessons,
//! adaptations of its settings, and the sticky command rules in force.
//!
//! Owns `findings`, `lessons`, `adaptations`, `rules` and the lesson counters of the KPIs.
//! Must not touch tasks or agents. Pure, like the rest of the reducer.

use super::event::*;
use super::reducer::Folded;
use super::state::*;

pub(super) fn fold(s: &mut RunState, e: &Event) -> Folded {
    match &e.kind {
        EventKind::WorkDetected { findings } => s.findings.extend(findings.iter().cloned()),
        EventKind::Lesson {
            text,
            source,
            persisted,
        } => {
            s.lessons.push(LessonRecord {
                text: text.clone(),
                source: source.clone(),
                seq: e.seq,
            });
            s.kpi_counters.lessons += 1;
            if *persisted {
                s.kpi_counters.lessons_persisted += 1;
            }
        }
        EventKind::Adapted {
            what,
            from,
            to,
            why,
        } => s.adaptations.push(AdaptationRecord {
            what: what.clone(),
            from: *from,
            to: *to,
            why: why.clone(),
            seq: e.seq,
        }),
        EventKind::RulesInForce { rules } => s.rules = rules.clone(),
        EventKind::RuleSaved { rule, .. } => {
            s.rules.retain(|r| r.id != rule.id);
            s.rules.push(rule.clone());
        }
        EventKind::RuleRemoved { id } => s.rules.retain(|r| &r.id != id),
        _ => {}
    }
    Some(())
}
