//! Words of questions and of the pack made comparable through the lexicon: each word with
//! its dictionary forms (taught → teach), and a Chinese word with the English lemmas of its
//! dictionary entry (保修 → warranty), so that a question's word meets a key, a relation
//! name, a kind or a value that says the same thing in other words or another language.
//! Also the pack's vocabulary per segment: which words appear where (names, keys, values,
//! text), for telling a topic the pack lacks ("pilates") from one it has.

use rustc_hash::FxHashMap as HashMap;

use crate::lexicon::{Lemma, LemmaInfo, Lexicon};
use crate::text::{is_cjk, is_stopword, normalize, stem};

/// One word, comparable.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Term {
    /// The word as normalised (a Chinese dictionary word as written).
    pub text: String,
    /// The light stem of a Latin word.
    pub stem: String,
    /// Dictionary forms of a Latin word.
    pub lemmas: Vec<Lemma>,
    /// English lemmas of a Chinese word, with weights.
    pub glosses: Vec<(Lemma, f32)>,
    /// A topic word the answer must account for (a noun, or a word the dictionary lacks),
    /// as opposed to a verb or a general word.
    pub salient: bool,
}

impl Term {
    pub fn is_zh(&self) -> bool {
        self.text.chars().any(is_cjk)
    }

    /// Strings under which the word is indexed in a [`Vocab`].
    pub fn keys(&self, lex: &Lexicon) -> Vec<String> {
        let mut out = vec![self.stem.clone()];
        for l in &self.lemmas {
            let s = lex.lemma(*l);
            if !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        }
        out
    }
}

/// Verbs and words so general that a question's use of them says nothing about its topic.
const GENERAL: &[&str] = &[
    "need",
    "give",
    "offer",
    "take",
    "make",
    "use",
    "go",
    "come",
    "let",
    "see",
    "find",
    "look",
    "bring",
    "buy",
    "book",
    "join",
    "try",
    "keep",
    "put",
    "say",
    "ask",
    "got",
    "still",
    "just",
    "really",
    "ever",
    "anyone",
    "someone",
    "something",
    "anything",
    "thing",
    "things",
    "way",
    "lot",
    "lots",
    "kind",
    "sort",
    "bit",
    "guys",
    "folks",
    "hello",
    "hey",
    "thanks",
    "thank",
    "one",
    "ones",
    "here",
    "now",
    "today",
    "then",
    "than",
    "only",
    "even",
    "too",
    "very",
    "should",
    "shall",
    "may",
    "might",
    "must",
    "am",
    "was",
    "were",
    "been",
    "being",
    "has",
    "had",
    "did",
    "doing",
    "done",
    "isn",
    "aren",
    "don",
    "doesn",
    "didn",
    "won",
    "cant",
    "dont",
    "im",
    "ive",
    "id",
    "youre",
    "there",
    "their",
    "these",
    "those",
    "other",
    "another",
    "each",
    "every",
    "all",
    "more",
    "most",
    "less",
    "much",
    "many",
    "long",
    "often",
    "big",
    "time",
    "times",
    "happen",
    "happens",
    "until",
    "after",
    "before",
    "into",
    "out",
    "up",
    "down",
    "over",
    "again",
    "yes",
    "no",
    "not",
    "okay",
    "ok",
    "sure",
    "maybe",
    "work",
    "works",
    "available",
    "possible",
    "allowed",
    "able",
    "okay",
    "right",
    "good",
    "best",
    "new",
    "max",
    "maximum",
    "stuff",
    "during",
    "happening",
    "happened",
    "usually",
    "normally",
    "exactly",
    "actually",
    "please",
    "hi",
    "guys",
    "somebody",
    "anybody",
];

