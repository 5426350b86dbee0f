//! How well one fact answers one question: the question read once ([`Question`]: what it
//! wants, its topic words without the names it links and its question form), then each
//! candidate fact judged ([`judge`]) on whether its value's type can answer the wanted kind
//! ([`Fit`]) and on which of the question's words its key, relation, target, value or title
//! says, through the lexicon.

use serde::Serialize;

use super::graph::{Fact, FactKind, Graph};
use super::key_hint::key_hint;
use super::link::Link;
use super::model::Entity;
pub(super) use super::naming::names_word;
use super::question_text::{asking_sentences, expand_contractions};
use super::value::ValueType;
use super::wants::{wanted, Asked, Want};
use super::words::{closeness, place, terms_of, Term};
use crate::lexicon::{Classes, Lexicon};
use crate::text::{is_cjk, is_stopword, normalize};

/// How a fact's value fits what the question wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// It cannot answer it (a price for "how much water does it hold").
    No,
    /// The question wants nothing in particular, or yes/no: words decide.
    Neutral,
    /// It can, as a second reading (a count for a capacity, a date for "how long").
    Weak,
    /// It is what is wanted.
    Exact,
}

impl Fit {
    pub fn value(self) -> f32 {
        match self {
            Fit::No => 0.0,
            Fit::Neutral => 0.0,
            Fit::Weak => 0.4,
            Fit::Exact => 1.0,
        }
    }
}

/// A question, read once.
pub(super) struct Question {
    pub norm: String,
    pub asked: Asked,
    pub links: Vec<Link>,
    /// Topic words: not the linked names, not the question form, not stopwords.
    pub topic: Vec<Term>,
    /// Weight of each topic word (rarer in the pack weighs more).
    pub weight: Vec<f32>,
    /// The question form's own words as terms ("hours", "price"): they may name a key too.
    pub form: Vec<Term>,
}

impl Question {
    pub(super) fn read(g: &Graph, question: &str) -> Question {
        let lex = g.lexicon();
        let norm = expand_contractions(&normalize(question));
        let focus = asking_sentences(question).map(|s| expand_contractions(&normalize(&s)));
        let links = super::naming::keys_not_subjects(g, g.link(&norm));
        // The question without its linked names ("冷萃套装多少钱" asks 多少钱, not 装多少),
        // then without its Chinese question forms.
        let mut rest = norm.clone();
        let mut spans: Vec<(usize, usize)> = links.iter().map(|l| (l.start, l.end)).collect();
        spans.sort_by_key(|s| std::cmp::Reverse(s.0));
        for (s, e) in spans {
            if rest.is_char_boundary(s) && rest.is_char_boundary(e) && e <= rest.len() {
                rest.replace_range(s..e, " ");
            }
        }
        // A name that holds the question form ("fine for fly-tipping" as 乱倒垃圾罚款): the
        // whole question's form, when the rest says none.
        let mut asked = wanted(&normalize(&rest));
        if asked.wants.is_empty() && asked.measured.is_none() {
            let whole = wanted(&norm);
            if !whole.wants.is_empty() {
                asked.wants = whole.wants;
            }
        }
        for f in asked.form.iter().filter(|f| f.chars().any(is_cjk)) {
            rest = rest.replace(f.as_str(), " ");
        }
        // A general word is the topic when it is a key of an entity named: "what should I
        // bring to the induction?" asks for its `bring`.
        let linked_keys = super::naming::key_stems(g, &links);
        let mut topic = Vec::new();
        let mut form = Vec::new();
        for mut t in terms_of(lex, &rest) {
            if super::words::is_general(&t)
                && !t.is_zh()
                && linked_keys.contains(&t.stem)
                && !topic.iter().any(|o: &Term| o.text == t.text)
            {
                t.salient = true;
                topic.push(t);
                continue;
            }
            // A word neither the dictionary nor the pack knows may be a typo of a pack word.
            // Not a stopword or a word of the question form: "what" is no typo of "chat".
            if !t.is_zh()
                && !is_stopword(&t.text)
                && !asked.form.contains(&t.text)
                && t.lemmas.is_empty()
                && g.vocab(&t.stem).0 == 0
                && g.vocab(&t.text).0 == 0
            {
                if let Some(w) = g.spelled_like(&t.text) {
                    t = super::words::latin(lex, &w);
                }
            }
            let in_form = asked.form.contains(&t.text);
            if in_form {
                form.push(t);
            } else if !is_stopword(&t.text)
                && focus.as_ref().is_none_or(|f| f.contains(t.text.as_str()))
                && !super::words::is_general(&t)
                && (t.is_zh() || t.text.chars().count() > 2)
                && !topic.iter().any(|o: &Term| o.text == t.text)
            {
                topic.push(t);
            }
        }
        let n = (g.entity_count() as f32 + 1.0).max(2.0);
        let weight = topic
            .iter()
            .map(|t| {
                let df = t.keys(lex).iter().map(|k| g.vocab(k).1).max().unwrap_or(0) as f32;
                (1.0 + n / (1.0 + df)).ln()
            })
            .collect();
        Question {
            norm,
            asked,
            links,
            topic,
            weight,
            form,
        }
    }

