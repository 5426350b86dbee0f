//! Answers worded straight from the planned facts with the sentence templates of
//! `prompts/answers.toml`, in the member's language: the fallback when the model's wording
//! does not pass the guard. Never a `Name — key: value` row.

use std::collections::HashMap;

use minijinja::{context, Environment};
use serde::Deserialize;

use super::error::PromptError;
use super::CitationOut;
use crate::knowledge::{FactKind, Graph, Retrieval, ScoredFact};
use crate::text::{is_cjk, Lang};

pub(super) const DEFAULT_ANSWERS: &str = include_str!("../../prompts/answers.toml");

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AnswersFile {
    #[serde(default)]
    attr: HashMap<String, String>,
    #[serde(default)]
    attr_zh: HashMap<String, String>,
    #[serde(default)]
    relation: HashMap<String, String>,
    #[serde(default)]
    relation_zh: HashMap<String, String>,
    #[serde(default)]
    labels_zh: HashMap<String, String>,
}

/// The sentence templates, the built-in ones overlaid with the admin's file.
pub struct AnswerTemplates {
    env: Environment<'static>,
    labels_zh: HashMap<String, String>,
}

impl AnswerTemplates {
    /// Parse `text` (from `path`, for errors) over the built-in templates.
    pub fn load(path: &str, text: &str) -> Result<AnswerTemplates, PromptError> {
        let err = |path: &str, message: String| PromptError::Template {
            path: path.to_string(),
            message,
        };
        let mut all: AnswersFile = toml::from_str(DEFAULT_ANSWERS)
            .map_err(|e| err("(built-in) answers.toml", e.to_string()))?;
        let file: AnswersFile =
            toml::from_str(text).map_err(|e| err(path, e.message().to_string()))?;
        all.attr.extend(file.attr);
        all.attr_zh.extend(file.attr_zh);
        all.relation.extend(file.relation);
        all.relation_zh.extend(file.relation_zh);
        all.labels_zh.extend(file.labels_zh);
        let mut env = Environment::new();
        for (table, entries) in [
            ("attr", all.attr),
            ("attr_zh", all.attr_zh),
            ("relation", all.relation),
            ("relation_zh", all.relation_zh),
        ] {
            for (key, source) in entries {
                env.add_template_owned(format!("{table}.{key}"), source)
                    .map_err(|e| err(&format!("{path} [{table}] {key}"), e.to_string()))?;
            }
        }
        Ok(AnswerTemplates {
            env,
            labels_zh: all.labels_zh,
        })
    }

    /// A pack's own sentence (from `[[attribute]]`), rendered.
    fn render_own(&self, source: &str, vars: minijinja::Value) -> Option<String> {
        match self.env.render_str(source, vars) {
            Ok(s) => Some(s.trim().to_string()),
            Err(e) => {
                tracing::error!(error = %crate::text::chain(&e), "a pack's attribute sentence failed");
                None
            }
        }
    }

    /// The first template of `names` that exists, rendered.
    fn render(&self, names: &[String], vars: minijinja::Value) -> Option<String> {
        let name = names.iter().find(|n| self.env.get_template(n).is_ok())?;
        match self.env.get_template(name).and_then(|t| t.render(vars)) {
            Ok(s) => Some(s.trim().to_string()),
            Err(e) => {
                tracing::error!(template = %name, error = %crate::text::chain(&e), "answer template failed");
                None
            }
        }
    }

    /// The templates' Chinese label for `key`: "taught by" and "taught_by" are one key.
    fn table_label(&self, key: &str) -> Option<&str> {
        let snake = key.trim().replace([' ', '-'], "_").to_lowercase();
        self.labels_zh
            .get(key)
            .or_else(|| self.labels_zh.get(&snake))
            .map(String::as_str)
    }

