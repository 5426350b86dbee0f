//! Retrieval: from a question (and the entities of the conversation so far) to a small,
//! ranked, budgeted set of facts, each with its score and why it was picked.

use std::collections::HashMap;

use serde::Serialize;

use super::graph::{Fact, FactKind, Graph};
use super::link::Link;
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
    /// The alias that matched, or `None` when it came from the previous turn.
    pub alias: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoredFact {
    pub score: f32,
    pub source: String,
    pub text: String,
    /// Why it was picked: `entity`, `neighbour`, `passage`, `lexical`.
    pub via: &'static str,
    /// The question asks for exactly this (an attribute its words point at): an answer
    /// that does not state it does not answer.
    pub asked: bool,
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

/// Question words that point at attribute keys every kind of community has. A pack's own
/// keys get their words from `[[attribute]]` declarations; nothing here knows a pack.
const ATTR_HINTS: &[(&[&str], &[&str])] = &[
    (
        &[
            "much",
            "cost",
            "price",
            "pricing",
            "expensive",
            "cheap",
            "fee",
            "多少钱",
            "价格",
            "价钱",
            "贵",
            "钱",
            "费用",
        ],
        &["price", "cost", "fee"],
    ),
    (
        &["big", "size", "large", "多大", "规格", "尺寸"],
        &["size", "dimensions", "volume", "weight"],
    ),
    (&["heavy", "weight", "weigh", "多重", "重量"], &["weight"]),
    (
        &[
            "open", "hour", "close", "closing", "opening", "营业", "几点", "开门", "关门",
        ],
        &["hours", "opening_hours", "open"],
    ),
    (
        &[
            "where", "address", "located", "location", "city", "street", "地址", "哪里", "在哪",
            "位置", "城市",
        ],
        &["address", "location"],
    ),
    (
        &["email", "mail", "contact", "reach", "邮件", "邮箱", "联系"],
        &["email", "contact"],
    ),
    (&["phone", "call", "电话", "打电话"], &["phone"]),
    (
        &["when", "date", "day", "日期", "哪天", "什么时候", "几号"],
        &["date", "when", "starts"],
    ),
];

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

/// How well an attribute key (or relation name) answers the question: 1 when the question
/// says one of the pack's declared words for it, a built-in hint for it, or every word of
/// the key itself; 0.5 for some word of the key; else 0.
fn attr_match(
    key: &str,
    declared: &[String],
    norm: &str,
    raw_words: &[&str],
    question_terms: &[String],
) -> f32 {
    if declared.iter().any(|w| says(norm, w)) {
        return 1.0;
    }
    let key_norm = key.to_lowercase();
    for (asks, keys) in ATTR_HINTS {
        let asked = asks.iter().any(|a| {
            raw_words.contains(a)
                || question_terms.iter().any(|t| t == a)
                || (a.chars().any(crate::text::is_cjk) && norm.contains(a))
        });
        if asked && keys.iter().any(|k| key_norm == *k || key_norm.contains(k)) {
            return 1.0;
        }
    }
    let key_terms = terms(&normalize(&key.replace(['_', '-'], " ")));
    let named = key_terms
        .iter()
        .filter(|k| question_terms.contains(k))
        .count();
    if !key_terms.is_empty() && named == key_terms.len() {
        1.0
    } else if named > 0 {
        0.5
    } else {
        0.0
    }
}

/// A question that names no entity is answered from an attribute's owners when at most
/// this many entities have it; more, and it needs a name to pick one.
const LONE_ATTRIBUTE_OWNERS: usize = 3;

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
    let norm = normalize(question);
    let q_terms = terms(&norm);
    let raw_words: Vec<&str> = norm.split(' ').collect();
    let links: Vec<Link> = g.link(&norm);
    // What is asked is read without the names the question links: "when is the Harbor
    // Street Café open?" asks for hours, not an address (built-in question words only).
    let mut ask_norm = format!(" {norm} ");
    for l in &links {
        let alias = normalize(&l.alias);
        if !alias.is_empty() {
            ask_norm = ask_norm.replace(&alias, " ");
        }
    }
    let ask_norm = normalize(&ask_norm);
    let ask_terms = terms(&ask_norm);
    let ask_words: Vec<&str> = ask_norm.split(' ').collect();
    // A pack's declared words are meant as written, so they are read in the whole question.
    let asks = |key: &str| {
        let declared = g.attribute_words(key);
        if declared.iter().any(|w| says(&norm, w)) {
            return 1.0;
        }
        attr_match(key, declared, &ask_norm, &ask_words, &ask_terms)
    };

    let mut linked: Vec<(String, Option<String>)> =
        links.into_iter().map(|l| (l.id, Some(l.alias))).collect();
    // The previous turn's subject carries over only when the question reads as a follow-up
    // ("and how big is the bag?", "is it open on sunday?") or asks for one of its
    // attributes; "what's the weather in Paris?" must not inherit the coffee.
    let mut from_context = false;
    if linked.is_empty() && !context.is_empty() {
        let follow_up = is_follow_up(&raw_words, &norm);
        linked = context
            .iter()
            .filter_map(|id| g.entity(id))
            .filter(|e| follow_up || e.attrs.iter().any(|a| asks(&a.key) >= 1.0))
            .map(|e| (e.id.clone(), None))
            .collect();
        from_context = !linked.is_empty();
    }

    // A question that names nothing but asks an attribute only a few entities have ("what
    // are your opening hours?") is about those entities.
    if linked.is_empty() {
        let mut owners: Vec<String> = Vec::new();
        for key in g.attribute_keys() {
            if asks(key) < 1.0 {
                continue;
            }
            let ids = g.entities_with_attr(key);
            if (1..=LONE_ATTRIBUTE_OWNERS).contains(&ids.len()) {
                for id in ids {
                    if !owners.contains(&id) {
                        owners.push(id);
                    }
                }
            }
        }
        if owners.len() <= LONE_ATTRIBUTE_OWNERS {
            linked = owners.into_iter().map(|id| (id, None)).collect();
            from_context = !linked.is_empty();
        }
    }

    // Facts by (source, text), with their best score, why they were picked, and whether
    // the question asks for exactly them.
    let mut scored: HashMap<(String, String), (Fact, f32, &'static str, bool)> = HashMap::new();
    let mut bump = |fact: Fact, score: f32, via: &'static str, asked: bool| {
        let key = (fact.source.to_string(), fact.text.clone());
        match scored.get_mut(&key) {
            Some(e) if score > e.1 => {
                e.1 = score;
                e.2 = via;
                e.3 |= asked;
            }
            Some(_) => {}
            None => {
                scored.insert(key, (fact, score, via, asked));
            }
        }
    };

    // A linked entity's own facts first, the ones its question words point at on top.
    for (rank, (id, _)) in linked.iter().enumerate() {
        let base = 2.0 - 0.1 * rank.min(5) as f32;
        for fact in g.facts_of(id) {
            let m = match &fact.kind {
                FactKind::Attr(key) => asks(key),
                FactKind::Relation { rel, .. } => asks(rel),
                _ => 0.0,
            };
            // A carried-over subject contributes only what the follow-up asks for.
            let attr_or_relation =
                matches!(fact.kind, FactKind::Attr(_) | FactKind::Relation { .. });
            if from_context && !(attr_or_relation && m > 0.0) {
                continue;
            }
            let (s, asked) = match &fact.kind {
                FactKind::Summary => (base + 0.3, false),
                FactKind::Attr(_) => (base + m, m >= 1.0),
                FactKind::Relation { .. } => (base - 0.6 + m, m >= 1.0),
                FactKind::Passage => (base - 0.2, false),
            };
            bump(fact, s, "entity", asked);
        }
        // Two hops: the neighbours' own facts that the question asks for. Sorted, so the
        // cap picks the same 32 whichever store gave the neighbourhood.
        let mut near = neighbours(id);
        near.sort();
        near.dedup();
        // When the entity lacks what is asked, a neighbour's answer is the answer ("the
        // library behind the search plugin": its license).
        let has_asked = g
            .entity(id)
            .is_some_and(|e| e.attrs.iter().any(|a| asks(&a.key) >= 1.0));
        for other in near.iter().filter_map(|n| g.entity(n)).take(32) {
            for a in &other.attrs {
                let m = asks(&a.key);
                if m > 0.0 {
                    bump(
                        Graph::attr_fact(other, a),
                        base - 1.0 + m,
                        "neighbour",
                        m >= 1.0 && !has_asked,
                    );
                }
            }
            // A relation of the neighbour that the question names ("where do the beans in
            // the blend come from?": blend → beans → origin) answers it.
            for fact in g.relations_of(&other.id) {
                let FactKind::Relation { rel } = &fact.kind else {
                    continue;
                };
                if fact.about.first().map(String::as_str) != Some(other.id.as_str()) {
                    continue;
                }
                let m = asks(rel);
                if m >= 1.0 {
                    bump(fact, base - 0.5 + m, "neighbour", true);
                }
            }
        }
    }

    // Lexical hits over passages and summaries: the only source when no entity is named.
    for (fact, hit) in g.search(&q_terms, 8) {
        if hit.coverage < opts.min_coverage {
            continue;
        }
        // A passage that matches the whole question (an FAQ hit) beats an entity's facts;
        // a summary found by its words ranks below the linked entity's asked-for facts.
        if fact.kind == FactKind::Passage {
            bump(
                fact,
                1.5 + 1.5 * hit.coverage + hit.score / 50.0,
                "passage",
                false,
            );
        } else {
            bump(
                fact,
                1.0 + hit.coverage + hit.score / 50.0,
                "lexical",
                false,
            );
        }
    }

    let mut ranked: Vec<(Fact, f32, &'static str, bool)> = scored.into_values().collect();
    ranked.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.0.source.file.cmp(&b.0.source.file))
            .then(a.0.source.line.cmp(&b.0.source.line))
            .then_with(|| a.0.text.cmp(&b.0.text))
    });
    let mut facts = Vec::new();
    let mut chars = 0;
    for (fact, score, via, asked) in ranked {
        let len = fact.text.chars().count();
        if facts.len() >= opts.max_facts || (chars + len > opts.max_chars && !facts.is_empty()) {
            break;
        }
        chars += len;
        facts.push(ScoredFact::new(
            fact,
            (score * 1000.0).round() / 1000.0,
            via,
            asked,
        ));
    }

    Retrieval {
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
    }
}