/// Chinese words that carry no topic.
const ZH_GENERAL: &[&str] = &[
    "的",
    "了",
    "吗",
    "呢",
    "是",
    "我",
    "你",
    "他",
    "她",
    "它",
    "们",
    "请",
    "问",
    "吧",
    "啊",
    "么",
    "有",
    "能",
    "可以",
    "要",
    "在",
    "会",
    "想",
    "给",
    "这",
    "那",
    "个",
    "一",
    "多少",
    "几",
    "什么",
    "怎么",
    "哪",
    "一下",
    "知道",
    "告诉",
    "我们",
    "你们",
    "请问",
    "需要",
    "如果",
    "和",
    "跟",
    "还",
    "也",
    "都",
    "就",
    "对",
    "把",
    "被",
    "从",
    "到",
    "为",
    "为了",
    "因为",
    "所以",
    "但是",
    "可",
    "呀",
    "哦",
    "嗯",
    "啦",
    "没有",
    "不",
    "没",
    "很",
    "太",
    "最",
    "更",
    "多",
    "少",
    "吗",
    "里",
    "上",
    "下",
    "得",
    "地",
    "着",
    "过",
    "去",
    "来",
    "做",
    "用",
    "让",
    "自己",
    "一个",
    "这个",
    "那个",
    "哪个",
    "哪些",
    "东西",
    "一些",
    "时候",
    "现在",
    "应该",
    "可能",
    "大概",
    "一次",
    "还是",
    "或者",
    "以",
    "及",
    "等",
    "之",
    "其",
    "该",
    "此",
    "每",
    "各",
    "您",
    "谢谢",
    "你好",
    "好",
    "吗？",
    "最多",
    "最少",
    "最长",
    "一般",
    "大概",
    "左右",
    "请问一下",
    "才能",
    "才",
    "办好",
    "早点",
    "时间",
    "之前",
    "以后",
    "一共",
    "总共",
];

/// A word that says nothing about what is asked (general verbs, filler, Chinese particles).
pub(super) fn is_general(t: &Term) -> bool {
    GENERAL.contains(&t.text.as_str()) || ZH_GENERAL.contains(&t.text.as_str())
}

/// A Latin word as a term (already normalised, one word).
pub(super) fn latin(lex: &Lexicon, word: &str) -> Term {
    let lemmas = lex.base_forms(word);
    let general =
        is_stopword(word) || GENERAL.contains(&word) || word.chars().all(|c| c.is_ascii_digit());
    let salient = !general
        && match lemmas.first() {
            Some(&l) => lex.info(l).primary == LemmaInfo::NOUN,
            // A word the dictionary lacks: a name or a rare topic ("pilates"); a short one is
            // more likely a typo ("teh").
            None => word.chars().count() >= 4 && !lex.is_empty(),
        };
    Term {
        text: word.to_string(),
        stem: stem(word).to_string(),
        lemmas,
        glosses: Vec::new(),
        salient,
    }
}

/// A Chinese dictionary word (or an unknown character) as a term.
pub(super) fn chinese(lex: &Lexicon, text: &str, word: Option<crate::lexicon::ZhWord>) -> Term {
    let glosses: Vec<(Lemma, f32)> = word
        .map(|w| lex.zh_glosses(w).collect())
        .unwrap_or_default();
    let general = ZH_GENERAL.contains(&text);
    let verb = word.is_some_and(|w| lex.zh_is_verb(w));
    let salient = !general && !verb && text.chars().count() >= 2;
    Term {
        text: text.to_string(),
        stem: text.to_string(),
        lemmas: Vec::new(),
        glosses,
        salient,
    }
}

/// The words of a pack text or a question (normalised first): Latin words and Chinese
/// dictionary words, in order, stopwords included (callers decide what counts).
pub fn terms_of(lex: &Lexicon, text: &str) -> Vec<Term> {
    let norm = normalize(&text.replace(['_', '-'], " "));
    let mut out = Vec::new();
    for word in norm.split(' ').filter(|w| !w.is_empty()) {
        let mut latin_part = String::new();
        let flush = |s: &mut String, out: &mut Vec<Term>| {
            if !s.is_empty() {
                out.push(latin(lex, s));
                s.clear();
            }
        };
        let mut cjk_start = None;
        for (i, c) in word.char_indices() {
            if is_cjk(c) {
                flush(&mut latin_part, &mut out);
                cjk_start.get_or_insert(i);
            } else {
                if let Some(s) = cjk_start.take() {
                    for p in lex.segment(&word[s..i]) {
                        out.push(chinese(lex, p.text, p.word));
                    }
                }
                latin_part.push(c);
            }
        }
        flush(&mut latin_part, &mut out);
        if let Some(s) = cjk_start {
            for p in lex.segment(&word[s..]) {
                out.push(chinese(lex, p.text, p.word));
            }
        }
    }
    out
}

