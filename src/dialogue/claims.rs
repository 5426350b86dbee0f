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
/// "roughly within 2 business days"): a fact is never approximate. The local model may
/// not write them ([`banned_hedges`]); the guard catches them from any other backend.
const SOFTENERS: &[&str] = &[
    "approximately",
    "approximate",
    "approx",
    "roughly",
    "nearly",
    "almost",
    "supposedly",
    "probably",
    "maybe",
    "perhaps",
    "大约",
    "大概",
    "左右",
    "差不多",
];

/// Chinese words that hedge only next to a number ("约" is also in 预约, a booking).
const NUMBER_HEDGES_ZH: &[&str] = &["约", "超过", "不到", "至少"];

static HEDGE_ANY: LazyLock<Regex> = LazyLock::new(|| {
    let latin: Vec<&str> = SOFTENERS
        .iter()
        .copied()
        .filter(|w| !w.chars().any(is_cjk))
        .collect();
    Regex::new(&format!(r"(?i)\b({})\b", latin.join("|"))).unwrap()
});

/// Does one of `sources` say `word` (a whole word in Latin script, anywhere in Chinese)?
fn sources_say<'s>(sources: &'s [&str]) -> impl Fn(&str) -> bool + 's {
    let padded: Vec<String> = sources
        .iter()
        .map(|s| format!(" {} ", normalize(s)))
        .collect();
    move |word: &str| {
        let word = normalize(word);
        let needle = if word.chars().any(is_cjk) {
            word
        } else {
            format!(" {word} ")
        };
        padded.iter().any(|s| s.contains(&needle))
    }
}

/// The [`SOFTENERS`] the model may not write while it words `sources`: those no source
/// uses itself. Words that hedge only before a number ("about", "over", "约") are left
/// to the guard.
pub(super) fn banned_hedges(sources: &[&str]) -> Vec<String> {
    let say = sources_say(sources);
    SOFTENERS
        .iter()
        .filter(|w| !say(w))
        .map(|w| w.to_string())
        .collect()
}

/// Hedges before (or, in Chinese, around) a number that no fact words the same way.
pub(super) fn hedges(sentence: &str, sources: &[&str]) -> Vec<String> {
    let say = sources_say(sources);
    let mut out = Vec::new();
    for c in HEDGE.captures_iter(sentence) {
        if !say(&c[1]) {
            out.push(c[0].to_string());
        }
    }
    for m in HEDGE_ANY.find_iter(sentence) {
        if !say(m.as_str()) && !out.iter().any(|o| o.contains(m.as_str())) {
            out.push(m.as_str().to_string());
        }
    }
    if sentence.chars().any(|c| c.is_ascii_digit()) {
        let zh = SOFTENERS.iter().filter(|w| w.chars().any(is_cjk));
        for h in zh.chain(NUMBER_HEDGES_ZH) {
            // "约" inside "大约" is the same hedge.
            let inside_other = out.iter().any(|o: &String| o.contains(h));
            if sentence.contains(h) && !say(h) && !inside_other {
                out.push((*h).to_string());
            }
        }
    }
    out
}

/// Chinese characters a reply may use without a source writing them: the glue of a
/// sentence (particles, pronouns, numbers, common verbs of stating a fact).
const GLUE_HAN: &str = "的了是在有和与及或也都就还又很更不没无吗呢吧啊呀我你您他她它们这那个些每各其此之所以因为如果但而且并可以能会要想把被给对从到向往于由为跟同让请谢欢迎好再见用做来去说看知道问题里上下中内外前后时候现在今天一二三四五六七八九十两几多少点半号月日年周星期元块钱价格售卖地址电话邮箱网址小时分钟天营业开门关门位于来自大小叫名称什么怎样举行开始结束提供包括含支持发布版本日期预约报名参加活动免费发货送退换工作保修期限需";

/// The Chinese characters a reply may use: those of the `facts`, of their entities' names
/// and aliases, and of `texts` (the question, the worded answer), with the glue.
pub(super) fn known_han(
    graph: &crate::knowledge::Graph,
    facts: &[crate::knowledge::ScoredFact],
    texts: &[&str],
) -> HashSet<char> {
    let names = facts
        .iter()
        .flat_map(|f| &f.about)
        .filter_map(|id| graph.entity(id))
        .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases))
        .map(String::as_str);
    han_chars(
        facts
            .iter()
            .map(|f| f.text.as_str())
            .chain(names)
            .chain(texts.iter().copied()),
    )
}

/// The Chinese characters of `texts`, with the glue.
pub(super) fn han_chars<'t>(texts: impl Iterator<Item = &'t str>) -> HashSet<char> {
    texts
        .flat_map(str::chars)
        .chain(GLUE_HAN.chars())
        .filter(|&c| is_cjk(c))
        .collect()
}

/// The Chinese characters of `sentence` that no source (nor the glue) has, in order,
/// once each: "移除编号" in a reply about a workshop's date is a claim nobody made. A
/// character-level check, because Chinese has no spaces to find words by.
pub(super) fn unsupported_han(sentence: &str, known: &HashSet<char>) -> String {
    let mut out = String::new();
    for c in sentence.chars() {
        if is_cjk(c) && !known.contains(&c) && !out.contains(c) {
            out.push(c);
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

/// Chinese characters of `text` that neither the `facts`, their entities' names and
/// aliases, `texts` nor the glue have (each once): [`known_han`] for a whole text.
pub(crate) fn invented_han(
    graph: &crate::knowledge::Graph,
    facts: &[crate::knowledge::ScoredFact],
    texts: &[&str],
    text: &str,
) -> String {
    unsupported_han(text, &known_han(graph, facts, texts))
}

/// Names (capitalised words inside a sentence) of `text` that no source has: a person or
/// place a post made up ("I'm Emily, a pastry chef"). Posts may use any other words.
pub(crate) fn invented_names(text: &str, sources: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for sentence in text.split_inclusive(['.', '!', '?', '\n', '。', '！', '？']) {
        for name in unsupported_words(sentence, sources, &[]).names {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
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
    fn chinese_characters_no_source_has_are_found() {
        let known = han_chars(["拉花工作坊 — date: 2026-12-12", "拉花课是什么时候？"].into_iter());
        assert_eq!(
            unsupported_han(
                "你可以在拉花工作坊上移除我们的编号，我将在2026-12-12上移除。",
                &known
            ),
            "移除编将"
        );
        assert_eq!(unsupported_han("拉花工作坊是2026-12-12。", &known), "");
        // Punctuation is not a character of text.
        assert_eq!(unsupported_han("拉花课，是！", &known), "");
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