    /// Forget the topic words that the names of `linked` (with the alias said) already
    /// say: they are how the question names its subject, not what it asks of it
    /// ([`super::naming::Naming`]).
    pub(super) fn drop_named(&mut self, g: &Graph, linked: &[(&str, &str)]) {
        let lex = g.lexicon();
        let mut names = Vec::new();
        let mut kinds: Vec<Term> = Vec::new();
        for (e, alias) in linked
            .iter()
            .filter_map(|(id, alias)| g.entity(id).map(|e| (e, *alias)))
        {
            names.push(super::naming::Naming::of(g, e, Some(alias)));
            kinds.extend(terms_of(lex, &e.kind));
        }
        // The entity's kind said as such ("the german evening *course*") names it too; only
        // the word itself, so that "class" still asks for `max_class_size` of a course.
        let keep: Vec<bool> = self
            .topic
            .iter()
            .map(|t| {
                !names.iter().any(|n| n.names(lex, t))
                    && !kinds.iter().any(|k| t.text == k.text || t.stem == k.stem)
            })
            .collect();
        let mut i = 0;
        self.topic.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        let mut i = 0;
        self.weight.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }

    pub(super) fn total_weight(&self) -> f32 {
        self.weight.iter().sum()
    }
}

/// Words of one side of a fact, with how much saying a question word through them counts.
struct Said<'a> {
    terms: &'a [Term],
    weight: f32,
    /// The fact's own words (its key, relation or title): saying the question's topic
    /// through them means the fact is about what is asked.
    own: bool,
}

/// What a fact is worth for a question.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(super) struct Judged {
    pub fit: Option<Fit>,
    /// Weighted share of the question's topic words the fact says (0..1).
    pub words: f32,
    /// How well the fact's own words (key, relation, title) say a topic word, at best.
    pub named: f32,
    /// The measured noun ("how much notice") is said by the fact's key.
    pub measured: bool,
    /// The question form's own measure word is the key's ("what *time*" → `set_out_time`).
    pub form_named: bool,
    /// The question's words the fact says, for `kb query`.
    pub matched: Vec<String>,
    /// Per topic word: said by the fact.
    #[serde(skip)]
    pub covers: Vec<bool>,
}

/// Value types that answer `want`, exactly and as a second reading.
fn accepted(want: Want) -> (&'static [ValueType], &'static [ValueType]) {
    use ValueType::*;
    match want {
        Want::Money => (&[Money], &[Percent]),
        // A date is not how long something takes ("考多长时间" is not the exam date).
        Want::Duration => (&[Duration], &[]),
        Want::Frequency => (&[Frequency], &[Schedule]),
        Want::When => (&[Date, Time, Schedule, Frequency], &[Duration]),
        Want::Place => (&[Address], &[]),
        Want::Person => (&[], &[]),
        Want::Temperature => (&[Temperature], &[]),
        Want::Volume => (&[Volume], &[Count]),
        Want::Weight => (&[Weight], &[]),
        Want::Size => (&[Length, Volume, Weight], &[Count]),
        Want::Count => (&[Count], &[]),
        // An age is a count or a duration, but only a key that says age is one.
        Want::Age => (&[], &[]),
        Want::Contact => (&[Email, Phone, Url], &[]),
        Want::YesNo => (&[YesNo], &[]),
        Want::Explain => (&[], &[]),
    }
}