/// How well pack term `d` says question term `q`: 1 for the same word or dictionary form,
/// a lexical relative's closeness, a Chinese word's gloss (either side), else 0.
pub fn closeness(lex: &Lexicon, q: &Term, d: &Term) -> f32 {
    if q.text == d.text || (!q.stem.is_empty() && q.stem == d.stem) {
        return 1.0;
    }
    if q.lemmas.iter().any(|l| d.lemmas.contains(l)) {
        return 1.0;
    }
    let mut best: f32 = 0.0;
    for ql in &q.lemmas {
        for dl in &d.lemmas {
            best = best.max(lex.closeness(*ql, *dl));
        }
        for (dl, w) in &d.glosses {
            best = best.max(w * lex.closeness(*ql, *dl));
        }
    }
    for (ql, w) in &q.glosses {
        for dl in &d.lemmas {
            best = best.max(w * lex.closeness(*ql, *dl));
        }
        for (dl, w2) in &d.glosses {
            if ql == dl {
                best = best.max(w * w2 * 0.9);
            }
        }
    }
    best
}

/// Where a word appears in the pack.
pub(super) mod place {
    pub(crate) const NAME: u8 = 1;
    pub(crate) const KIND: u8 = 2;
    pub(crate) const KEY: u8 = 4;
    pub(crate) const VALUE: u8 = 8;
    pub(crate) const TEXT: u8 = 16;
}

/// One segment's vocabulary: word keys (stems, lemma strings, Chinese words) with where
/// they appear and how many entities use them.
#[derive(Debug, Default)]
pub struct Vocab {
    words: HashMap<String, (u8, u32)>,
}

impl Vocab {
    /// Note the words of `text`, found at `at` (one of [`place`]); `entity` counts once.
    pub fn add(
        &mut self,
        lex: &Lexicon,
        text: &str,
        at: u8,
        memo: &mut HashMap<String, Vec<String>>,
    ) {
        let norm = normalize(&text.replace(['_', '-'], " "));
        let mut seen: Vec<String> = Vec::new();
        for word in norm.split(' ').filter(|w| !w.is_empty() && !is_stopword(w)) {
            if word.chars().any(is_cjk) {
                for p in lex.segment(word) {
                    seen.push(p.text.to_string());
                }
                continue;
            }
            let keys = memo
                .entry(word.to_string())
                .or_insert_with(|| latin(lex, word).keys(lex));
            seen.extend(keys.iter().cloned());
        }
        seen.sort();
        seen.dedup();
        for k in seen {
            let e = self.words.entry(k).or_default();
            e.0 |= at;
            e.1 += 1;
        }
    }

    pub fn get(&self, key: &str) -> (u8, u32) {
        self.words.get(key).copied().unwrap_or_default()
    }

    /// Every word key.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.words.keys().map(String::as_str)
    }
}

/// Is `a` one edit from `b` (an insertion, a deletion, a substitution or two neighbours
/// swapped)? Both are short words; bytes are compared (Latin words).
pub(super) fn one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[p..], &b[p..]);
    match ra.len().cmp(&rb.len()) {
        std::cmp::Ordering::Equal => {
            ra[1..] == rb[1..]
                || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        std::cmp::Ordering::Greater => ra[1..] == *rb,
        std::cmp::Ordering::Less => *ra == rb[1..],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_meet_through_forms_relatives_and_the_chinese_bridge() {
        let lex = crate::lexicon::tests::real();
        let t = |w: &str| terms_of(&lex, w).remove(0);
        assert_eq!(closeness(&lex, &t("taught"), &t("teaches")), 1.0);
        assert!(closeness(&lex, &t("valid"), &t("validity")) >= 0.8);
        assert!(closeness(&lex, &t("share"), &t("shareable")) >= 0.99);
        assert!(closeness(&lex, &t("保修"), &t("warranty")) >= 0.8);
        assert!(closeness(&lex, &t("温度"), &t("temperature")) >= 0.8);
        assert!(closeness(&lex, &t("price"), &t("warranty")) < 0.5);
        assert!(t("showers").salient && t("pilates").salient && t("warranty").salient);
        assert!(!t("give").salient && !t("teh").salient && !t("the").salient);
        let zh: Vec<String> = terms_of(&lex, "磨豆机保修多久")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert!(zh.contains(&"保修".to_string()), "{zh:?}");
    }

    #[test]
    fn one_edit_spots_typos_only() {
        assert!(
            one_edit("bulid", "build")
                && one_edit("permitt", "permit")
                && one_edit("glas", "glass")
        );
        assert!(one_edit("tournamnet", "tournament") && one_edit("prise", "price"));
        assert!(
            !one_edit("price", "price")
                && !one_edit("price", "prize2")
                && !one_edit("fee", "feel2")
        );
    }
}
