//! The serving graph: the pack's segments plus the few global tables that tie them
//! together (entity ids, intents, lexical statistics), validated as a whole. Facts are
//! rendered from it on demand, each with its source.

use std::collections::{BTreeMap, HashSet};

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use super::lexical::{self, Hit, LexicalStats};
use super::link::{self, Link};
use super::model::{AttributeWords, Entity, Intent, Passage, Problem, Relation, Source};
use super::segment::Segment;
use super::value::Typed;
use crate::lexicon::Lexicon;

/// What a fact says.
#[derive(Clone, Debug, PartialEq)]
pub enum FactKind {
    Summary,
    /// An attribute, with its key (question words are matched against it).
    Attr(String),
    /// A relation, with its name.
    Relation {
        rel: String,
    },
    Passage,
}

/// One citable statement, rendered as text, with the entity ids it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub kind: FactKind,
    /// Entity ids the fact is about (its subject first).
    pub about: Vec<String>,
    pub text: String,
    /// What the fact says of its subject, without the subject: an attribute's value, a
    /// relation's target, a summary, a passage's body. Answers are worded from it.
    pub value: String,
    pub source: Source,
    /// What an attribute's value is (typed when the pack loaded); text for the rest.
    pub typed: Typed,
}

/// Where an entity lives: segment and index in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    segment: u32,
    local: u32,
}

/// A validated knowledge pack, ready to serve.
#[derive(Debug, Default)]
pub struct Graph {
    segments: Vec<Arc<Segment>>,
    by_id: HashMap<String, Slot>,
    pub intents: Vec<Intent>,
    /// Declared words for attribute keys and relation names (`[[attribute]]`), by key.
    attributes: HashMap<String, AttributeWords>,
    /// Every attribute key some entity has, sorted (computed once: questions that name no
    /// entity check each).
    attr_keys: Vec<String>,
    lexical: LexicalStats,
    lexicon: Arc<Lexicon>,
}

/// Counts for the one-line summary of `kb check`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PackStats {
    pub files: usize,
    pub entities: usize,
    pub relations: usize,
    pub passages: usize,
    pub intents: usize,
}

fn problem(source: &Source, message: String) -> Problem {
    Problem {
        file: source.file.clone(),
        line: source.line,
        message,
    }
}