/// Classes of the entity a relation points at: its kind's, or the kind word's own.
pub(super) fn kind_classes(lex: &Lexicon, kind: &str) -> Classes {
    let mut c = Classes::default();
    for t in terms_of(lex, kind) {
        if let Some(l) = t.lemmas.first() {
            c.0 |= lex.info(*l).first_class.0;
        }
        for (l, w) in &t.glosses {
            if *w >= 0.8 {
                c.0 |= lex.info(*l).first_class.0;
            }
        }
    }
    c
}

/// The far end of a relation fact, seen from the entity asked about.
#[derive(Clone, Copy)]
pub(super) struct FarEnd {
    classes: Classes,
    /// The relation points at the entity asked about ("Spanish A1 is held at *Riverside*"
    /// asked of Riverside): what it says is where the other one is, not where this one is.
    incoming: bool,
}

fn fit_one(lex: &Lexicon, want: Want, fact: &Fact, key: &[Term], far: Option<FarEnd>) -> Fit {
    if matches!(want, Want::YesNo | Want::Explain) {
        let (exact, _) = accepted(want);
        return if fact.typed.types.iter().any(|t| exact.contains(t)) {
            Fit::Exact
        } else {
            Fit::Neutral
        };
    }
    let (exact, weak) = accepted(want);
    match &fact.kind {
        FactKind::Attr(_) => {
            let types = &fact.typed.types;
            if types.iter().any(|t| exact.contains(t)) {
                return Fit::Exact;
            }
            // "how long is 2.3 supported?" → "supported until: 2026-12-31": a date answers
            // how long only as the end of the span, so only a key saying so.
            if want == Want::Duration && fact.typed.is(ValueType::Date) && is_bound(lex, key) {
                return Fit::Weak;
            }
            let hint = key_hint(lex, key);
            if want == Want::Age {
                // An age key's words with a number ("ages: 7 to 12", "under 16s with an
                // adult") still say the age.
                let aged = types
                    .iter()
                    .any(|t| matches!(t, ValueType::Count | ValueType::Duration))
                    || fact.value.chars().any(|c| c.is_ascii_digit());
                return match (hint == Some(Want::Age), aged) {
                    (true, true) => Fit::Exact,
                    (true, false) => Fit::Weak,
                    _ => Fit::No,
                };
            }
            // A key that names people but holds a time ("parent and toddler splash: Mon–Fri
            // 13:00") says when, not who.
            let timed = types.iter().any(|t| {
                matches!(
                    t,
                    ValueType::Schedule | ValueType::Time | ValueType::Date | ValueType::Money
                )
            });
            if hint == Some(want)
                && !(want == Want::Person && timed)
                && (types.is_empty()
                    || fact.typed.is(ValueType::Text)
                    || !fact.typed.primary().is_measure())
            {
                // An `address` or `contact` written as free text is still where or whom.
                return if matches!(want, Want::Place | Want::Person | Want::Contact) {
                    Fit::Exact
                } else {
                    Fit::Weak
                };
            }
            if types.iter().any(|t| weak.contains(t)) {
                return Fit::Weak;
            }
            Fit::No
        }
        FactKind::Relation { rel } => {
            let c = far.map(|f| f.classes).unwrap_or_default();
            let incoming = far.is_some_and(|f| f.incoming);
            match want {
                Want::Person if c.has(Classes::PERSON) => Fit::Exact,
                Want::Place if c.has(Classes::PLACE) && !incoming => Fit::Exact,
                Want::Place => {
                    let locative = rel.split(['_', ' ', '-']).any(|w| {
                        matches!(
                            w,
                            "at" | "in" | "located" | "held" | "from" | "origin" | "where"
                        )
                    });
                    // "held in", "located at" say where, whatever the far end's kind
                    // ("Main Pool" is a place only as a swimming pool).
                    if locative && !c.has(Classes::PERSON) && !incoming {
                        Fit::Exact
                    } else {
                        Fit::No
                    }
                }
                Want::When if c.has(Classes::EVENT) || c.has(Classes::TIME) => Fit::Weak,
                _ => Fit::No,
            }
        }
        FactKind::Summary | FactKind::Passage => {
            let found = super::value::type_value(&fact.value).types;
            if found.iter().any(|t| exact.contains(t) || weak.contains(t)) {
                Fit::Weak
            } else if matches!(want, Want::Person | Want::Place) {
                Fit::Neutral
            } else {
                Fit::No
            }
        }
    }
}

