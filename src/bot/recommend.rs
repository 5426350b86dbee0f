//! Recommendations: entities of the recommendable kinds, ranked by the member's words, else
//! by what members who asked about the same things also asked about (collaborative
//! filtering over the log), else by popularity; each with its summary cited.

use minijinja::context;

use crate::analytics::recommend::{Interactions, Recommender};
use crate::dialogue::{CitationOut, Fallback};
use crate::engagement::Speaker;
use crate::knowledge::{Entity, FactKind, Graph, Route};
use crate::text::{normalize, terms};

use super::core::Bot;
use super::reply::{Reply, Timings};

impl Bot {
    /// A grounded recommendation among entities of recommendable kinds, each with its
    /// summary cited: ranked by how often the member's words occur in their facts; when the
    /// words match none, by what members who asked about the same things also asked about
    /// (collaborative filtering over the log), or by popularity for a member new to the log.
    pub(super) fn recommend(
        &self,
        text: &str,
        intent: Option<String>,
        confidence: f32,
        g: &Graph,
        zh: bool,
        who: &Speaker,
    ) -> Reply {
        let kinds = &self.opts.recommend_kinds;
        let asked = terms(&normalize(text));
        let named: Vec<String> = g.link(&normalize(text)).into_iter().map(|l| l.id).collect();
        let mut candidates: Vec<(usize, usize, &Entity)> = Vec::new();
        for (order, e) in g.entities().enumerate() {
            if !kinds.contains(&e.kind) || named.contains(&e.id) {
                continue;
            }
            let mut text = e.summary.clone().unwrap_or_default();
            for a in &e.attrs {
                text.push_str(&format!(" {} {}", a.key, a.value));
            }
            let words = terms(&normalize(&text));
            // How often the member's words occur: "dark roast" prefers the dark roast to
            // a medium-dark one that mentions "dark" once.
            let score = asked
                .iter()
                .map(|t| words.iter().filter(|w| *w == t).count())
                .sum::<usize>();
            candidates.push((score, order, e));
        }
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut intro = self.prompts.reply("recommend", zh, context! {});
        if candidates.iter().all(|c| c.0 == 0) {
            if let Some((order, line)) = self.collaborative(&candidates, who, g, zh) {
                candidates.sort_by_key(|c| {
                    order
                        .iter()
                        .position(|id| *id == c.2.id)
                        .unwrap_or(usize::MAX)
                });
                intro = line;
            }
        }
        let mut lines = vec![intro];
        let mut citations = Vec::new();
        for (_, _, e) in candidates.into_iter().take(3) {
            let facts = g.facts_of(&e.id);
            let summary = facts
                .iter()
                .find(|f| f.kind == FactKind::Summary)
                .or(facts.first());
            if let Some(f) = summary {
                let id = citations.len() + 1;
                lines.push(format!("• {} [{id}]", f.text));
                citations.push(CitationOut {
                    id,
                    source: f.source.to_string(),
                    fact: f.text.clone(),
                });
            }
        }
        let answered = !citations.is_empty();
        Reply {
            intent,
            route: Route::Recommend.to_string(),
            confidence,
            reply: if answered {
                lines.join("\n")
            } else {
                self.prompts.reply("unknown", zh, context! {})
            },
            answered,
            grounded: true,
            fallback: if answered {
                Fallback::None
            } else {
                Fallback::Unknown
            },
            citations,
            flagged: None,
            timings_ms: Timings::default(),
            entities: Vec::new(),
            images: Vec::new(),
            forwards: Vec::new(),
            sanctions: Vec::new(),
            buttons: Vec::new(),
        }
    }

    /// Candidates in collaborative-filtering order and the one-line reason, or `None` when
    /// the log has nothing to go on.
    fn collaborative(
        &self,
        candidates: &[(usize, usize, &Entity)],
        who: &Speaker,
        g: &Graph,
        zh: bool,
    ) -> Option<(Vec<String>, String)> {
        let data = match self.log.interactions() {
            Ok(pairs) => Interactions::from_pairs(pairs),
            Err(e) => {
                tracing::error!(error = %crate::text::chain(&e), "recommend: interactions not read");
                return None;
            }
        };
        if data.by_member.is_empty() {
            return None;
        }
        let history = data.history(&who.member);
        let ids: Vec<String> = candidates.iter().map(|c| c.2.id.clone()).collect();
        let picks = Recommender::train(&data).recommend(&history, &ids, 3);
        let first = picks.first()?;
        let line = match first.because_of.as_deref().and_then(|id| g.entity(id)) {
            Some(e) => {
                self.prompts
                    .reply("recommend_similar", zh, context! { name => e.name.clone() })
            }
            None => self.prompts.reply("recommend_popular", zh, context! {}),
        };
        Some((picks.into_iter().map(|p| p.entity).collect(), line))
    }
}