impl Graph {
    /// Validate the pack as a whole (ids unique, relations and `about` pointing at entities
    /// that exist, intents unique) and tie its segments together. With the `previous`
    /// graph, segments it already validated are only checked against ids that went away.
    pub fn build(
        files: &BTreeMap<String, Arc<Segment>>,
        previous: Option<&Graph>,
        lexicon: Arc<Lexicon>,
    ) -> Result<Graph, Vec<Problem>> {
        let mut problems = Vec::new();
        let segments: Vec<Arc<Segment>> = files.values().cloned().collect();
        let mut by_id: HashMap<String, Slot> = HashMap::with_capacity_and_hasher(
            previous
                .map(|p| p.by_id.len())
                .unwrap_or(0)
                .max(segments.iter().map(|s| s.entities.len()).sum()),
            Default::default(),
        );
        let mut intents = Vec::new();
        let mut intent_seen: HashMap<String, Source> = HashMap::default();
        let mut attributes: HashMap<String, AttributeWords> = HashMap::default();
        let mut attribute_seen: HashMap<String, Source> = HashMap::default();
        for (si, seg) in segments.iter().enumerate() {
            for (li, e) in seg.entities.iter().enumerate() {
                let slot = Slot {
                    segment: si as u32,
                    local: li as u32,
                };
                if let Some(first) = by_id.get(&e.id) {
                    let first =
                        &segments[first.segment as usize].entities[first.local as usize].source;
                    problems.push(problem(
                        &e.source,
                        format!("duplicate entity id {:?} (first defined at {first})", e.id),
                    ));
                    continue;
                }
                by_id.insert(e.id.clone(), slot);
            }
            for i in &seg.intents {
                if let Some(first) = intent_seen.get(&i.name) {
                    problems.push(problem(
                        &i.source,
                        format!("duplicate intent {:?} (first defined at {first})", i.name),
                    ));
                    continue;
                }
                intent_seen.insert(i.name.clone(), i.source.clone());
                intents.push(i.clone());
            }
            for a in &seg.attributes {
                if let Some(first) = attribute_seen.get(&a.key) {
                    problems.push(problem(
                        &a.source,
                        format!(
                            "attribute {:?} is declared twice (first at {first}); put all its words in one place",
                            a.key
                        ),
                    ));
                    continue;
                }
                attribute_seen.insert(a.key.clone(), a.source.clone());
                attributes.insert(a.key.clone(), a.clone());
            }
        }

        // Segments the previous graph validated are still valid unless an id they point at
        // went away; only new segments need every reference checked.
        let known: HashSet<*const Segment> = previous
            .map(|p| p.segments.iter().map(Arc::as_ptr).collect())
            .unwrap_or_default();
        let removed: Vec<&String> = match previous {
            Some(p) => p
                .segments
                .iter()
                .filter(|s| !segments.iter().any(|n| Arc::ptr_eq(n, s)))
                .flat_map(|s| s.entities.iter().map(|e| &e.id))
                .filter(|id| !by_id.contains_key(*id))
                .collect(),
            None => Vec::new(),
        };
        for seg in &segments {
            if known.contains(&Arc::as_ptr(seg)) {
                for id in &removed {
                    check_reference(seg, id, &mut problems);
                }
            } else {
                for id in seg.references() {
                    if !by_id.contains_key(id) {
                        check_reference(seg, id, &mut problems);
                    }
                }
            }
        }
        if !problems.is_empty() {
            problems
                .sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
            problems.dedup();
            return Err(problems);
        }
        let lexical = LexicalStats::of(segments.iter().map(|s| &s.lexical));
        let mut attr_keys: Vec<String> = segments
            .iter()
            .flat_map(|s| s.attr_owners.keys().cloned())
            .collect();
        attr_keys.sort();
        attr_keys.dedup();
        Ok(Graph {
            attr_keys,
            segments,
            by_id,
            intents,
            attributes,
            lexical,
            lexicon,
        })
    }

    /// The lexicon the pack was indexed with.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Where a word key appears in the pack (OR of [`super::words::place`] flags) and how
    /// many entities and texts use it.
    pub fn vocab(&self, key: &str) -> (u8, u32) {
        self.segments.iter().fold((0, 0), |(f, n), s| {
            let (f2, n2) = s.vocab.get(key);
            (f | f2, n + n2)
        })
    }

    /// The pack's word that `word` (one the dictionary and the pack lack) misspells: one
    /// edit away ("bulid" → build, "permitt" → permit), or its tail in a run-together word
    /// ("sethomes" → homes). The most used candidate wins; short words are never guessed.
    pub fn spelled_like(&self, word: &str) -> Option<String> {
        if word.len() < 4 || !word.is_ascii() {
            return None;
        }
        let mut best: Option<(&str, u32)> = None;
        for s in &self.segments {
            for k in s.vocab.keys() {
                let close = k.len() >= 4
                    && k.is_ascii()
                    && (super::words::one_edit(word, k)
                        || (k.len() >= 4
                            && word.len() >= k.len() + 3
                            && word.ends_with(k)
                            && self.lexicon.find(k).is_some()));
                if close {
                    let n = s.vocab.get(k).1;
                    if best.is_none_or(|(b, m)| n > m || (n == m && k < b)) {
                        best = Some((k, n));
                    }
                }
            }
        }
        best.map(|(k, _)| k.to_string())
    }

