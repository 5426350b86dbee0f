//! One file's share of the graph, indexed on its own: its entities' names (linker), its
//! summaries and passages (lexical postings), and the relations and passages that point at
//! each entity id. Segments are built once per file version and shared between graphs,
//! so a one-file edit rebuilds one segment, not the whole pack.

use rustc_hash::FxHashMap as HashMap;

use super::lexical::LexicalSegment;
use super::link::Linker;
use super::model::{AttributeWords, Entity, FileKnowledge, Intent, Passage, Relation};
use super::value::{type_value, Typed};
use super::words::{latin, place, Vocab};
use crate::lexicon::Lexicon;
use crate::text::{is_cjk, normalize};

#[derive(Debug, Default)]
pub struct Segment {
    pub entities: Vec<Entity>,
    pub relations: Vec<Relation>,
    pub passages: Vec<Passage>,
    pub intents: Vec<Intent>,
    pub attributes: Vec<AttributeWords>,
    pub linker: Linker,
    pub lexical: LexicalSegment,
    /// Relations (local indexes) by the id at either end.
    pub relations_of: HashMap<String, Vec<u32>>,
    /// Passages (local indexes) by the ids in their `about`.
    pub passages_about: HashMap<String, Vec<u32>>,
    /// Entities (local indexes) by the keys of their attributes.
    pub attr_owners: HashMap<String, Vec<u32>>,
    /// What each attribute's value is, parallel to `entities[i].attrs`.
    pub attr_types: Vec<Vec<Typed>>,
    /// Entities (local indexes) by the words of their names and aliases (stems and
    /// dictionary forms; Chinese dictionary words), for names a question gives in part.
    pub name_words: HashMap<String, Vec<u32>>,
    /// Which words appear where in this file.
    pub vocab: Vocab,
}

impl Segment {
    pub fn build(k: &FileKnowledge, lex: &Lexicon) -> Segment {
        let mut relations_of: HashMap<String, Vec<u32>> = HashMap::default();
        for (i, r) in k.relations.iter().enumerate() {
            relations_of
                .entry(r.from.clone())
                .or_default()
                .push(i as u32);
            if r.to != r.from {
                relations_of.entry(r.to.clone()).or_default().push(i as u32);
            }
        }
        let mut passages_about: HashMap<String, Vec<u32>> = HashMap::default();
        for (i, p) in k.passages.iter().enumerate() {
            for id in &p.about {
                passages_about.entry(id.clone()).or_default().push(i as u32);
            }
        }
        let mut attr_owners: HashMap<String, Vec<u32>> = HashMap::default();
        for (i, e) in k.entities.iter().enumerate() {
            for a in &e.attrs {
                let owners = attr_owners.entry(a.key.clone()).or_default();
                if owners.last() != Some(&(i as u32)) {
                    owners.push(i as u32);
                }
            }
        }
        let attr_types = k
            .entities
            .iter()
            .map(|e| e.attrs.iter().map(|a| type_value(&a.value)).collect())
            .collect();
        let mut memo = HashMap::default();
        let mut vocab = Vocab::default();
        let mut name_words: HashMap<String, Vec<u32>> = HashMap::default();
        for (i, e) in k.entities.iter().enumerate() {
            for surface in std::iter::once(&e.name).chain(&e.aliases) {
                vocab.add(lex, surface, place::NAME, &mut memo);
                for key in name_keys(lex, surface) {
                    let list = name_words.entry(key).or_default();
                    if list.last() != Some(&(i as u32)) {
                        list.push(i as u32);
                    }
                }
            }
            vocab.add(lex, &e.kind, place::KIND, &mut memo);
            if let Some(s) = &e.summary {
                vocab.add(lex, s, place::TEXT, &mut memo);
            }
            for a in &e.attrs {
                vocab.add(lex, &a.key, place::KEY, &mut memo);
                vocab.add(lex, &a.value, place::VALUE, &mut memo);
            }
        }
        for r in &k.relations {
            vocab.add(lex, &r.rel, place::KEY, &mut memo);
        }
        for p in &k.passages {
            vocab.add(lex, &p.title, place::TEXT, &mut memo);
            vocab.add(lex, &p.body, place::TEXT, &mut memo);
        }
        Segment {
            attr_types,
            name_words,
            vocab,
            attr_owners,
            linker: Linker::build(&k.entities),
            lexical: LexicalSegment::build(&k.entities, &k.passages),
            entities: k.entities.clone(),
            relations: k.relations.clone(),
            passages: k.passages.clone(),
            intents: k.intents.clone(),
            attributes: k.attributes.clone(),
            relations_of,
            passages_about,
        }
    }

    /// The type of attribute `a` of local entity `e`.
    pub fn attr_type(&self, e: usize, a: usize) -> Option<&Typed> {
        self.attr_types.get(e)?.get(a)
    }

    /// Every entity id this segment's relations and passages point at.
    pub fn references(&self) -> impl Iterator<Item = &String> {
        self.relations_of.keys().chain(self.passages_about.keys())
    }
}

/// The index keys of a name's words: each Latin word's stem and dictionary forms, each
/// Chinese dictionary word; stopwords left out.
pub(super) fn name_keys(lex: &Lexicon, surface: &str) -> Vec<String> {
    let norm = normalize(&surface.replace(['_', '-'], " "));
    let mut out = Vec::new();
    for word in norm.split(' ').filter(|w| !w.is_empty()) {
        if word.chars().any(is_cjk) {
            out.extend(
                lex.segment(word)
                    .into_iter()
                    .filter(|p| p.text.chars().count() >= 2)
                    .map(|p| p.text.to_string()),
            );
        } else if !crate::text::is_stopword(word) {
            out.extend(latin(lex, word).keys(lex));
        }
    }
    out.sort();
    out.dedup();
    out
}