    /// Chinese label of an attribute key or relation name: the templates' table, else the
    /// pack's declared words for it, else the dictionary's word for the key (the whole
    /// phrase, or each of its words: "processing_time" → 处理时间), else none.
    fn label_zh(&self, graph: &Graph, key: &str) -> Option<String> {
        if let Some(l) = self.table_label(key) {
            return Some(l.to_string());
        }
        if let Some(w) = graph
            .attribute_words(key)
            .iter()
            .find(|w| w.chars().any(is_cjk))
        {
            return Some(w.clone());
        }
        dictionary_label(graph.lexicon(), key)
    }
}

/// A key's Chinese word from the dictionary, for the whole key only ("validity" → 有效性):
/// word-by-word glosses read as nonsense ("case officer" is not 格 + 军官), so a key the
/// dictionary lacks keeps its English words inside the Chinese sentence.
fn dictionary_label(lex: &crate::lexicon::Lexicon, key: &str) -> Option<String> {
    let phrase = words(key).to_lowercase();
    lex.zh_label(&phrase)
        .map(str::to_string)
        .or_else(|| Some(phrase.clone()).filter(|p| !p.is_empty()))
}

/// A value as said to a member: a TOML boolean reads as yes or no.
fn spoken_value(value: &str, zh: bool) -> String {
    match (value, zh) {
        ("true", false) => "yes".into(),
        ("false", false) => "no".into(),
        ("true", true) => "是".into(),
        ("false", true) => "否".into(),
        _ => value.to_string(),
    }
}

/// A value that opens with a yes or a no ("no, the landlord only allows assistance dogs"):
/// the answer, capitalised, and what follows it ("" for a bare "yes").
fn yes_no(value: &str) -> Option<(String, String)> {
    let lower = value.to_lowercase();
    let answer = ["yes", "no"].into_iter().find(|w| {
        lower.strip_prefix(w).is_some_and(|after| {
            after.is_empty() || after.starts_with([',', ';', ':', ' ', '—', '-', '.'])
        })
    })?;
    let after = value[answer.len()..].trim_start_matches([',', ';', ':', ' ', '—', '-', '.']);
    // "no booking, first come first served" is no "No,": a bare word after the "no".
    if !after.is_empty() && !value[answer.len()..].starts_with([',', ';', ':', '—', '-', '.']) {
        return None;
    }
    let answer = if answer == "yes" { "Yes" } else { "No" };
    Some((answer.to_string(), after.trim_end_matches('.').to_string()))
}