    /// Ids of the entities whose name or an alias has the word key `key`.
    pub fn entities_named(&self, key: &str) -> Vec<&Entity> {
        self.segments
            .iter()
            .flat_map(|s| {
                s.name_words
                    .get(key)
                    .into_iter()
                    .flatten()
                    .map(|&i| &s.entities[i as usize])
            })
            .collect()
    }

    /// How many entities the pack has.
    pub fn entity_count(&self) -> usize {
        self.by_id.len()
    }

    /// The type of attribute `index` of entity `id`.
    pub fn attr_typed(&self, id: &str, index: usize) -> Typed {
        self.by_id
            .get(id)
            .and_then(|s| self.segments[s.segment as usize].attr_type(s.local as usize, index))
            .cloned()
            .unwrap_or_default()
    }

    pub fn stats(&self, files: usize) -> PackStats {
        PackStats {
            files,
            entities: self.by_id.len(),
            relations: self.segments.iter().map(|s| s.relations.len()).sum(),
            passages: self.segments.iter().map(|s| s.passages.len()).sum(),
            intents: self.intents.len(),
        }
    }

    /// The words a pack declares for an attribute key or relation name (none when it
    /// declares none).
    pub fn attribute_words(&self, key: &str) -> &[String] {
        self.attributes
            .get(key)
            .map(|a| a.words.as_slice())
            .unwrap_or(&[])
    }

