//! Claims made in words rather than numbers, which the guard checks per sentence: hedges
//! that change a fact ("approximately 16.00 USD" when the fact says 16.00 USD) and content
//! words that neither the facts nor the question support ("sourced from a small
//! family-owned business in Rio de Janeiro").

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::text::{is_cjk, normalize, terms};

static HEDGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(approximately|approx\.?|about|around|roughly|nearly|almost|up to|more than|less than|over|under|at least|at most)\s+(?:[$€£¥]\s*)?\d",
    )
    .unwrap()
});
static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)https?://\S+|\S+@\S+|www\.\S+").unwrap());

/// Hedges that soften whatever follows them, number or not ("approximately Apache-2.0",
/// "roughly within 2 business days"): a fact is never approximate.
static HEDGE_ANY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(approximately|approx\.|roughly|nearly|almost|supposedly|probably|maybe|perhaps)\b",
    )
    .unwrap()
});

const HEDGES_ZH: &[&str] = &[
    "大约",
    "大概",
    "约",
    "左右",
    "超过",
    "不到",
    "差不多",
    "至少",
];

/// Hedges before (or, in Chinese, around) a number that no fact words the same way.
pub(super) fn hedges(sentence: &str, sources: &[&str]) -> Vec<String> {
    let padded: Vec<String> = sources
        .iter()
        .map(|s| format!(" {} ", normalize(s)))
        .collect();
    let in_sources = |w: &str| padded.iter().any(|s| s.contains(w));
    let mut out = Vec::new();
    for c in HEDGE.captures_iter(sentence) {
        let word = normalize(&c[1]);
        if !in_sources(&format!(" {word} ")) {
            out.push(c[0].to_string());
        }
    }
    for m in HEDGE_ANY.find_iter(sentence) {
        let word = normalize(m.as_str());
        if !in_sources(&format!(" {word} ")) && !out.iter().any(|o| o.contains(m.as_str())) {
            out.push(m.as_str().to_string());
        }
    }
    if sentence.chars().any(|c| c.is_ascii_digit()) {
        for h in HEDGES_ZH {
            // "约" inside "大约" is the same hedge.
            let inside_other = out.iter().any(|o: &String| o.contains(h));
            if sentence.contains(h) && !in_sources(h) && !inside_other {
                out.push((*h).to_string());
            }
        }
    }
    out
}

/// Words an answer may use without a fact saying them: the glue of a reply.
const GLUE: &[&str] = &[
    "cost",
    "costs",
    "price",
    "priced",
    "available",
    "located",
    "open",
    "opens",
    "offer",
    "offers",
    "serve",
    "serves",
    "served",
    "sell",
    "sells",
    "sold",
    "please",
    "thank",
    "thanks",
    "here",
    "there",
    "also",
    "include",
    "includes",
    "including",
    "which",
    "that",
    "this",
    "these",
    "those",
    "with",
    "from",
    "have",
    "will",
    "would",
    "could",
    "should",
    "your",
    "yours",
    "ours",
    "their",
    "them",
    "they",
    "what",
    "when",
    "where",
    "each",
    "every",
    "only",
    "just",
    "very",
    "much",
    "many",
    "more",
    "most",
    "some",
    "such",
    "like",
    "well",
    "good",
    "great",
    "sure",
    "help",
    "know",
    "answer",
    "question",
    "happy",
    "glad",
    "enjoy",
    "course",
    "currently",
    "today",
    "take",
    "takes",
    "make",
    "makes",
    "find",
    "visit",
    "come",
    "comes",
    "give",
    "gives",
    "need",
    "needs",
    "want",
    "other",
    "than",
    "then",
    "into",
    "because",
    "since",
    "while",
    "called",
    "named",
    "known",
    "held",
    "hold",
    "holds",
    "takes",
    "place",
    "runs",
    "run",
    "starts",
    "start",
    "ends",
    "write",
    "call",
    "reach",
    "contact",
    "address",
    "hours",
    "weekdays",
    "weekend",
    "between",
    "both",
    "either",
    "information",
    "details",
    "info",
    "more",
    "yes",
    "okay",
    "certainly",
    "correct",
    "right",
    "exactly",
    "below",
    "above",
    "cited",
    "source",
    "sources",
    "fact",
    "facts",
    "according",
    "says",
    "said",
    "listed",
    "weighs",
    "weigh",
    "costing",
    "priced",
];