/// Does the key name the end of a span ("valid until", "expires", "deadline")?
fn is_bound(lex: &Lexicon, key: &[Term]) -> bool {
    const BOUNDS: &[&str] = &[
        "until", "till", "expire", "expiry", "end", "deadline", "through",
    ];
    key.iter().any(|t| {
        BOUNDS.contains(&t.stem.as_str())
            || BOUNDS.contains(&t.text.as_str())
            || t.lemmas.iter().any(|l| BOUNDS.contains(&lex.lemma(*l)))
    })
}

/// The fit of `fact` for the question: its best over the wanted kinds, the first kind
/// counting most; `None` when the question wants nothing in particular.
pub(super) fn fit(
    lex: &Lexicon,
    asked: &Asked,
    fact: &Fact,
    key: &[Term],
    far: Option<FarEnd>,
) -> Option<Fit> {
    if asked.wants.is_empty() {
        if asked.measured.is_some() {
            // "how much notice": an amount, whatever its unit, but not money.
            let ok = matches!(fact.kind, FactKind::Attr(_))
                && fact.typed.primary().is_measure()
                && fact.typed.primary() != ValueType::Money;
            return Some(if ok { Fit::Weak } else { Fit::No });
        }
        return None;
    }
    let mut best = Fit::No;
    // With a specific kind asked ("is there an entry fee?"), yes/no alone does not make any
    // value fit: only a yes/no value, or one of the kind.
    let specific = asked
        .wants
        .iter()
        .any(|w| !matches!(w, Want::YesNo | Want::Explain));
    for (i, w) in asked.wants.iter().enumerate() {
        let mut f = fit_one(lex, *w, fact, key, far);
        if specific
            && matches!(w, Want::YesNo | Want::Explain)
            && f == Fit::Neutral
            && matches!(fact.kind, FactKind::Attr(_) | FactKind::Relation { .. })
        {
            f = Fit::No;
        }
        // A day answers "when" but not "what time".
        if *w == Want::When
            && asked.clock
            && f == Fit::Exact
            && matches!(fact.kind, FactKind::Attr(_))
            && !fact.typed.clock
        {
            f = Fit::Weak;
        }
        if i > 0 && f == Fit::Exact && *w != Want::YesNo {
            f = Fit::Weak;
        }
        // "how many weeks": "4 hours" is a duration, but not in what was asked.
        if let Some(unit) = asked.unit.as_deref() {
            if f == Fit::Exact
                && matches!(fact.kind, FactKind::Attr(_))
                && !crate::text::terms(&normalize(&fact.value))
                    .iter()
                    .any(|t| t.trim_end_matches('s') == unit)
            {
                f = Fit::Weak;
            }
        }
        best = best.max(f);
    }
    Some(best)
}

