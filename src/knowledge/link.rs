//! Entity linking: every name and alias of the graph matched in one pass over the folded
//! text (Aho-Corasick, leftmost-longest), with word boundaries for Latin scripts only, so
//! CJK names link inside unspaced sentences.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::model::Entity;
use crate::text::{is_cjk, normalize};

#[derive(Debug, Default)]
pub struct Linker {
    automaton: Option<AhoCorasick>,
    /// Per pattern: the entities it names and the surface text it came from.
    patterns: Vec<(Vec<u32>, String)>,
}

/// One entity found in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The entity's id.
    pub id: String,
    /// The name or alias as written in the pack.
    pub alias: String,
    /// Byte range in the normalised text.
    pub start: usize,
    pub end: usize,
}

impl Linker {
    pub fn build(entities: &[Entity]) -> Linker {
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut keys: Vec<String> = Vec::new();
        let mut patterns: Vec<(Vec<u32>, String)> = Vec::new();
        for (i, e) in entities.iter().enumerate() {
            let i = i as u32;
            for surface in std::iter::once(&e.name).chain(e.aliases.iter()) {
                let key = normalize(surface);
                if key.is_empty() {
                    continue;
                }
                match index.get(&key) {
                    Some(&p) => {
                        if !patterns[p].0.contains(&i) {
                            patterns[p].0.push(i);
                        }
                    }
                    None => {
                        index.insert(key.clone(), patterns.len());
                        keys.push(key);
                        patterns.push((vec![i], surface.clone()));
                    }
                }
            }
        }
        // A contiguous NFA builds several times faster than a DFA over 100k+ names and
        // still scans a question in well under a microsecond per byte.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&keys)
            .ok();
        Linker {
            automaton,
            patterns,
        }
    }

    /// Matches in `normalized` (already folded with [`normalize`]): local entity indexes,
    /// the surface text, and the byte range.
    fn matches(&self, normalized: &str) -> Vec<(u32, &str, usize, usize)> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for m in ac.find_iter(normalized) {
            if !at_boundary(normalized, m.start(), m.end()) {
                continue;
            }
            let (entities, surface) = &self.patterns[m.pattern().as_usize()];
            for &entity in entities {
                out.push((entity, surface.as_str(), m.start(), m.end()));
            }
        }
        out
    }

    /// Entities named in `normalized`, in text order (one segment on its own).
    pub fn find(&self, entities: &[Entity], normalized: &str) -> Vec<Link> {
        merge(std::iter::once((self, entities)), normalized)
    }
}

/// Leftmost-longest matches across several linkers (one per segment): a longer name found
/// in one file beats a shorter one inside it found in another.
pub(super) fn merge<'a>(
    linkers: impl Iterator<Item = (&'a Linker, &'a [Entity])>,
    normalized: &str,
) -> Vec<Link> {
    let mut all: Vec<(usize, usize, &str, &str)> = Vec::new();
    for (linker, entities) in linkers {
        for (e, surface, start, end) in linker.matches(normalized) {
            if let Some(entity) = entities.get(e as usize) {
                all.push((start, end, surface, entity.id.as_str()));
            }
        }
    }
    all.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out: Vec<Link> = Vec::new();
    let mut taken_until = 0;
    let mut last_span = (usize::MAX, usize::MAX);
    for (start, end, surface, id) in all {
        // The same span may name entities in several files; an overlapping shorter one loses.
        let same_span = (start, end) == last_span;
        if start < taken_until && !same_span {
            continue;
        }
        if !out.iter().any(|l| l.id == id) {
            out.push(Link {
                id: id.to_string(),
                alias: surface.to_string(),
                start,
                end,
            });
        }
        taken_until = end;
        last_span = (start, end);
    }
    out
}

/// A Latin-script match must not start or end inside a word; a plural `s` may follow.
fn at_boundary(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let mut after = text[end..].chars();
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    let word = |c: Option<char>| matches!(c, Some(c) if c.is_alphanumeric() && !is_cjk(c));
    let left_ok = !(word(before) && word(first));
    let next = after.next();
    let right_ok = !(word(next) && word(last)) || (next == Some('s') && !word(after.next()));
    left_ok && right_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::model::Source;

    fn entity(id: &str, name: &str, aliases: &[&str]) -> Entity {
        Entity {
            id: id.into(),
            kind: "product".into(),
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            summary: None,
            attrs: vec![],
            source: Source {
                file: "p.toml".into(),
                line: 1,
            },
        }
    }

    #[test]
    fn links_names_and_aliases_with_word_boundaries() {
        let es = [
            entity("tea", "Tea", &[]),
            entity(
                "yirga",
                "Ethiopia Yirgacheffe",
                &["yirgacheffe", "耶加雪菲"],
            ),
        ];
        let linker = Linker::build(&es);
        let found = linker.find(&es, &normalize("How much is the YIRGACHEFFE?"));
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].id.as_str(), found[0].alias.as_str()),
            ("yirga", "yirgacheffe")
        );
        assert!(linker
            .find(&es, &normalize("is the steam wand hot"))
            .is_empty());
        assert_eq!(linker.find(&es, "do you sell teas")[0].id, "tea");
    }

    #[test]
    fn links_cjk_without_spaces() {
        let es = [entity("yirga", "Ethiopia Yirgacheffe", &["耶加雪菲"])];
        let found = Linker::build(&es).find(&es, &normalize("耶加雪菲多少钱？"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].alias, "耶加雪菲");
    }

    #[test]
    fn longest_name_wins() {
        let es = [
            entity("house", "House", &[]),
            entity("blend", "House Blend", &[]),
        ];
        let found = Linker::build(&es).find(&es, "price of the house blend");
        assert_eq!(
            found.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
            ["blend"]
        );
    }

    #[test]
    fn longest_wins_across_segments() {
        let a = [entity("house", "House", &[])];
        let b = [
            entity("blend", "House Blend", &[]),
            entity("mug", "Mug", &[]),
        ];
        let (la, lb) = (Linker::build(&a), Linker::build(&b));
        let found = merge(
            [(&la, &a[..]), (&lb, &b[..])].into_iter(),
            "a house blend and a mug",
        );
        assert_eq!(
            found.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
            ["blend", "mug"]
        );
    }
}
