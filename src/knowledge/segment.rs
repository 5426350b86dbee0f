//! One file's share of the graph, indexed on its own: its entities' names (linker), its
//! summaries and passages (lexical postings), and the relations and passages that point at
//! each entity id. Segments are built once per file version and shared between graphs,
//! so a one-file edit rebuilds one segment, not the whole pack.

use rustc_hash::FxHashMap as HashMap;

use super::lexical::LexicalSegment;
use super::link::Linker;
use super::model::{AttributeWords, Entity, FileKnowledge, Intent, Passage, Relation};

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
}

impl Segment {
    pub fn build(k: &FileKnowledge) -> Segment {
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
        Segment {
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

    /// Every entity id this segment's relations and passages point at.
    pub fn references(&self) -> impl Iterator<Item = &String> {
        self.relations_of.keys().chain(self.passages_about.keys())
    }
}