/// Judge `fact` for `q`. `subject` is the entity it is about, `other` the far end of a
/// relation; `key_terms` the fact's key or relation as terms.
pub(super) fn judge(
    g: &Graph,
    q: &Question,
    fact: &Fact,
    key_terms: &[Term],
    other: Option<&Entity>,
) -> Judged {
    let lex = g.lexicon();
    let far = other.map(|o| FarEnd {
        classes: kind_classes(lex, &o.kind),
        incoming: fact.about.first() == Some(&o.id),
    });
    let fit = fit(lex, &q.asked, fact, key_terms, far);
    let value_terms;
    let title_terms;
    let body_terms;
    let other_terms;
    let kind_terms;
    let mut sides: Vec<Said> = Vec::new();
    match &fact.kind {
        FactKind::Attr(_) => {
            sides.push(Said {
                terms: key_terms,
                weight: 1.0,
                own: true,
            });
            value_terms = terms_of(lex, &fact.value);
            sides.push(Said {
                terms: &value_terms,
                weight: 0.85,
                own: false,
            });
        }
        FactKind::Relation { .. } => {
            sides.push(Said {
                terms: key_terms,
                weight: 1.0,
                own: true,
            });
            if let Some(o) = other {
                let mut names = terms_of(lex, &o.name);
                for a in &o.aliases {
                    names.extend(terms_of(lex, a));
                }
                other_terms = names;
                kind_terms = terms_of(lex, &o.kind);
                sides.push(Said {
                    terms: &other_terms,
                    weight: 0.8,
                    own: false,
                });
                sides.push(Said {
                    terms: &kind_terms,
                    weight: 0.9,
                    own: true,
                });
            }
        }
        FactKind::Summary => {
            body_terms = terms_of(lex, &fact.value);
            sides.push(Said {
                terms: &body_terms,
                weight: 0.7,
                own: false,
            });
        }
        FactKind::Passage => {
            let title = fact.text.split(" — ").next().unwrap_or_default();
            title_terms = terms_of(lex, title);
            body_terms = terms_of(lex, &fact.value);
            sides.push(Said {
                terms: &title_terms,
                weight: 1.0,
                own: true,
            });
            sides.push(Said {
                terms: &body_terms,
                weight: 0.6,
                own: false,
            });
        }
    }
    let mut j = Judged {
        fit,
        covers: vec![false; q.topic.len()],
        ..Judged::default()
    };
    let total = q.total_weight();
    let mut said = 0.0;
    for (i, t) in q.topic.iter().enumerate() {
        let mut best: f32 = 0.0;
        for side in &sides {
            for d in side.terms.iter().filter(|d| !is_stopword(&d.text)) {
                let c = closeness(lex, t, d);
                if c <= 0.0 {
                    continue;
                }
                best = best.max(c * side.weight);
                if side.own {
                    j.named = j.named.max(c);
                }
            }
        }
        if best >= 0.5 {
            j.covers[i] = best >= 0.6;
            j.matched.push(t.text.clone());
            said += q.weight[i] * best;
        }
    }
    j.words = if total > 0.0 { said / total } else { 0.0 };
    if let Some(noun) = &q.asked.measured {
        let noun = terms_of(lex, noun);
        j.measured = noun
            .iter()
            .any(|n| key_terms.iter().any(|k| closeness(lex, n, k) >= 0.75));
    }
    // The question form's words may name the key itself ("opening hours" → `hours`), when
    // the value is of the kind they ask: "how many *weeks*" is not `hours_per_week: 4 hours`.
    if matches!(fact.kind, FactKind::Attr(_)) && matches!(fit, Some(Fit::Exact) | None) {
        for f in &q.form {
            if key_terms.iter().any(|k| closeness(lex, f, k) >= 0.99) {
                j.named = j.named.max(0.8);
                j.form_named = true;
                j.matched.push(f.text.clone());
            }
        }
    }
    j
}

/// Is `t` a topic the pack has nowhere, even in other words ("pilates", "showers")?
pub(super) fn absent(g: &Graph, t: &Term) -> bool {
    let lex = g.lexicon();
    if t.is_zh() {
        if g.vocab(&t.text).0 != 0 {
            return false;
        }
        return !t.glosses.iter().filter(|(_, w)| *w >= 0.8).any(|(l, _)| {
            g.vocab(lex.lemma(*l)).0 != 0
                || lex
                    .relatives(*l)
                    .any(|(r, w)| w >= 0.8 && g.vocab(lex.lemma(r)).0 != 0)
        });
    }
    if t.keys(lex).iter().any(|k| g.vocab(k).0 != 0) {
        return false;
    }
    !t.lemmas.iter().any(|l| {
        lex.relatives(*l)
            .any(|(r, w)| w >= 0.75 && g.vocab(lex.lemma(r)).0 != 0)
    })
}

/// Is `t` a kind of fact somewhere in the pack (an attribute key or relation name)?
pub(super) fn is_a_key(g: &Graph, t: &Term) -> bool {
    let lex = g.lexicon();
    t.keys(lex).iter().any(|k| g.vocab(k).0 & place::KEY != 0)
}
