//! The answer's plan among judged candidates: which facts answer the question, by how
//! strongly each answers and how much of what the question asks beyond the linked names it
//! says ([`Coverage`]); and, when nothing answers, which of the question's words the pack
//! lacks for it (why the bot says it does not know).

use super::candidate::Candidate;
use super::graph::{FactKind, Graph};
use super::lexical::Hit;
use super::score::{absent, is_a_key, Fit, Judged, Question};
use super::words::{terms_of, Term};
use crate::text::{normalize, terms};

/// A candidate that says less than this share of what the question asks beyond the linked
/// names does not answer it ("the world border" is not "the world boss spawn").
const MIN_EXTRA: f32 = 0.4;

/// What the question asks beyond the names it links, and how much of it each candidate
/// says.
pub(super) struct Coverage {
    /// Per topic word: a salient word the linked entities' names, kinds and summaries do
    /// not already say.
    asks: Vec<bool>,
    /// Per topic word: its weight.
    weight: Vec<f32>,
    /// Per topic word: the pack has it nowhere, even in other words.
    absent: Vec<bool>,
    /// Per topic word: it is a kind of fact (a key or relation) somewhere in the pack.
    key: Vec<bool>,
    total: f32,
}

impl Coverage {
    pub(super) fn new(
        g: &Graph,
        q: &Question,
        candidates: &[Candidate],
        linked: &[(String, Option<String>)],
    ) -> Coverage {
        let lex = g.lexicon();
        // As in `Question::drop_named`, with the entity's kind.
        let mut names = Vec::new();
        let mut kinds: Vec<Term> = Vec::new();
        for (id, alias) in linked {
            if let Some(e) = g.entity(id) {
                names.push(super::naming::Naming::of(g, e, alias.as_deref()));
                kinds.extend(terms_of(lex, &e.kind));
            }
        }
        let summaries: Vec<&Judged> = candidates
            .iter()
            .filter(|c| c.fact.kind == FactKind::Summary && c.from < linked.len())
            .map(|c| &c.judged)
            .collect();
        let mut asks = Vec::with_capacity(q.topic.len());
        let mut weight = Vec::with_capacity(q.topic.len());
        let mut gone = Vec::with_capacity(q.topic.len());
        let mut key = Vec::with_capacity(q.topic.len());
        for (i, t) in q.topic.iter().enumerate() {
            let named = names.iter().any(|n| n.names(lex, t))
                || kinds.iter().any(|k| super::score::names_word(lex, t, k))
                || summaries
                    .iter()
                    .any(|j| j.covers.get(i).copied().unwrap_or(false));
            // A word that is a kind of fact in this pack asks for it even when the
            // dictionary reads it first as a verb or adjective ("pass mark" → `pass_mark`).
            let a_key = is_a_key(g, t) && !super::words::is_general(t);
            // Words that say the kind of answer, not the topic ("weekdays" of a "when").
            let kind_word = q.asked.wants.first().is_some_and(|w| w.says_kind(&t.text));
            let named = named || kind_word;
            let a = t.salient && absent(g, t);
            let asker = super::asker::is_asker(t) && absent(g, t);
            asks.push((t.salient || a_key) && !named && !asker);
            weight.push(q.weight[i]);
            gone.push(a);
            key.push((t.salient || a_key) && is_a_key(g, t));
        }
        let total = (0..asks.len())
            .filter(|&i| asks[i])
            .map(|i| weight[i])
            .sum();
        Coverage {
            asks,
            weight,
            absent: gone,
            key,
            total,
        }
    }

    /// The words the question asks beyond its names, as the member wrote them.
    pub(super) fn asked_words(&self, q: &Question) -> Vec<String> {
        (0..self.asks.len())
            .filter(|&i| self.asks[i])
            .filter_map(|i| q.topic.get(i).map(|t| t.text.clone()))
            .collect()
    }

    /// Does the question ask anything beyond its names?
    pub(super) fn asks_more(&self) -> bool {
        self.total > 0.0
    }

    /// The weighted share of what the question asks beyond its names that `j` says (1 when
    /// it asks nothing more).
    pub(super) fn extra(&self, j: &Judged) -> f32 {
        if self.total <= 0.0 {
            return 1.0;
        }
        let said: f32 = (0..self.asks.len())
            .filter(|&i| self.asks[i] && j.covers.get(i).copied().unwrap_or(false))
            .map(|i| self.weight[i])
            .sum();
        said / self.total
    }

    /// Words asked beyond the names that `j` does not say and that tell the bot it does
    /// not know: the pack has them nowhere, or they are a kind of fact the pack has.
    fn telling_gaps(&self, j: &Judged) -> bool {
        (0..self.asks.len()).any(|i| {
            self.asks[i]
                && !j.covers.get(i).copied().unwrap_or(false)
                && (self.absent[i] || self.key[i])
        })
    }
}

