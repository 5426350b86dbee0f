//! Entities a question names in part: "my class pass" for 10-Class Pass, and the more
//! specific entity behind a name it says ("the laser induction" is Laser Cutter Induction,
//! not the laser).

use std::collections::HashMap;

use super::graph::Graph;
use super::model::Entity;
use super::score::Question;
use super::segment::name_keys;
use crate::text::normalize;

/// The people a question that names no one asks for by what they look after: "who do I
/// email about volunteering?" → the person whose aliases or summary say "volunteer"
/// ("Volunteer coordinator: she runs the inductions …"), when one or two do. More would
/// be a guess.
pub(super) fn asked_person(g: &Graph, q: &Question) -> Vec<String> {
    use super::wants::Want;
    if !q
        .asked
        .wants
        .iter()
        .any(|w| matches!(w, Want::Person | Want::Contact))
    {
        return Vec::new();
    }
    let lex = g.lexicon();
    if q.topic.is_empty() {
        return Vec::new();
    }
    let topic: Vec<&super::words::Term> = q.topic.iter().filter(|t| !t.is_zh()).collect();
    // Chinese words as written inside an alias (志愿者 in 志愿者协调员).
    let zh_said = |aliases: &[String]| {
        q.topic
            .iter()
            .filter(|t| t.is_zh() && t.text.chars().count() >= 2)
            .any(|t| aliases.iter().any(|a| a.contains(&t.text)))
    };
    // What a person is called ("volunteer coordinator") says what they look after more
    // surely than a word of their summary ("… and the packing volunteers").
    let says = |text: &str| {
        let words = super::words::terms_of(lex, text);
        topic.iter().any(|t| {
            words
                .iter()
                .any(|w| super::words::closeness(lex, t, w) >= 0.9)
        })
    };
    let mut tiers: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    for e in g
        .entities()
        .filter(|e| super::score::kind_classes(lex, &e.kind).has(crate::lexicon::Classes::PERSON))
        // Someone to reach: a role ("Shop Floor Volunteer") is a kind of person too, but
        // has no address of its own.
        .filter(|e| {
            g.facts_of(&e.id).iter().any(|f| {
                f.typed.types.iter().any(|t| {
                    matches!(
                        t,
                        super::value::ValueType::Email | super::value::ValueType::Phone
                    )
                })
            })
        })
    {
        if says(&e.aliases.join(" ")) || zh_said(&e.aliases) {
            tiers[0].push(e.id.clone());
        } else if says(e.summary.as_deref().unwrap_or("")) {
            tiers[1].push(e.id.clone());
        }
    }
    tiers
        .into_iter()
        .find(|people| !people.is_empty())
        .filter(|people| people.len() <= 2)
        .unwrap_or_default()
}

