//! Sentiment of member messages in English and Chinese: a lexicon-based analyser in the
//! manner of VADER (word valences −4..4, negation, intensifiers, "but", exclamation marks,
//! capitals) with a Chinese lexicon matched inside unspaced text and the usual negators.
//! The score is VADER's compound: the valence sum normalised to −1..1.

/// English words and their valence (−4 very negative … 4 very positive).
const EN: &[(&str, f64)] = &[
    ("love", 3.2),
    ("loved", 2.9),
    ("loves", 2.7),
    ("great", 3.1),
    ("excellent", 3.2),
    ("amazing", 2.8),
    ("awesome", 3.1),
    ("wonderful", 2.7),
    ("fantastic", 2.6),
    ("perfect", 2.7),
    ("best", 3.2),
    ("good", 1.9),
    ("nice", 1.8),
    ("delicious", 2.7),
    ("tasty", 2.0),
    ("happy", 2.7),
    ("glad", 2.0),
    ("enjoy", 2.2),
    ("enjoyed", 2.3),
    ("thanks", 1.9),
    ("thank", 1.5),
    ("helpful", 1.8),
    ("friendly", 2.2),
    ("fun", 2.3),
    ("beautiful", 2.9),
    ("recommend", 1.5),
    ("welcome", 2.0),
    ("like", 1.5),
    ("liked", 1.8),
    ("fresh", 1.3),
    ("fast", 1.0),
    ("cool", 1.3),
    ("excited", 2.2),
    ("free", 1.0),
    ("bad", -2.5),
    ("terrible", -3.1),
    ("awful", -3.1),
    ("horrible", -2.5),
    ("worst", -3.1),
    ("hate", -2.7),
    ("hated", -3.2),
    ("disappointed", -1.9),
    ("disappointing", -2.2),
    ("angry", -2.3),
    ("annoyed", -1.6),
    ("annoying", -1.7),
    ("broken", -1.9),
    ("rude", -2.0),
    ("slow", -1.0),
    ("late", -0.9),
    ("cold", -0.4),
    ("stale", -1.5),
    ("bitter", -0.8),
    ("wrong", -2.1),
    ("never", -0.6),
    ("refund", -1.0),
    ("problem", -1.7),
    ("issue", -1.0),
    ("complaint", -1.8),
    ("sorry", -0.3),
    ("poor", -2.1),
    ("dirty", -1.9),
    ("expensive", -1.0),
    ("overpriced", -1.9),
    ("waste", -1.8),
    ("useless", -1.8),
    ("sad", -2.1),
    ("unacceptable", -2.7),
    ("missing", -1.2),
    ("lost", -1.3),
    ("cancelled", -1.0),
    ("scam", -3.0),
    ("unhappy", -1.8),
    ("ugh", -1.8),
    ("ridiculous", -2.1),
    ("disgusting", -2.9),
    ("filthy", -2.6),
    ("pathetic", -2.6),
    ("appalling", -3.0),
    ("outrageous", -2.5),
    ("furious", -3.0),
    ("upset", -1.9),
    ("frustrated", -2.0),
    ("frustrating", -2.1),
    ("unreliable", -1.9),
    ("dropped", -0.8),
    ("dropping", -0.8),
    ("impressed", 1.9),
    ("pleased", 2.0),
    ("satisfied", 1.8),
];

/// Chinese words and their valence, matched as substrings.
const ZH: &[(&str, f64)] = &[
    ("喜欢", 2.4),
    ("爱", 2.8),
    ("好喝", 2.6),
    ("好吃", 2.6),
    ("好", 1.6),
    ("棒", 2.6),
    ("赞", 2.4),
    ("不错", 2.0),
    ("满意", 2.2),
    ("开心", 2.6),
    ("谢谢", 1.8),
    ("感谢", 2.0),
    ("推荐", 1.5),
    ("完美", 2.8),
    ("优秀", 2.6),
    ("美味", 2.6),
    ("欢迎", 1.8),
    ("快", 0.8),
    ("差", -2.4),
    ("糟糕", -2.9),
    ("难喝", -2.6),
    ("难吃", -2.6),
    ("讨厌", -2.6),
    ("失望", -2.2),
    ("生气", -2.4),
    ("慢", -1.0),
    ("贵", -1.0),
    ("坏", -2.2),
    ("问题", -1.4),
    ("投诉", -2.0),
    ("退款", -1.2),
    ("垃圾", -3.0),
    ("骗", -2.8),
    ("冷", -0.5),
    ("脏", -2.0),
    ("不满", -2.2),
];

/// Chinese phrases that hold a scored character without its sense: polite formulas
/// (不好意思 "excuse me"), 问题 as "question", and drinks named for being cold. Their
/// characters are read as taken, so 好, 问题 and 冷 inside them count for nothing.
const ZH_NEUTRAL: &[&str] = &[
    "不好意思",
    "有个问题",
    "一个问题",
    "几个问题",
    "问个问题",
    "问题是什么",
    "冷萃",
    "冷泡",
    "冷饮",
    "冷藏",
];

