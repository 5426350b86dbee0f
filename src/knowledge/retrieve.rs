//! Retrieval and the answer's plan: from a question (and the entities of the conversation
//! so far) to a ranked, budgeted set of facts, each with its score and why it was picked,
//! and which of them answer the question (`asked`). A fact answers when its value's type is
//! what the question wants or its own words (key, relation, kind, title) say what the
//! question asks, through general lexical knowledge — never through words a pack must
//! declare (`[[attribute]] words` still count when a pack has them). A question whose topic
//! the pack lacks, or asks of an entity something it does not have, gets no plan: the bot
//! says it does not know.

use std::collections::HashMap;

use serde::Serialize;

use super::candidate::{declared_covers, fact_terms, key_terms, strength, Candidate};
use super::choose::{choose, missing_topic, passage_strength, Coverage};
use super::graph::{Fact, FactKind, Graph};
use super::lexical::Hit;
use super::named::{asked_person, more_specific, partly_named};
use super::owners::{lone_owners, LONE_ATTRIBUTE_OWNERS};
use super::score::{judge, Fit, Question};
use super::words::Term;
use crate::text::{normalize, terms};

/// How much to retrieve.
#[derive(Clone, Debug)]
pub struct RetrieveOptions {
    /// Facts handed to the model at most: fewer, sharper facts help a small model.
    pub max_facts: usize,
    /// Characters of fact text at most.
    pub max_chars: usize,
    /// Share of the question's weight a passage must match to count as relevant.
    pub min_coverage: f32,
}

impl Default for RetrieveOptions {
    fn default() -> Self {
        RetrieveOptions {
            max_facts: 6,
            max_chars: 1200,
            min_coverage: 0.5,
        }
    }
}

/// An entity linked in the question, or carried over from the conversation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkedEntity {
    pub id: String,
    pub name: String,
    /// The alias that matched, or `None` when it came from the previous turn (or from the
    /// attribute or partial name the question gave).
    pub alias: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoredFact {
    pub score: f32,
    pub source: String,
    pub text: String,
    /// Why it was picked: `entity`, `neighbour`, `passage`, `lexical`.
    pub via: &'static str,
    /// The plan: this fact answers the question (an answer that does not state it does
    /// not answer).
    pub asked: bool,
    /// How its value's type fits what the question wants (none: it wants nothing in
    /// particular).
    pub fit: Option<Fit>,
    /// The type of its value.
    #[serde(rename = "type")]
    pub value_type: &'static str,
    /// The question's words it says.
    pub matched: Vec<String>,
    /// Entity ids the fact is about.
    #[serde(skip)]
    pub about: Vec<String>,
    /// A passage (its text is "question — answer").
    #[serde(skip)]
    pub passage: bool,
    /// What kind of fact (attribute with its key, relation with its name, …).
    #[serde(skip)]
    pub kind: FactKind,
    /// What it says of its subject (see [`Fact::value`]).
    #[serde(skip)]
    pub value: String,
}