/// Entities the question names only in part: the topic words that are words of a name,
/// weighed by rarity, covering at least half of the name's weight.
pub(super) fn partly_named(g: &Graph, q: &Question) -> Vec<String> {
    let lex = g.lexicon();
    let mut scores: HashMap<String, f32> = HashMap::new();
    for (i, t) in q.topic.iter().enumerate() {
        for key in t.keys(lex) {
            // A word in many names ("coffee" in a coffee shop's) names none of them.
            let named = g.entities_named(&key);
            if named.len() > 3 {
                continue;
            }
            for e in named {
                *scores.entry(e.id.clone()).or_default() += q.weight[i];
            }
        }
    }
    let mut out: Vec<(String, f32)> = Vec::new();
    for (id, said) in scores {
        let Some(e) = g.entity(&id) else { continue };
        // The share of the best-matching surface's words (name or alias) the question said.
        let topic_keys: Vec<String> = q.topic.iter().flat_map(|t| t.keys(lex)).collect();
        let best = std::iter::once(&e.name)
            .chain(&e.aliases)
            .map(|s| {
                if crate::text::has_cjk(s) {
                    // Chinese: the share of the name's characters the question wrote, which
                    // must be most of it (烘焙 is not 烘焙坊).
                    let n = s.chars().filter(|c| crate::text::is_cjk(*c)).count().max(1);
                    let hit: usize = q
                        .topic
                        .iter()
                        .filter(|t| t.is_zh() && s.contains(&t.text))
                        .map(|t| t.text.chars().count())
                        .sum();
                    let share = hit.min(n) as f32 / n as f32;
                    return if share >= 0.75 { share } else { 0.0 };
                }
                let words: Vec<String> = normalize(s)
                    .split(' ')
                    .filter(|w| !w.is_empty() && !crate::text::is_stopword(w))
                    .map(str::to_string)
                    .collect();
                let hit = words
                    .iter()
                    .filter(|w| name_keys(lex, w).iter().any(|k| topic_keys.contains(k)))
                    .count();
                hit as f32 / words.len().max(1) as f32
            })
            .fold(0.0f32, f32::max);
        // Half a name ("coffee" of "Coffee Subscription") names it only with a word the
        // pack rarely uses.
        let rare = q.topic.iter().any(|t| {
            t.keys(lex)
                .iter()
                .any(|k| e_named(g, k, &id) && g.vocab(k).1 <= 2)
        });
        if best > 0.5 || (best >= 0.5 && rare) {
            out.push((id, said * best));
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let top = out.first().map_or(0.0, |x| x.1);
    out.into_iter()
        .filter(|x| x.1 >= top * 0.75)
        .take(3)
        .map(|x| x.0)
        .collect()
}

/// Does the word key `key` occur in the name or an alias of entity `id`?
pub(super) fn e_named(g: &Graph, key: &str, id: &str) -> bool {
    g.entities_named(key).iter().any(|e| e.id == id)
}

/// The entity the question names more fully than `alias` names `linked`: one whose name or
/// alias holds every word of `alias` and at least one more word the question says, and most
/// of whose words the question says ("laser induction" of Laser Cutter Induction). Only
/// neighbours of `linked` and entities sharing its words are candidates, so a word the
/// question merely also says ("the laser *price*") moves nothing.
pub(super) fn more_specific<'g>(
    g: &'g Graph,
    q: &Question,
    linked: &str,
    alias: &str,
) -> Option<&'g Entity> {
    let lex = g.lexicon();
    if crate::text::has_cjk(alias) {
        return None;
    }
    let said: Vec<String> = name_keys(lex, alias);
    if said.is_empty() {
        return None;
    }
    let topic: Vec<String> = q.topic.iter().flat_map(|t| t.keys(lex)).collect();
    // The linked entity's own best reading sets the bar: "the laser cutter" linked by "the
    // laser" is still Laser Cutter, not Laser Cutter Induction.
    // Readings compare by how many of the question's words they hold, then by share.
    let mut best: Option<(&Entity, (usize, f32))> = None;
    let mut own: (usize, f32) = (0, 0.0);
    for e in said.iter().flat_map(|k| g.entities_named(k)) {
        for surface in std::iter::once(&e.name).chain(&e.aliases) {
            if crate::text::has_cjk(surface) {
                continue;
            }
            let words: Vec<Vec<String>> = normalize(surface)
                .split(' ')
                .filter(|w| !w.is_empty() && !crate::text::is_stopword(w))
                .map(|w| name_keys(lex, w))
                .filter(|k| !k.is_empty())
                .collect();
            let holds = |k: &String| words.iter().any(|w| w.contains(k));
            if !said.iter().all(holds) {
                continue;
            }
            let from_alias = words
                .iter()
                .filter(|w| w.iter().any(|k| said.contains(k)))
                .count();
            let more = words
                .iter()
                .filter(|w| !w.iter().any(|k| said.contains(k)))
                .filter(|w| w.iter().any(|k| topic.contains(k)))
                .count();
            let held = from_alias + more;
            let share = held as f32 / words.len().max(1) as f32;
            let reading = (held, share);
            let better =
                |than: (usize, f32)| reading.0 > than.0 || (reading.0 == than.0 && share > than.1);
            if e.id == linked {
                if better(own) {
                    own = reading;
                }
            } else if more >= 1 && share >= 0.6 && best.is_none_or(|(_, b)| better(b)) {
                best = Some((e, reading));
            }
        }
    }
    best.filter(|(_, (held, share))| *held > own.0 || (*held == own.0 && *share > own.1))
        .map(|(e, _)| e)
}