/// Latin content words of `sentence` that neither the facts nor the question contain
/// (stemmed, so "roasts" meets "roast"), and among them the names: capitalised words
/// inside the sentence ("Portland, Oregon"). Chinese text is not judged here: the facts
/// are often English while the reply is Chinese, so its claims are checked by value.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Unbacked {
    pub(super) words: Vec<String>,
    pub(super) names: Vec<String>,
}

impl Unbacked {
    /// One stray common word is style ("delicious"); two, or any name, are a claim.
    pub(super) fn is_claim(&self) -> bool {
        self.words.len() >= 2 || !self.names.is_empty()
    }
}

pub(super) fn unsupported_words(sentence: &str, sources: &[&str], extra: &[&str]) -> Unbacked {
    let known: HashSet<String> = sources
        .iter()
        .chain(extra)
        .flat_map(|s| terms(&normalize(s)))
        .collect();
    // E-mails and URLs are checked whole elsewhere; their parts are not words.
    let sentence = LINK.replace_all(sentence, " ");
    let mut out = Unbacked::default();
    let mut first = true;
    for word in sentence.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-') {
        let word = word.trim_matches(['\'', '-']);
        if word.is_empty() {
            continue;
        }
        let initial = std::mem::replace(&mut first, false);
        if word.chars().count() < 4
            || word.chars().any(|c| c.is_ascii_digit() || is_cjk(c))
            || GLUE.contains(&word.to_lowercase().as_str())
        {
            continue;
        }
        let t = terms(&normalize(word));
        if t.is_empty() || t.iter().all(|t| known.contains(t)) {
            continue;
        }
        if !out.words.contains(&word.to_string()) {
            out.words.push(word.to_string());
            if !initial && word.chars().next().is_some_and(char::is_uppercase) {
                out.names.push(word.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hedge_the_facts_do_not_make_is_caught() {
        let facts = ["Colombia Huila — price: 16.00 USD"];
        assert_eq!(
            hedges("It costs approximately 16.00 USD.", &facts),
            vec!["approximately 1"]
        );
        assert!(hedges("It costs 16.00 USD.", &facts).is_empty());
        let facts = ["Shipping policy — free shipping over: 40.00 USD"];
        assert!(hedges("Shipping is free over 40.00 USD.", &facts).is_empty());
        assert_eq!(
            hedges("价格大约是16.00 USD。", &["Huila — price: 16.00 USD"]),
            ["大约"]
        );
    }

    #[test]
    fn invented_content_words_are_found_and_paraphrases_pass() {
        let facts = ["House Blend — Chocolatey everyday blend of Brazil and Colombia beans."];
        let q = ["where do the beans in the house blend come from?"];
        let bad = unsupported_words(
            "The beans are sourced from a small, family-owned business in Rio de Janeiro.",
            &facts,
            &q,
        );
        assert!(bad.words.contains(&"sourced".to_string()), "{bad:?}");
        assert_eq!(bad.names, ["Janeiro"]);
        assert!(bad.is_claim());
        let good = unsupported_words(
            "The House Blend is a chocolatey blend of Brazil and Colombia beans.",
            &facts,
            &q,
        );
        assert_eq!(good, Unbacked::default());
        assert!(!unsupported_words("豪斯拼配来自巴西。", &facts, &q).is_claim());
        let roastery = ["Riverside Roastery — address: 410 Water Avenue, Portland"];
        let oregon = unsupported_words(
            "The Riverside Roastery is located at 410 Water Avenue in Portland, Oregon.",
            &roastery,
            &["where is the roastery?"],
        );
        assert_eq!(oregon.names, ["Oregon"], "an invented place is a claim");
        assert!(oregon.is_claim());
    }
}