    /// The pack's own sentence for stating an attribute or relation, in Chinese or not.
    pub fn attribute_sentence(&self, key: &str, zh: bool) -> Option<&str> {
        let a = self.attributes.get(key)?;
        if zh {
            a.sentence_zh.as_deref()
        } else {
            a.sentence.as_deref()
        }
    }

    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.by_id
            .get(id)
            .map(|s| &self.segments[s.segment as usize].entities[s.local as usize])
    }

    /// Every entity, in file order.
    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.segments.iter().flat_map(|s| s.entities.iter())
    }

    pub fn relations(&self) -> impl Iterator<Item = &Relation> {
        self.segments.iter().flat_map(|s| s.relations.iter())
    }

    pub fn passages(&self) -> impl Iterator<Item = &Passage> {
        self.segments.iter().flat_map(|s| s.passages.iter())
    }

    /// Entities named in already-normalised text, leftmost-longest across all segments.
    pub fn link(&self, normalized: &str) -> Vec<Link> {
        link::merge(
            self.segments
                .iter()
                .map(|s| (&s.linker, s.entities.as_slice())),
            normalized,
        )
    }

    /// Lexical hits over summaries and passages, best first.
    pub fn search(&self, terms: &[String], k: usize) -> Vec<(Fact, Hit)> {
        let postings: Vec<&lexical::LexicalSegment> =
            self.segments.iter().map(|s| &s.lexical).collect();
        lexical::search(&self.lexical, &postings, terms, k)
            .into_iter()
            .filter_map(|(seg, doc, hit)| {
                let seg = &self.segments[seg as usize];
                let fact = match doc {
                    lexical::Doc::Summary(e) => summary_fact(&seg.entities[e as usize])?,
                    lexical::Doc::Passage(p) => passage_fact(&seg.passages[p as usize]),
                };
                Some((fact, hit))
            })
            .collect()
    }

    /// Facts about an entity: its summary and attributes, then its relations and the
    /// passages about it.
    pub fn facts_of(&self, id: &str) -> Vec<Fact> {
        let Some(e) = self.entity(id) else {
            return Vec::new();
        };
        let mut out: Vec<Fact> = summary_fact(e).into_iter().collect();
        for (i, a) in e.attrs.iter().enumerate() {
            out.push(Graph::attr_fact(e, a, self.attr_typed(id, i)));
        }
        out.extend(self.relations_of(id));
        for seg in &self.segments {
            for &p in seg.passages_about.get(id).into_iter().flatten() {
                out.push(passage_fact(&seg.passages[p as usize]));
            }
        }
        out
    }

    /// The relations at an entity (either end), as facts.
    pub fn relations_of(&self, id: &str) -> Vec<Fact> {
        let mut out = Vec::new();
        for seg in &self.segments {
            for &r in seg.relations_of.get(id).into_iter().flatten() {
                if let Some(f) = self.relation_fact(&seg.relations[r as usize]) {
                    out.push(f);
                }
            }
        }
        out
    }

    /// Every attribute key some entity has, sorted.
    pub fn attribute_keys(&self) -> &[String] {
        &self.attr_keys
    }

    /// Ids of the entities that have attribute `key`, in file order.
    pub fn entities_with_attr(&self, key: &str) -> Vec<String> {
        self.segments
            .iter()
            .flat_map(|s| {
                s.attr_owners
                    .get(key)
                    .into_iter()
                    .flatten()
                    .map(|&i| s.entities[i as usize].id.clone())
            })
            .collect()
    }

    /// Entities one relation away (either direction).
    pub fn neighbours(&self, id: &str) -> Vec<&Entity> {
        let mut out: Vec<&Entity> = Vec::new();
        for seg in &self.segments {
            for &r in seg.relations_of.get(id).into_iter().flatten() {
                let rel = &seg.relations[r as usize];
                let other = if rel.from == id { &rel.to } else { &rel.from };
                if let Some(e) = self.entity(other) {
                    if !out.iter().any(|o| o.id == e.id) {
                        out.push(e);
                    }
                }
            }
        }
        out
    }

    /// An attribute of an entity as a citable fact.
    pub fn attr_fact(e: &Entity, a: &super::model::Attr, typed: Typed) -> Fact {
        Fact {
            typed,
            kind: FactKind::Attr(a.key.clone()),
            about: vec![e.id.clone()],
            text: format!("{} — {}: {}", e.name, a.key.replace('_', " "), a.value),
            value: a.value.clone(),
            source: a.source.clone(),
        }
    }

    fn relation_fact(&self, r: &Relation) -> Option<Fact> {
        let from = self.entity(&r.from)?;
        let to = self.entity(&r.to)?;
        let mut value = to.name.clone();
        if !r.attrs.is_empty() {
            let attrs: Vec<String> = r
                .attrs
                .iter()
                .map(|a| format!("{}: {}", a.key, a.value))
                .collect();
            value.push_str(&format!(" ({})", attrs.join(", ")));
        }
        let text = format!("{} — {} → {}", from.name, r.rel.replace('_', " "), value);
        Some(Fact {
            typed: Typed::default(),
            kind: FactKind::Relation { rel: r.rel.clone() },
            about: vec![r.from.clone(), r.to.clone()],
            text,
            value,
            source: r.source.clone(),
        })
    }
}

/// Report every relation or passage of `seg` that points at the missing `id`.
fn check_reference(seg: &Segment, id: &str, problems: &mut Vec<Problem>) {
    for &r in seg.relations_of.get(id).into_iter().flatten() {
        let r = &seg.relations[r as usize];
        problems.push(problem(
            &r.source,
            format!("relation {:?} points to missing entity {id:?}", r.rel),
        ));
    }
    for &p in seg.passages_about.get(id).into_iter().flatten() {
        problems.push(problem(
            &seg.passages[p as usize].source,
            format!("`about` names missing entity {id:?}"),
        ));
    }
}

fn summary_fact(e: &Entity) -> Option<Fact> {
    e.summary.as_ref().map(|s| Fact {
        typed: Typed::default(),
        kind: FactKind::Summary,
        about: vec![e.id.clone()],
        text: format!("{} — {}", e.name, s),
        value: s.clone(),
        source: e.source.clone(),
    })
}

fn passage_fact(p: &Passage) -> Fact {
    Fact {
        typed: Typed::default(),
        kind: FactKind::Passage,
        about: p.about.clone(),
        text: format!("{} — {}", p.title, p.body),
        value: p.body.clone(),
        source: p.source.clone(),
    }
}