/// How strongly a passage answers: its title asks what the question asks (most of the
/// question's words are in it, or its own words name the topic).
pub(super) fn passage_strength(
    q: &Question,
    fact: &super::graph::Fact,
    j: &Judged,
    hit: &Hit,
) -> f32 {
    if fact.kind != FactKind::Passage || j.fit == Some(Fit::No) {
        return 0.0;
    }
    let title = fact.text.split(" — ").next().unwrap_or_default();
    let title_terms = terms(&normalize(title));
    let asked = terms(&q.norm);
    let said = asked.iter().filter(|t| title_terms.contains(t)).count();
    let title_asks = !asked.is_empty() && said * 5 >= asked.len() * 4;
    if title_asks {
        return 2.5 + hit.coverage;
    }
    if j.named >= 0.75 && j.words >= 0.6 {
        return 1.2 + j.words;
    }
    0.0
}

/// The plan among the candidates: per linked entity its answers that say what is asked
/// beyond the names (the strongest, and up to three as strong: the bot states each with
/// its label rather than guess), or, when the question asks nothing beyond the names or
/// only one fact has the wanted type and nothing asked is missing, that fact; an FAQ
/// passage instead when it answers better; for "tell me about X", X's best fact.
pub(super) fn choose(
    candidates: &[Candidate],
    q: &Question,
    cov: &Coverage,
    linked: usize,
    g: &Graph,
) -> Vec<usize> {
    let lex = g.lexicon();
    let rank_of = |c: &Candidate| c.strength + 3.0 * cov.extra(&c.judged);
    // Yes/no values are everywhere ("lid must be closed: true"): one answers a yes/no
    // question only when its words say what is asked, never by its type alone.
    let yes_no = q.asked.first() == Some(super::wants::Want::YesNo);
    // "can I pay cash?" asks money and yes/no: a yes/no value is exact by its type alone
    // there too, so it answers only by its words ("open to public: yes" does not).
    let yes_no_value = |c: &Candidate| {
        q.asked.wants.contains(&super::wants::Want::YesNo)
            && c.fact.typed.is(super::value::ValueType::YesNo)
    };
    // A yes/no question answered by a value that is not yes or no must say nearly all it
    // asks ("do you run swimming lessons for adults?" is not "adult price").
    let min_extra = |c: &Candidate| {
        if yes_no && c.judged.fit != Some(Fit::Exact) {
            0.7
        } else {
            MIN_EXTRA
        }
    };
    let mut chosen: Vec<usize> = Vec::new();
    let best_passage = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.fact.kind == FactKind::Passage
                && c.strength > 0.0
                && (c.strength >= 2.5 || cov.extra(&c.judged) >= MIN_EXTRA)
        })
        .max_by(|a, b| rank_of(a.1).total_cmp(&rank_of(b.1)));
    let mut best_entity: f32 = 0.0;
    for rank in 0..linked {
        let mine: Vec<(usize, &Candidate)> = candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.from == rank && c.strength > 0.0 && c.fact.kind != FactKind::Passage)
            .collect();
        let exact: Vec<&(usize, &Candidate)> = mine
            .iter()
            .filter(|(_, c)| c.judged.fit == Some(Fit::Exact))
            .collect();
        // "what *time* …", "*height* limit": a fact whose key is the question's own measure
        // word and whose value is of the wanted kind leaves no room for a second reading.
        let measure_named: Vec<usize> = exact
            .iter()
            .filter(|(_, c)| c.judged.form_named && c.via == "entity")
            .map(|(i, _)| *i)
            .collect();
        let own_measure = !measure_named.is_empty();
        // A neighbour's fact of a second-reading kind does not answer for the entity named
        // when that entity has facts of the kind asked: "when can I do *lengths* at the
        // pool?" is not the lessons' "term length: 12 weeks".
        let own_exact = exact.iter().any(|(_, c)| c.via == "entity");
        let eligible: Vec<(usize, f32)> = mine
            .iter()
            .filter(|(_, c)| !own_measure || c.judged.fit != Some(Fit::Weak) || c.judged.form_named)
            .filter(|(_, c)| !(own_exact && c.via != "entity" && c.judged.fit == Some(Fit::Weak)))
            .filter(|(_, c)| {
                cov.extra(&c.judged) >= min_extra(c)
                    || (exact.len() == 1
                        && !yes_no
                        && c.judged.fit == Some(Fit::Exact)
                        && c.via == "entity"
                        && !yes_no_value(c)
                        && !cov.telling_gaps(&c.judged))
            })
            .map(|(i, c)| (*i, rank_of(c)))
            .collect();
        let Some(top) = eligible.iter().map(|e| e.1).reduce(f32::max) else {
            continue;
        };
        best_entity = best_entity.max(top);
        let mut ties: Vec<(usize, f32)> =
            eligible.into_iter().filter(|e| e.1 >= top - 0.05).collect();
        ties.sort_by(|a, b| b.1.total_cmp(&a.1));
        chosen.extend(ties.iter().take(3).map(|e| e.0));
    }
    // An FAQ whose title does not ask this, reached by a word or two, does not beat a fact
    // of the kind asked about the entity named ("when do you *run* the wood shop
    // induction?" is its schedule, not "can I leave the laser *running*?").
    let exact_chosen = chosen
        .iter()
        .any(|&i| candidates[i].judged.fit == Some(Fit::Exact) && !yes_no);
    if let Some((i, p)) = best_passage {
        let outranked = exact_chosen && p.strength < 2.5 && p.judged.fit != Some(Fit::Exact);
        if (rank_of(p) > best_entity && !outranked) || chosen.is_empty() {
            return vec![i];
        }
    }
    if chosen.is_empty() && q.asked.wants.is_empty() && q.asked.measured.is_none() {
        if !cov.asks_more() && !asks_which_thing(q, lex) {
            // "tell me about X", "what is X?": the entity's best fact (its summary first);
            // but "what are the quiet hours?" is the attribute the entity is also called by
            // (`quiet_time` of "Quiet Hours", alias "quiet time").
            let own = |c: &Candidate| c.from == 0 && c.via == "entity";
            let called_by = candidates
                .iter()
                .position(|c| own(c) && key_names_subject(g, c));
            let best = || {
                candidates
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| own(c))
                    .max_by(|a, b| a.1.score.total_cmp(&b.1.score))
                    .map(|(i, _)| i)
            };
            chosen.extend(called_by.or_else(best));
        } else if let Some((i, _)) = candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.via == "lexical" || (c.fact.kind == FactKind::Summary && c.judged.words >= 0.6)
            })
            .max_by(|a, b| a.1.score.total_cmp(&b.1.score))
        {
            if cov.extra(&candidates[i].judged) >= MIN_EXTRA {
                chosen.push(i);
            }
        }
    }
    chosen.truncate(3);
    chosen
}

