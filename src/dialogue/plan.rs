//! The plan of an answer: which of the retrieved facts answer the question, decided by
//! retrieval (`ScoredFact::asked`: what the question wants against what each value is, and
//! the question's words against the facts' own words) before anything is generated. The
//! model is shown only these, the guard checks against them and the fallback words them;
//! fewer, sharper facts are what a small model copies well.

use crate::knowledge::Retrieval;

/// Facts one answer states at most.
const MAX_PLANNED: usize = 3;

/// The facts that answer `retrieval`'s question, as a retrieval of their own (numbered from
/// 1 in the prompt and in citations); none when the bot must say it does not know.
pub fn plan(retrieval: &Retrieval, _question: &str) -> Retrieval {
    Retrieval {
        linked: retrieval.linked.clone(),
        facts: retrieval
            .facts
            .iter()
            .filter(|f| f.asked)
            .take(MAX_PLANNED)
            .cloned()
            .collect(),
        wants: retrieval.wants.clone(),
        missing: retrieval.missing.clone(),
        asks: retrieval.asks.clone(),
    }
}