/// English word pairs where a scored word names a thing rather than judges it ("cold brew").
const EN_NEUTRAL: &[&[&str]] = &[
    &["cold", "brew"],
    &["cold", "brewed"],
    &["cold", "drip"],
    &["cold", "foam"],
    &["cold", "pressed"],
    &["cold", "storage"],
    &["no", "problem"],
];

const NEGATORS: &[&str] = &[
    "not", "no", "never", "dont", "don't", "doesnt", "doesn't", "didnt", "didn't", "isnt", "isn't",
    "wasnt", "wasn't", "cant", "can't", "cannot", "wont", "won't", "nothing", "without",
];
const BOOST: &[(&str, f64)] = &[
    ("very", 0.293),
    ("really", 0.293),
    ("so", 0.293),
    ("extremely", 0.293),
    ("super", 0.293),
    ("totally", 0.293),
    ("absolutely", 0.293),
    ("quite", 0.1),
    ("slightly", -0.293),
    ("somewhat", -0.293),
    ("barely", -0.293),
    ("kinda", -0.293),
];
const ZH_NEGATORS: &[char] = &['不', '没', '别', '无'];
const ZH_BOOST: &[&str] = &["很", "非常", "太", "超", "特别", "真"];

static EN_MAP: std::sync::LazyLock<std::collections::HashMap<&'static str, f64>> =
    std::sync::LazyLock::new(|| EN.iter().copied().collect());

/// Chinese words, longest first, so 不错 is not read as 不 + 错 and 好喝 is not 好.
static ZH_LONGEST_FIRST: std::sync::LazyLock<Vec<(&'static str, f64)>> =
    std::sync::LazyLock::new(|| {
        let mut words = ZH.to_vec();
        words.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars().count()));
        words
    });

/// VADER's normalisation of a valence sum to −1..1.
fn normalise(sum: f64) -> f64 {
    sum / (sum * sum + 15.0).sqrt()
}

/// The compound score of `text`, −1 (very negative) … 1 (very positive); 0 for neutral.
pub fn compound(text: &str) -> f64 {
    let mut valences = english(text);
    if super::normalize::has_cjk(text) {
        valences.extend(chinese(text));
    }
    if valences.is_empty() {
        return 0.0;
    }
    let mut sum: f64 = valences.iter().sum();
    // Exclamation marks add emphasis in the direction of the sentiment (up to 4).
    let bangs = text.matches('!').count().min(4) as f64 + text.matches('！').count().min(4) as f64;
    if sum != 0.0 {
        sum += sum.signum() * bangs.min(4.0) * 0.292;
    }
    normalise(sum)
}

/// Positive, neutral or negative, with VADER's thresholds.
pub fn label(score: f64) -> &'static str {
    if score >= 0.05 {
        "positive"
    } else if score <= -0.05 {
        "negative"
    } else {
        "neutral"
    }
}

fn english(text: &str) -> Vec<f64> {
    // Negators and intensifiers reach back within their own clause only: in "still got
    // nothing. worst server ever" the "nothing" does not turn "worst" around.
    let mut clause = Vec::new();
    let raw: Vec<&str> = text
        .split(['.', ',', ';', '!', '?', ':'])
        .enumerate()
        .flat_map(|(k, part)| {
            part.split(|c: char| !(c.is_alphanumeric() || c == '\''))
                .filter(|w| !w.is_empty())
                .map(move |w| (k, w))
        })
        .map(|(k, w)| {
            clause.push(k);
            w
        })
        .collect();
    let lower: Vec<String> = raw.iter().map(|w| w.to_lowercase()).collect();
    // A message mostly in capitals is shouting already; a capitalised word among lower-case
    // ones adds emphasis.
    let caps = raw
        .iter()
        .filter(|w| w.len() > 1 && w.chars().all(|c| c.is_uppercase()))
        .count();
    let differential = caps > 0 && caps < raw.len();
    let but = lower.iter().position(|w| w == "but");
    let mut neutral = vec![false; lower.len()];
    for phrase in EN_NEUTRAL {
        for start in 0..lower.len().saturating_sub(phrase.len() - 1) {
            if phrase
                .iter()
                .enumerate()
                .all(|(k, p)| lower[start + k] == *p)
            {
                neutral[start..start + phrase.len()].fill(true);
            }
        }
    }
    let mut out = Vec::new();
    for (i, w) in lower.iter().enumerate() {
        if neutral[i] {
            continue;
        }
        let Some(v) = EN_MAP.get(w.as_str()) else {
            continue;
        };
        let mut v = *v;
        if differential && raw[i].chars().all(|c| c.is_uppercase()) {
            v += v.signum() * 0.733;
        }
        for back in 1..=3 {
            let Some(j) = i.checked_sub(back).filter(|j| clause[*j] == clause[i]) else {
                break;
            };
            if let Some((_, b)) = BOOST.iter().find(|(k, _)| *k == lower[j]) {
                let scale = [1.0, 0.95, 0.9][back - 1];
                v += v.signum() * b * scale;
            }
            if NEGATORS.contains(&lower[j].as_str()) {
                v *= -0.74;
            }
        }
        // "The coffee is good, but the staff was rude": what follows "but" counts more.
        match but {
            Some(b) if i < b => v *= 0.5,
            Some(b) if i > b => v *= 1.5,
            _ => {}
        }
        out.push(v);
    }
    out
}