/// Is the candidate an attribute whose key is one of its subject's names, word for word
/// (`quiet_time` of an entity also called "quiet time")?
fn key_names_subject(g: &Graph, c: &Candidate) -> bool {
    let FactKind::Attr(key) = &c.fact.kind else {
        return false;
    };
    let Some(e) = c.fact.about.first().and_then(|id| g.entity(id)) else {
        return false;
    };
    let key = normalize(&key.replace(['_', '-'], " "));
    std::iter::once(&e.name)
        .chain(&e.aliases)
        .any(|n| normalize(n) == key)
}

/// "*What beds* are there in Birch Lodge?", "*which field* are the pitches in?": the question
/// asks for a thing of its own kind, so the entity's summary is no answer even when a name
/// took the word ("2 bed lodge"); "what is Birch Lodge?" and "what are the quiet hours?"
/// still get it.
fn asks_which_thing(q: &Question, lex: &crate::lexicon::Lexicon) -> bool {
    let mut words = q.norm.split(' ');
    let (Some(first), Some(second)) = (words.next(), words.next()) else {
        return false;
    };
    matches!(first, "what" | "which")
        && !matches!(
            second,
            "kind" | "sort" | "type" | "sorts" | "kinds" | "types"
        )
        && super::words::latin(lex, second).salient
}

/// Why there is no plan: the words asked beyond the names that no candidate says, when
/// nothing was chosen; and a chosen plan is dropped when the question asks, beyond the
/// names, for something the pack has nowhere that the plan does not say ("pilates").
pub(super) fn missing_topic(
    q: &Question,
    candidates: &[Candidate],
    chosen: &[usize],
    cov: &Coverage,
) -> Vec<String> {
    let said = |i: usize| {
        chosen
            .iter()
            .any(|&c| candidates[c].judged.covers.get(i).copied().unwrap_or(false))
    };
    let gaps: Vec<usize> = (0..q.topic.len())
        .filter(|&i| cov.asks[i] && !said(i))
        .collect();
    if chosen.is_empty() {
        return gaps.iter().map(|&i| q.topic[i].text.clone()).collect();
    }
    let absent_weight: f32 = gaps
        .iter()
        .filter(|&&i| cov.absent[i])
        .map(|&i| cov.weight[i])
        .sum();
    if cov.total > 0.0 && absent_weight / cov.total >= 0.6 {
        return gaps
            .iter()
            .filter(|&&i| cov.absent[i])
            .map(|&i| q.topic[i].text.clone())
            .collect();
    }
    Vec::new()
}