/// How an attribute with no sentence of its own reads best, from the shape of its key and
/// value: `yes_no` ("No, the landlord only allows assistance dogs (dogs, Quays)."),
/// `yes_no_bare` ("Yes: open to public at the café."), `done` for a key that is a past
/// participle ("The site opened 2017-09-04."), `prep_last` for one ending in a preposition
/// ("The induction is valid for 12 months."), `prep_first` for one starting with one
/// ("With flex, Maker is 209 GBP per month."), `verb_value` for a value that is a verb
/// phrase ("The unused days of Flex don't roll over."); none for `default`.
fn attr_shape(key: &str, value: &str) -> Option<&'static str> {
    const PREPOSITIONS: &[&str] = &[
        "at", "in", "by", "from", "of", "on", "for", "to", "with", "until", "per", "without",
    ];
    const VERBS: &[&str] = &[
        "don't", "doesn't", "do", "does", "can", "can't", "cannot", "must", "will", "won't", "are",
        "aren't", "is", "isn't", "need", "needs", "have", "has",
    ];
    let parts: Vec<&str> = key
        .split(['_', '-', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let first = parts.first().copied().unwrap_or("");
    if let Some((_, rest)) = yes_no(value) {
        return Some(if states_a_state(first) {
            "yes_no_state"
        } else if rest.is_empty() {
            "yes_no_bare"
        } else {
            "yes_no"
        });
    }
    let last = parts.last().copied().unwrap_or("");
    let value_first = value.split_whitespace().next().unwrap_or("").to_lowercase();
    // "closes: 03:00" reads "Lantern Stage closes at 03:00."
    const DOINGS: &[&str] = &[
        "opens", "closes", "starts", "ends", "finishes", "begins", "departs", "leaves", "arrives",
        "runs", "returns", "expires", "renews", "reopens",
    ];
    if parts.len() == 1 && DOINGS.contains(&first.to_lowercase().as_str()) {
        return Some(if value.starts_with(|c: char| c.is_ascii_digit()) {
            "does_at"
        } else {
            "does"
        });
    }
    if parts.len() > 1 && PREPOSITIONS.contains(&first) {
        Some("prep_first")
    } else if parts.len() > 1 && PREPOSITIONS.contains(&last) {
        Some("prep_last")
    } else if parts.len() == 1
        && first.len() > 5
        && first.ends_with("ed")
        && !first.ends_with("eed")
    {
        Some("done")
    } else if VERBS.contains(&value_first.as_str()) {
        Some("verb_value")
    } else {
        None
    }
}

/// A key's first word that says what a thing is rather than what it has ("shareable",
/// "included", "open"), so a yes or no reads "No, the pass is not shareable.": an
/// adjective of ability, a past participle, or one of the few plain state adjectives.
fn states_a_state(word: &str) -> bool {
    let w = word.to_lowercase();
    let participle = w.len() > 4 && w.ends_with("ed") && !w.ends_with("eed");
    w.ends_with("able")
        || w.ends_with("ible")
        || participle
        || ["open", "free", "closed", "suitable", "safe"].contains(&w.as_str())
}

/// Key or relation name as words: "opening_hours" → "opening hours".
fn words(key: &str) -> String {
    key.replace(['_', '-'], " ")
}

/// How a relation name reads: "held_at" (passive), "contains" (verb), "origin" (noun).
fn relation_shape(rel: &str) -> &'static str {
    let parts: Vec<&str> = rel.split(['_', '-', ' ']).collect();
    let first = parts.first().copied().unwrap_or("");
    const PREPOSITIONS: &[&str] = &["at", "in", "by", "from", "of", "on", "for", "to", "with"];
    if parts.len() > 1 && parts.last().is_some_and(|p| PREPOSITIONS.contains(p)) {
        // "roasts_for", "belongs_to" are verbs; "held_at", "made_by", "located_in" read
        // as participles.
        if first.ends_with('s') && !first.ends_with("ss") {
            "verb"
        } else {
            "passive"
        }
    } else if first.ends_with('s') && !first.ends_with("ss") && parts.len() == 1 {
        "verb"
    } else {
        "noun"
    }
}

/// An entity's name for `lang`: in Chinese its first alias written in Chinese, if any.
fn display_name(graph: &Graph, id: &str, lang: Lang) -> Option<String> {
    let e = graph.entity(id)?;
    if lang.is_zh() {
        if let Some(a) = e.aliases.iter().find(|a| a.chars().any(is_cjk)) {
            return Some(a.clone());
        }
    }
    Some(e.name.clone())
}

/// The far end of a relation for `lang`: in Chinese its Chinese alias with its name after
/// it ("艾蒂安老师（Étienne Moreau）"), so the member can find the person or place by the
/// name on the door and in the timetable.
fn display_object(graph: &Graph, id: &str, lang: Lang) -> Option<String> {
    let e = graph.entity(id)?;
    let shown = display_name(graph, id, lang)?;
    if shown != e.name && lang.is_zh() {
        return Some(format!("{shown}（{}）", e.name));
    }
    Some(shown)
}

/// End a sentence with a full stop when it has no terminator.
fn terminated(s: &str, lang: Lang) -> String {
    let s = s.trim();
    if s.ends_with(['.', '!', '?', '。', '！', '？']) {
        s.to_string()
    } else if lang.is_zh() && s.chars().last().is_some_and(is_cjk) {
        format!("{s}。")
    } else {
        format!("{s}.")
    }
}

