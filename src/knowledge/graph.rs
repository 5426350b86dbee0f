//! The serving graph: entities, relations and passages of a validated pack, flattened into
//! citable facts, with the linker and the lexical index built over them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::lexical::LexicalIndex;
use super::link::Linker;
use super::model::{Entity, FileKnowledge, Intent, Passage, Problem, Relation, Source};

/// What a fact says.
#[derive(Clone, Debug, PartialEq)]
pub enum FactKind {
    Summary,
    /// An attribute, with its key (the question words it answers are matched against it).
    Attr(String),
    /// A relation; `other` is the entity at the far end.
    Relation {
        rel: String,
        other: u32,
    },
    /// A markdown passage (index into `Graph::passages`).
    Passage(u32),
}

/// One citable statement, rendered as text, with the entities it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub kind: FactKind,
    /// Entities the fact is about (its subject first).
    pub about: Vec<u32>,
    pub text: String,
    pub source: Source,
}

/// A validated knowledge pack, ready to serve.
#[derive(Debug, Default)]
pub struct Graph {
    pub entities: Vec<Entity>,
    pub by_id: HashMap<String, u32>,
    pub relations: Vec<Relation>,
    pub passages: Vec<Passage>,
    pub intents: Vec<Intent>,
    pub facts: Vec<Fact>,
    /// Facts about each entity (its own summary and attributes first, then relations).
    pub entity_facts: Vec<Vec<u32>>,
    /// Neighbours of each entity through relations (either direction), with the fact.
    pub neighbours: Vec<Vec<(u32, u32)>>,
    pub linker: Linker,
    pub lexical: LexicalIndex,
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

impl Graph {
    /// Validate the pack as a whole (ids unique, relations and `about` pointing at entities
    /// that exist, intents unique) and build the serving indexes.
    pub fn build(files: &BTreeMap<String, Arc<FileKnowledge>>) -> Result<Graph, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut g = Graph::default();
        let mut first_seen: HashMap<String, Source> = HashMap::new();
        for file in files.values() {
            for e in &file.entities {
                if let Some(first) = first_seen.get(&e.id) {
                    problems.push(problem(
                        &e.source,
                        format!("duplicate entity id {:?} (first defined at {first})", e.id),
                    ));
                    continue;
                }
                first_seen.insert(e.id.clone(), e.source.clone());
                g.by_id.insert(e.id.clone(), g.entities.len() as u32);
                g.entities.push(e.clone());
            }
        }
        let mut intent_seen: HashMap<&str, &Source> = HashMap::new();
        for file in files.values() {
            for r in &file.relations {
                for end in [&r.from, &r.to] {
                    if !g.by_id.contains_key(end) {
                        problems.push(problem(
                            &r.source,
                            format!("relation {:?} points to missing entity {end:?}", r.rel),
                        ));
                    }
                }
                g.relations.push(r.clone());
            }
            for p in &file.passages {
                for id in &p.about {
                    if !g.by_id.contains_key(id) {
                        problems.push(problem(
                            &p.source,
                            format!("`about` names missing entity {id:?}"),
                        ));
                    }
                }
                g.passages.push(p.clone());
            }
            for i in &file.intents {
                if let Some(first) = intent_seen.get(i.name.as_str()) {
                    problems.push(problem(
                        &i.source,
                        format!("duplicate intent {:?} (first defined at {first})", i.name),
                    ));
                    continue;
                }
                intent_seen.insert(&i.name, &i.source);
                g.intents.push(i.clone());
            }
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            return Err(problems);
        }
        g.index();
        Ok(g)
    }

    fn index(&mut self) {
        let n = self.entities.len();
        self.entity_facts = vec![Vec::new(); n];
        self.neighbours = vec![Vec::new(); n];
        let entities = std::mem::take(&mut self.entities);
        for (i, e) in entities.iter().enumerate() {
            let i = i as u32;
            if let Some(summary) = &e.summary {
                self.push_fact(Fact {
                    kind: FactKind::Summary,
                    about: vec![i],
                    text: format!("{} — {}", e.name, summary),
                    source: e.source.clone(),
                });
            }
            for a in &e.attrs {
                self.push_fact(Fact {
                    kind: FactKind::Attr(a.key.clone()),
                    about: vec![i],
                    text: format!("{} — {}: {}", e.name, a.key.replace('_', " "), a.value),
                    source: a.source.clone(),
                });
            }
        }
        self.entities = entities;
        for r in std::mem::take(&mut self.relations) {
            let from = self.by_id[&r.from];
            let to = self.by_id[&r.to];
            let mut text = format!(
                "{} — {} → {}",
                self.entities[from as usize].name,
                r.rel.replace('_', " "),
                self.entities[to as usize].name
            );
            if !r.attrs.is_empty() {
                let attrs: Vec<String> = r
                    .attrs
                    .iter()
                    .map(|a| format!("{}: {}", a.key, a.value))
                    .collect();
                text.push_str(&format!(" ({})", attrs.join(", ")));
            }
            let fact = self.push_fact(Fact {
                kind: FactKind::Relation {
                    rel: r.rel.clone(),
                    other: to,
                },
                about: vec![from, to],
                text,
                source: r.source.clone(),
            });
            self.neighbours[from as usize].push((to, fact));
            if from != to {
                self.neighbours[to as usize].push((from, fact));
            }
            self.relations.push(r);
        }
        for (pi, p) in self.passages.iter().enumerate() {
            let about: Vec<u32> = p.about.iter().map(|id| self.by_id[id]).collect();
            let fact = Fact {
                kind: FactKind::Passage(pi as u32),
                about: about.clone(),
                text: format!("{} — {}", p.title, p.body),
                source: p.source.clone(),
            };
            let idx = self.facts.len() as u32;
            self.facts.push(fact);
            for a in about {
                self.entity_facts[a as usize].push(idx);
            }
        }
        self.linker = Linker::build(&self.entities);
        self.lexical = LexicalIndex::build(&self.facts);
    }

    fn push_fact(&mut self, fact: Fact) -> u32 {
        let idx = self.facts.len() as u32;
        for &a in &fact.about {
            self.entity_facts[a as usize].push(idx);
        }
        self.facts.push(fact);
        idx
    }

    pub fn stats(&self, files: usize) -> PackStats {
        PackStats {
            files,
            entities: self.entities.len(),
            relations: self.relations.len(),
            passages: self.passages.len(),
            intents: self.intents.len(),
        }
    }

    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.by_id.get(id).map(|&i| &self.entities[i as usize])
    }
}

fn problem(source: &Source, message: String) -> Problem {
    Problem {
        file: source.file.clone(),
        line: source.line,
        message,
    }
}
