//! What kind of value a key holds when its value alone does not say ("price = on
//! request", "schedule = by arrangement"): generic key words of English, and the lexicon's
//! classes (a key naming a person or a place).

use super::wants::Want;
use super::words::Term;
use crate::lexicon::{Classes, Lexicon};

/// Generic key words that say what kind of value a key holds, when the value alone does not
/// ("price = on request", "schedule = by arrangement").
pub(super) fn key_hint(lex: &Lexicon, key: &[Term]) -> Option<Want> {
    const HINTS: &[(Want, &[&str])] = &[
        (
            Want::Money,
            &[
                "price",
                "cost",
                "fee",
                "charge",
                "deposit",
                "fine",
                "penalty",
                "tuition",
                "rent",
                "rate",
                "pricing",
                "surcharge",
            ],
        ),
        (
            Want::When,
            &[
                "hour",
                "schedule",
                "time",
                "date",
                "day",
                "opening",
                "timetable",
                "start",
                "deadline",
                "when",
                "season",
                "session",
            ],
        ),
        (
            Want::Duration,
            &[
                "duration",
                "length",
                "validity",
                "period",
                "window",
                "term",
                "turnaround",
            ],
        ),
        (Want::Age, &["age"]),
        (
            Want::Place,
            &[
                "address", "location", "venue", "room", "place", "where", "area", "site", "floor",
                "building", "branch", "campus",
            ],
        ),
        (
            Want::Contact,
            &[
                "email",
                "phone",
                "contact",
                "website",
                "url",
                "telephone",
                "tel",
                "mobile",
            ],
        ),
    ];
    for t in key.iter().rev() {
        for (want, words) in HINTS {
            if words.contains(&t.stem.as_str())
                || t.lemmas.iter().any(|l| words.contains(&lex.lemma(*l)))
            {
                return Some(*want);
            }
        }
        if let Some(l) = t.lemmas.first() {
            let c = lex.info(*l).first_class;
            if c.has(Classes::PERSON) {
                return Some(Want::Person);
            }
            if c.has(Classes::PLACE) {
                return Some(Want::Place);
            }
        }
    }
    None
}