/// One fact as one sentence.
fn sentence(graph: &Graph, t: &AnswerTemplates, f: &ScoredFact, lang: Lang) -> String {
    let subject = f
        .about
        .first()
        .and_then(|id| display_name(graph, id, lang))
        .unwrap_or_default();
    let zh = lang.is_zh();
    let rendered = match &f.kind {
        FactKind::Summary | FactKind::Passage => None,
        FactKind::Attr(key) if graph.attribute_sentence(key, zh).is_some() => t.render_own(
            graph.attribute_sentence(key, zh).unwrap_or_default(),
            context! { subject, key => words(key), value => f.value.clone() },
        ),
        FactKind::Relation { rel } if graph.attribute_sentence(rel, zh).is_some() => {
            let object = f
                .about
                .get(1)
                .and_then(|id| display_object(graph, id, lang))
                .unwrap_or_else(|| f.value.clone());
            t.render_own(
                graph.attribute_sentence(rel, zh).unwrap_or_default(),
                context! { subject, rel => words(rel), object, value => f.value.clone() },
            )
        }
        FactKind::Attr(key) => {
            let label = if zh { t.label_zh(graph, key) } else { None };
            let table = if zh && label.is_some() {
                "attr_zh"
            } else {
                "attr"
            };
            let value = spoken_value(&f.value, zh);
            let (answer, rest) = yes_no(&value).unwrap_or_default();
            let mut names = vec![format!("{table}.{key}")];
            if !zh {
                names.extend(attr_shape(key, &value).map(|shape| format!("attr.{shape}")));
            }
            names.push(format!("{table}.default"));
            t.render(
                &names,
                context! { subject, key => label.unwrap_or_else(|| words(key)), value, answer, rest },
            )
        }
        FactKind::Relation { rel } => {
            let object = f
                .about
                .get(1)
                .and_then(|id| display_object(graph, id, lang))
                .unwrap_or_else(|| f.value.clone());
            let label = if zh { t.label_zh(graph, rel) } else { None };
            let names = if zh && label.is_some() {
                vec![format!("relation_zh.{rel}"), "relation_zh.default".into()]
            } else {
                vec![
                    format!("relation.{rel}"),
                    format!("relation.{}", relation_shape(rel)),
                ]
            };
            t.render(
                &names,
                context! { subject, rel => label.unwrap_or_else(|| words(rel)), object },
            )
        }
    };
    terminated(&rendered.unwrap_or_else(|| f.value.clone()), lang)
}

/// Facts as plain sentences (no citations), in `lang` where the templates have it: what a
/// post may say, worded for people instead of as `Name — key: value` rows.
pub fn sentences(
    graph: &Graph,
    facts: &[ScoredFact],
    lang: Lang,
    templates: &AnswerTemplates,
) -> Vec<String> {
    facts
        .iter()
        .map(|f| sentence(graph, templates, f, lang))
        .collect()
}