impl ScoredFact {
    pub fn new(fact: Fact, score: f32, via: &'static str, asked: bool) -> ScoredFact {
        ScoredFact {
            score,
            source: fact.source.to_string(),
            text: fact.text,
            via,
            asked,
            fit: None,
            value_type: if matches!(fact.kind, FactKind::Attr(_)) {
                fact.typed.primary().as_str()
            } else {
                "text"
            },
            matched: Vec::new(),
            passage: fact.kind == FactKind::Passage,
            about: fact.about,
            kind: fact.kind,
            value: fact.value,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Retrieval {
    pub linked: Vec<LinkedEntity>,
    pub facts: Vec<ScoredFact>,
    /// What the question wants ("money", "duration", …), strongest first.
    pub wants: Vec<&'static str>,
    /// Topic words nothing in the pack answers for the linked entity: why there is no plan.
    pub missing: Vec<String>,
    /// The question's words beyond the names it links: what a fact must say to answer.
    pub asks: Vec<String>,
}

impl Retrieval {
    /// Something relevant was found: the bot can answer from it.
    pub fn found(&self) -> bool {
        !self.facts.is_empty()
    }

    /// Ids of the entities this retrieval is about (the linked ones).
    pub fn entity_ids(&self) -> Vec<String> {
        self.linked.iter().map(|l| l.id.clone()).collect()
    }
}

/// Does the normalised question say `phrase` (a declared word: "how much water", "容量")?
/// Latin phrases match on word boundaries (and a plural), Chinese ones anywhere.
fn says(norm_question: &str, phrase: &str) -> bool {
    let p = normalize(phrase);
    if p.is_empty() {
        return false;
    }
    if p.chars().any(crate::text::is_cjk) {
        return norm_question.contains(&p);
    }
    let q = format!(" {norm_question} ");
    q.contains(&format!(" {p} "))
        || q.contains(&format!(" {p}s "))
        || q.contains(&format!(" {p}es "))
}

/// Words that refer back to what was just discussed.
fn is_follow_up(words: &[&str], norm: &str) -> bool {
    const EN: &[&str] = &[
        "it", "its", "that", "this", "those", "these", "they", "them", "one", "and", "also", "same",
    ];
    const ZH: &[&str] = &["它", "这个", "那个", "这款", "那款", "还有", "那"];
    words.first().is_some_and(|w| *w == "and")
        || words.iter().any(|w| EN.contains(w))
        || ZH.iter().any(|z| norm.contains(z))
}

/// Retrieve facts for `question`. `context` holds entity ids of the previous turn, used when
/// the question names none ("and how big is the bag?").
pub fn retrieve(
    g: &Graph,
    question: &str,
    context: &[String],
    opts: &RetrieveOptions,
) -> Retrieval {
    retrieve_with(g, question, context, opts, &|id| {
        g.neighbours(id).into_iter().map(|e| e.id.clone()).collect()
    })
}

/// The entities a retrieval may start from: those named in the question and the
/// conversation's subjects. A graph database is asked for their neighbours up front.
pub fn subjects(g: &Graph, question: &str, context: &[String]) -> Vec<String> {
    let mut ids: Vec<String> = g
        .link(&normalize(question))
        .into_iter()
        .map(|l| l.id)
        .collect();
    for id in context {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids
}

/// [`retrieve`] with the neighbourhood from elsewhere (a graph database): `neighbours`
/// gives the ids one relation away from an entity, in any order.
pub fn retrieve_with(
    g: &Graph,
    question: &str,
    context: &[String],
    opts: &RetrieveOptions,
    neighbours: &dyn Fn(&str) -> Vec<String>,
) -> Retrieval {
    let (found, owners) = retrieve_from(g, question, context, opts, neighbours, &[]);
    // The entity named has nothing for what is asked, and that is a key only a few entities
    // of another kind have: "what's the speed limit round the site?" is the site rules'
    // speed limit. (A sibling of the one named never answers for it: the tandem's deposit
    // is not the hybrid's.)
    if found.facts.iter().any(|f| f.asked) || owners.is_empty() {
        return found;
    }
    let (again, _) = retrieve_from(g, question, context, opts, neighbours, &owners);
    if again.facts.iter().any(|f| f.asked) {
        again
    } else {
        found
    }
}

/// One retrieval, starting from `instead` rather than the entities the question names when
/// it is not empty; with the owners of a key the question asks beyond the names, when
/// nothing answers it.
fn retrieve_from(
    g: &Graph,
    question: &str,
    context: &[String],
    opts: &RetrieveOptions,
    neighbours: &dyn Fn(&str) -> Vec<String>,
    instead: &[String],
) -> (Retrieval, Vec<String>) {
    let q = Question::read(g, question);
    let raw_words: Vec<&str> = q.norm.split(' ').collect();
    let mut cache: HashMap<String, Vec<Term>> = HashMap::new();
    let norm = q.norm.clone();
    let declared = |key: &str| g.attribute_words(key).iter().any(|w| says(&norm, w));

    let mut linked: Vec<(String, Option<String>)> = q
        .links
        .iter()
        .map(|l| (l.id.clone(), Some(l.alias.clone())))
        .collect();
    let named_kinds: Vec<&str> = linked
        .iter()
        .filter_map(|(id, _)| g.entity(id).map(|e| e.kind.as_str()))
        .collect();
    // The previous turn's subject carries over only when the question reads as a follow-up
    // ("and how big is the bag?") or names one of its facts; "what's the weather in Paris?"
    // must not inherit the coffee.
    let mut from_context = false;
    if linked.is_empty() && !context.is_empty() {
        let follow_up = is_follow_up(&raw_words, &q.norm);
        for id in context {
            let Some(e) = g.entity(id) else { continue };
            let names_one = g.facts_of(&e.id).iter().any(|f| {
                let key = match &f.kind {
                    FactKind::Attr(k) => k.clone(),
                    FactKind::Relation { rel } => rel.clone(),
                    _ => return false,
                };
                if declared(&key) {
                    return true;
                }
                let kt = key_terms(g, &mut cache, &key).to_vec();
                let j = judge(g, &q, f, &kt, None);
                j.named >= 0.75 || (j.fit == Some(Fit::Exact) && q.asked.wants_measure())
            });
            if follow_up || names_one {
                linked.push((e.id.clone(), None));
            }
        }
        from_context = !linked.is_empty();
    }
    // Entities named in part ("my class pass" for "10-Class Pass").
    if linked.is_empty() {
        for id in partly_named(g, &q) {
            linked.push((id, None));
        }
    }
    if linked.is_empty() {
        for id in asked_person(g, &q) {
            linked.push((id, None));
        }
    }
    // A question that names nothing but asks an attribute only a few entities have ("what
    // are your opening hours?") is about those entities.
    if linked.is_empty() {
        let owners = lone_owners(g, &q, &mut cache, &declared, false);
        if !owners.is_empty() && owners.len() <= LONE_ATTRIBUTE_OWNERS {
            linked = owners.into_iter().map(|id| (id, None)).collect();
            from_context = true;
        }
    }

    // "the laser induction" names Laser Cutter Induction, not the laser it says first.
    for (id, alias) in linked.iter_mut() {
        if let Some(more) = alias.as_deref().and_then(|a| more_specific(g, &q, id, a)) {
            *id = more.id.clone();
            *alias = Some(more.name.clone());
        }
    }
    // Words the linked names already say ("apply" in "… (Householder Application)") are
    // not what is asked of them.
    let mut q = q;
    // Only names the question said outright: an entity named in part is named by the very
    // words that would be dropped ("can I return a bag?" → Return policy).
    q.drop_named(
        g,
        &linked
            .iter()
            .filter_map(|l| l.1.as_deref().map(|a| (l.0.as_str(), a)))
            .collect::<Vec<_>>(),
    );

    if !instead.is_empty() {
        linked = instead.iter().map(|id| (id.clone(), None)).collect();
        from_context = true;
    }

    let mut candidates: Vec<Candidate> = Vec::new();
    for (rank, (id, _)) in linked.iter().enumerate() {
        let base = 2.0 - 0.1 * rank.min(5) as f32;
        let mut own_best: f32 = 0.0;
        for fact in g.facts_of(id) {
            if fact.kind == FactKind::Passage && titled_for_another(g, &fact, id) {
                continue;
            }
            let (kt, other, dec) = fact_terms(g, &mut cache, &fact, id, &declared);
            let j = declared_covers(judge(g, &q, &fact, &kt, other), dec);
            let s = strength(&q, &fact, &j, dec, false);
            // A carried-over subject contributes only what the follow-up asks for.
            if from_context && s == 0.0 {
                continue;
            }
            own_best = own_best.max(s);
            let prior = match fact.kind {
                FactKind::Summary => 0.3,
                FactKind::Attr(_) => 0.0,
                FactKind::Relation { .. } => -0.6,
                FactKind::Passage => -0.2,
            };
            let score = base + prior + s + j.words;
            candidates.push(Candidate {
                fact,
                judged: j,
                score,
                via: "entity",
                from: rank,
                strength: s,
            });
        }
        // Two hops: the neighbours' facts, when the entity lacks what is asked ("the license
        // of the library behind the plugin", "where the beans in the blend come from").
        let mut near = neighbours(id);
        near.sort();
        near.dedup();
        for other in near.iter().filter_map(|n| g.entity(n)).take(32) {
            for fact in g.facts_of(&other.id) {
                let own_subject = fact.about.first().map(String::as_str) == Some(other.id.as_str());
                // The neighbour's relation back to the entity asked about says nothing new
                // ("French B2 is held at Riverside" is no answer about Riverside).
                let back = fact.about.get(1).map(String::as_str) == Some(id.as_str());
                if matches!(fact.kind, FactKind::Summary | FactKind::Passage)
                    || !own_subject
                    || back
                {
                    continue;
                }
                let (kt, far, dec) = fact_terms(g, &mut cache, &fact, &other.id, &declared);
                let j = declared_covers(judge(g, &q, &fact, &kt, far), dec);
                let s = strength(&q, &fact, &j, dec, true) * if own_best > 0.0 { 0.5 } else { 1.0 };
                if s == 0.0 && j.named < 0.75 {
                    continue;
                }
                let score = if s > 0.0 {
                    base + s
                } else {
                    base - 1.0 + j.words
                };
                candidates.push(Candidate {
                    fact,
                    judged: j,
                    score,
                    via: "neighbour",
                    from: rank,
                    strength: s,
                });
            }
        }
    }

    // Lexical hits over passages and summaries: the only source when no entity is named.
    for (fact, hit) in g.search(&terms(&q.norm), 8) {
        if hit.coverage < opts.min_coverage {
            continue;
        }
        let j = judge(g, &q, &fact, &[], None);
        let passage = fact.kind == FactKind::Passage;
        let score = if passage {
            1.5 + 1.5 * hit.coverage + hit.score / 50.0
        } else {
            1.0 + hit.coverage + hit.score / 50.0
        };
        let s = passage_strength(&q, &fact, &j, &hit);
        candidates.push(Candidate {
            fact,
            judged: j,
            score,
            via: if passage { "passage" } else { "lexical" },
            from: usize::MAX,
            strength: s,
        });
    }
    // Passages about a linked entity count as FAQ answers too when their title asks this.
    for c in candidates
        .iter_mut()
        .filter(|c| c.fact.kind == FactKind::Passage && c.strength == 0.0)
    {
        c.strength = passage_strength(
            &q,
            &c.fact,
            &c.judged,
            &Hit {
                score: 0.0,
                coverage: 0.0,
            },
        );
    }

    // Dedupe by (source, text), keeping the best.
    candidates.sort_by(|a, b| {
        b.strength
            .total_cmp(&a.strength)
            .then(b.score.total_cmp(&a.score))
    });
    let mut seen: Vec<(String, String)> = Vec::new();
    candidates.retain(|c| {
        let k = (c.fact.source.to_string(), c.fact.text.clone());
        if seen.contains(&k) {
            return false;
        }
        seen.push(k);
        true
    });

    let cov = Coverage::new(g, &q, &candidates, &linked);
    let chosen = choose(&candidates, &q, &cov, linked.len(), g);
    let missing = missing_topic(&q, &candidates, &chosen, &cov);
    let chosen: Vec<usize> = if missing.is_empty() {
        chosen
    } else {
        Vec::new()
    };
    let owners: Vec<String> = if chosen.is_empty() && instead.is_empty() && !from_context {
        lone_owners(g, &q, &mut cache, &declared, true)
            .into_iter()
            .filter(|id| !linked.iter().any(|(l, _)| l == id))
            .filter(|id| {
                g.entity(id)
                    .is_some_and(|e| !named_kinds.contains(&e.kind.as_str()))
            })
            .take(LONE_ATTRIBUTE_OWNERS)
            .collect()
    } else {
        Vec::new()
    };

    // Ranked: the plan first, then by score.
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        let (ca, cb) = (&candidates[a], &candidates[b]);
        chosen
            .contains(&b)
            .cmp(&chosen.contains(&a))
            .then(cb.score.total_cmp(&ca.score))
            .then_with(|| ca.fact.source.file.cmp(&cb.fact.source.file))
            .then(ca.fact.source.line.cmp(&cb.fact.source.line))
            .then_with(|| ca.fact.text.cmp(&cb.fact.text))
    });
    let mut facts = Vec::new();
    let mut chars = 0;
    for i in order {
        let c = &candidates[i];
        let len = c.fact.text.chars().count();
        if facts.len() >= opts.max_facts || (chars + len > opts.max_chars && !facts.is_empty()) {
            break;
        }
        chars += len;
        let mut f = ScoredFact::new(
            c.fact.clone(),
            (c.score * 1000.0).round() / 1000.0,
            c.via,
            chosen.contains(&i),
        );
        f.fit = c.judged.fit;
        f.matched = c.judged.matched.clone();
        facts.push(f);
    }
    let retrieval = Retrieval {
        linked: linked
            .into_iter()
            .filter_map(|(id, alias)| {
                g.entity(&id).map(|e| LinkedEntity {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    alias,
                })
            })
            .collect(),
        facts,
        wants: q.asked.wants.iter().map(|w| w.as_str()).collect(),
        missing,
        asks: cov.asked_words(&q),
    };
    (retrieval, owners)
}

/// Is this passage's title about other entities than `id`? A file's front matter often
/// lists every entity its sections touch, so "Can I bring my own food to hire the
/// kitchen?" is "about" the knife class too; its title says whose question it answers.
/// (The lexical search still finds it on its words.)
fn titled_for_another(g: &Graph, fact: &Fact, id: &str) -> bool {
    let Some((title, _)) = fact.text.split_once(" — ") else {
        return false;
    };
    let named: Vec<String> = g
        .link(&normalize(title))
        .into_iter()
        .map(|l| l.id)
        .collect();
    !named.is_empty() && !named.iter().any(|n| n == id)
}