fn chinese(text: &str) -> Vec<f64> {
    let chars: Vec<char> = text.chars().collect();
    let s: String = chars.iter().collect();
    let mut out = Vec::new();
    let mut taken = vec![false; chars.len()];
    for w in ZH_NEUTRAL {
        let wlen = w.chars().count();
        for (byte, _) in s.match_indices(w) {
            let at = s[..byte].chars().count();
            taken[at..at + wlen].iter_mut().for_each(|t| *t = true);
        }
    }
    for (w, v) in ZH_LONGEST_FIRST.iter() {
        let wlen = w.chars().count();
        let mut from = 0;
        while let Some(pos) = s[from..].find(w) {
            let byte = from + pos;
            let at = s[..byte].chars().count();
            from = byte + w.len();
            if taken[at..at + wlen].iter().any(|t| *t) {
                continue;
            }
            taken[at..at + wlen].iter_mut().for_each(|t| *t = true);
            let mut v = *v;
            let before: String = chars[at.saturating_sub(3)..at].iter().collect();
            if ZH_BOOST.iter().any(|b| before.contains(b)) {
                v += v.signum() * 0.293;
            }
            // 不好, 没有问题 ("no problem"), 不太好: a negator right before flips it.
            if *w != "不错"
                && *w != "不满"
                && before
                    .chars()
                    .rev()
                    .take(2)
                    .any(|c| ZH_NEGATORS.contains(&c))
            {
                v *= -0.74;
            }
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_polarity_negation_and_emphasis() {
        assert!(compound("I love the new Huila roast") > 0.5);
        assert!(compound("The coffee was terrible and the staff rude") < -0.5);
        assert!(compound("not good") < 0.0);
        assert!(compound("very good") > compound("good"));
        assert!(compound("good!!!") > compound("good"));
        assert!(compound("GOOD coffee") > compound("good coffee"));
        assert!(compound("The beans were nice, but the delivery was awful") < 0.0);
        assert_eq!(compound("The store opens at 9 on Monday"), 0.0);
        assert_eq!(label(compound("where is the store")), "neutral");
    }

    #[test]
    fn complaints_in_members_own_words_are_negative() {
        for t in [
            "This is the third time my Saturday class was cancelled without notice and nobody answers my emails. Really unacceptable.",
            "The changing rooms were disgusting last night and nobody did anything about it. Not happy at all.",
            "this is ridiculous, i paid two days ago and still got nothing. worst server ever",
            "it's making the exact same noise, really not impressed",
            "the wifi on the 3rd floor has dropped out every afternoon this week and nobody has fixed it, not good enough for what we pay",
        ] {
            assert!(compound(t) <= -0.35, "{t}: {}", compound(t));
        }
    }

    #[test]
    fn chinese_polarity_and_negators() {
        assert!(compound("这个咖啡很好喝，我很喜欢") > 0.5);
        assert!(compound("太难喝了，非常失望") < -0.5);
        assert!(compound("不好") < 0.0);
        assert!(compound("不错") > 0.0);
        assert!(compound("没有问题") > 0.0);
        assert_eq!(compound("门店几点开门"), 0.0);
    }

    #[test]
    fn names_and_polite_formulas_are_not_complaints() {
        for neutral in [
            "Do you have cold brew today?",
            "is the Cold Brew in stock",
            "我想买冷萃",
            "不好意思，请问几点开门？",
            "我有个问题：周末开门吗？",
        ] {
            assert_eq!(compound(neutral), 0.0, "{neutral}");
        }
        // The words keep their sense elsewhere.
        assert!(compound("my coffee arrived cold") < 0.0);
        assert!(compound("咖啡是冷的，很失望") < 0.0);
        assert!(compound("不好") < 0.0);
        assert!(compound("这个有问题") < 0.0);
    }

    #[test]
    fn mixed_and_empty_texts_do_not_panic() {
        for t in ["", "!!!", "😀", "不", "but", "NOT", "咖啡 great 但是 差"] {
            let s = compound(t);
            assert!((-1.0..=1.0).contains(&s), "{t}: {s}");
        }
    }
}