/// The planned facts as sentences, each cited, in `lang` where the templates have it.
pub fn compose(
    graph: &Graph,
    plan: &Retrieval,
    lang: Lang,
    templates: &AnswerTemplates,
) -> (String, Vec<CitationOut>) {
    let mut parts = Vec::new();
    let mut citations = Vec::new();
    // What was asked first ("The AGM is on 13 March"), then what goes with it (the
    // crèche); the numbers stay those of the plan, as in the prompt.
    let mut order: Vec<(usize, &ScoredFact)> = plan.facts.iter().enumerate().collect();
    order.sort_by_key(|(_, f)| !f.asked);
    for (i, f) in order {
        let id = i + 1;
        parts.push(format!("{} [{id}]", sentence(graph, templates, f, lang)));
        citations.push(CitationOut {
            id,
            source: f.source.clone(),
            fact: f.text.clone(),
        });
    }
    let joiner = if lang.is_zh() { "" } else { " " };
    (parts.join(joiner), citations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_names_read_as_phrases() {
        assert_eq!(relation_shape("held_at"), "passive");
        assert_eq!(relation_shape("made_by"), "passive");
        assert_eq!(relation_shape("contains"), "verb");
        assert_eq!(relation_shape("belongs_to"), "verb");
        assert_eq!(relation_shape("origin"), "noun");
        assert_eq!(relation_shape("maintainer"), "noun");
    }

    #[test]
    fn attribute_sentences_follow_the_shape_of_key_and_value() {
        assert_eq!(
            attr_shape("dogs", "no, assistance dogs only"),
            Some("yes_no")
        );
        assert_eq!(attr_shape("open_to_public", "yes"), Some("yes_no_state"));
        assert_eq!(attr_shape("shareable", "no"), Some("yes_no_state"));
        assert_eq!(attr_shape("parking", "yes"), Some("yes_no_bare"));
        assert_eq!(
            attr_shape("booking", "no booking, first come first served"),
            None
        );
        assert_eq!(attr_shape("opened", "2017-09-04"), Some("done"));
        assert_eq!(attr_shape("closes", "03:00"), Some("does_at"));
        assert_eq!(attr_shape("runs", "every Saturday"), Some("does"));
        assert_eq!(attr_shape("valid_for", "12 months"), Some("prep_last"));
        assert_eq!(attr_shape("with_flex", "209 GBP"), Some("prep_first"));
        assert_eq!(
            attr_shape("unused_days", "don't roll over"),
            Some("verb_value")
        );
        assert_eq!(attr_shape("price", "25 GBP"), None);
        assert_eq!(attr_shape("speed", "25 km/h"), None);
        assert_eq!(
            yes_no("no, the landlord only allows assistance dogs"),
            Some((
                "No".into(),
                "the landlord only allows assistance dogs".into()
            ))
        );
        assert_eq!(yes_no("nothing"), None);
        let t = AnswerTemplates::load("answers.toml", "").expect("built-in templates");
        assert_eq!(t.table_label("taught by"), Some("授课老师"));
        assert_eq!(t.table_label("Taught-By"), Some("授课老师"));
        let render = |shape: &str, key: &str, value: &str| {
            let (answer, rest) = yes_no(value).unwrap_or_default();
            t.render(
                &[format!("attr.{shape}")],
                context! { subject => "The Quays", key => words(key), value, answer, rest },
            )
            .expect("rendered")
        };
        assert_eq!(
            render("yes_no", "dogs", "no, assistance dogs only"),
            "No, assistance dogs only (dogs at The Quays)."
        );
        assert_eq!(
            render("yes_no_state", "shareable", "no"),
            "No, The Quays is not shareable."
        );
        assert_eq!(
            render(
                "yes_no_state",
                "shareable",
                "yes, with any registered member"
            ),
            "Yes, The Quays is shareable, with any registered member."
        );
        assert_eq!(
            render("does_at", "closes", "03:00"),
            "The Quays closes at 03:00."
        );
        assert_eq!(
            render("done", "opened", "2022-05-16"),
            "The Quays opened 2022-05-16."
        );
        assert_eq!(
            render("verb_value", "unused days", "don't roll over"),
            "The unused days of The Quays don't roll over."
        );
    }

    #[test]
    fn the_asked_fact_is_said_first_with_its_own_number() {
        use crate::knowledge::{retrieve, PackLoader, RetrieveOptions};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        let g = PackLoader::default().load(&dir).expect("sample pack").graph;
        let mut plan = retrieve(
            &g,
            "how much is the yirgacheffe?",
            &[],
            &RetrieveOptions::default(),
        );
        assert!(plan.facts.len() >= 2, "{plan:?}");
        for f in plan.facts.iter_mut() {
            f.asked = false;
        }
        plan.facts[1].asked = true;
        let t = AnswerTemplates::load("answers.toml", "").expect("built-in templates");
        let (reply, citations) = compose(&g, &plan, Lang::En, &t);
        assert_eq!(citations[0].id, 2, "{reply}");
        assert!(
            reply.contains(" [2]") && reply.find("[2]") < reply.find("[1]"),
            "{reply}"
        );
    }

    #[test]
    fn a_broken_template_is_refused_with_its_place() {
        let e = AnswerTemplates::load("prompts/answers.toml", "[attr]\nprice = \"{{ subject \"\n")
            .err()
            .expect("refused");
        assert!(e.to_string().contains("[attr] price"), "{e}");
        let e = AnswerTemplates::load("prompts/answers.toml", "[atr]\n")
            .err()
            .expect("refused");
        assert!(e.to_string().contains("prompts/answers.toml"), "{e}");
    }
}
