//! Text folding shared by linking, lexical search, the router and the grounding guard:
//! case, width (NFKC) and punctuation folded; words for Latin scripts, bigrams for CJK.

use unicode_normalization::UnicodeNormalization;

/// Han, kana and hangul: scripts written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xAC00..=0xD7AF
        | 0x20000..=0x2FFFF)
}

/// Fold `text` for matching: NFKC (full-width to ASCII), lower case, every run of
/// punctuation, control character or white space to one space, trimmed.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.nfkc().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
            space = false;
        } else if c == '\'' || c == '’' {
            // Apostrophes inside words ("what's") fold away instead of splitting the word.
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// English words so common that they say nothing about what is asked.
const STOPWORDS: &[&str] = &[
    "a", "about", "an", "and", "any", "are", "as", "at", "be", "can", "could", "do", "does", "for",
    "from", "have", "hi", "how", "i", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or",
    "our", "please", "tell", "that", "the", "there", "this", "to", "us", "we", "what", "whats",
    "which", "who", "will", "with", "would", "you", "your", "yours", "want", "know", "like", "get",
    "much", "many", "when", "where", "why", "and", "also", "but", "so", "some", "them", "they",
];

/// Chinese characters that carry no topic on their own.
const CJK_STOP: &[char] = &[
    '的', '了', '吗', '呢', '是', '我', '你', '们', '请', '问', '吧', '啊', '么',
];

pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(&word)
}

/// Light English stemming: enough that "hours"/"hour" and "stores"/"store" meet.
pub fn stem(word: &str) -> &str {
    if word.len() > 4 && word.ends_with("ies") {
        return &word[..word.len() - 3];
    }
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        return &word[..word.len() - 1];
    }
    word
}

/// Index terms of already-normalised text: stemmed non-stop words, and for CJK runs their
/// character bigrams (a single character stands alone).
pub fn terms(normalized: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in normalized.split(' ') {
        let mut latin = String::new();
        let mut cjk: Vec<char> = Vec::new();
        let flush_latin = |latin: &mut String, out: &mut Vec<String>| {
            if !latin.is_empty() && !is_stopword(latin) {
                out.push(stem(latin).to_string());
            }
            latin.clear();
        };
        let flush_cjk = |cjk: &mut Vec<char>, out: &mut Vec<String>| {
            let run: Vec<char> = cjk
                .iter()
                .copied()
                .filter(|c| !CJK_STOP.contains(c))
                .collect();
            if run.len() == 1 {
                out.push(run[0].to_string());
            }
            for pair in run.windows(2) {
                out.push(pair.iter().collect());
            }
            cjk.clear();
        };
        for c in word.chars() {
            if is_cjk(c) {
                flush_latin(&mut latin, &mut out);
                cjk.push(c);
            } else {
                flush_cjk(&mut cjk, &mut out);
                latin.push(c);
            }
        }
        flush_latin(&mut latin, &mut out);
        flush_cjk(&mut cjk, &mut out);
    }
    out
}

/// The text has Chinese, Japanese or Korean characters (the reply language follows it).
pub fn has_cjk(text: &str) -> bool {
    text.chars().any(is_cjk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_width_and_punctuation() {
        assert_eq!(
            normalize("  How MUCH is the Yirgacheffe?!  "),
            "how much is the yirgacheffe"
        );
        assert_eq!(normalize("ＨＵＩＬＡ，价格"), "huila 价格");
        assert_eq!(normalize("what's\u{0}up\t\n"), "whats up");
        assert_eq!(normalize("耶加雪菲多少钱？"), "耶加雪菲多少钱");
    }

    #[test]
    fn terms_drop_stopwords_stem_and_split_cjk() {
        assert_eq!(
            terms(&normalize("What are the store hours?")),
            ["store", "hour"]
        );
        assert_eq!(terms("退货政策"), ["退货", "货政", "政策"]);
        assert_eq!(terms("huila的价格"), ["huila", "价格"]);
    }
}
