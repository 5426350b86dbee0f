//! What the spam classifier sees of a message: its words and word pairs (numbers by their
//! shape, so "text 85023" and "call 08712460324" teach the model about short codes and
//! premium lines rather than one number each), Chinese characters and their pairs, and a
//! few marks of how it is written (a price, a link, shouting). One set per message: a word
//! said twice counts once, so a long message is not more certain for being long.

use std::collections::BTreeSet;

use super::rules::link_hosts;
use super::words::fold;

/// Text beyond this is not looked at: a 100 KB message is screened in bounded time, and a
/// spammer gains nothing by padding (the start is what members read).
pub(super) const MAX_CHARS: usize = 2_000;

/// The features of `text`, sorted and without repeats.
pub(super) fn features(text: &str) -> Vec<String> {
    let head: String = text.chars().take(MAX_CHARS).collect();
    // A link is one mark, not words: "https", "www" and a spammer's made-up domain say
    // less than that there is a link at all.
    let folded: String = fold(&head)
        .split(' ')
        .filter(|w| !is_link(w))
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = BTreeSet::new();
    let mut words: Vec<String> = Vec::new();
    let mut han_run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(shape(word));
            word.clear();
        }
    };
    let flush_han = |run: &mut Vec<char>, out: &mut BTreeSet<String>| {
        for (i, c) in run.iter().enumerate() {
            out.insert(c.to_string());
            if let Some(next) = run.get(i + 1) {
                out.insert(format!("{c}{next}"));
            }
        }
        run.clear();
    };
    for c in folded.chars() {
        if is_han(c) {
            flush_word(&mut word, &mut words);
            han_run.push(c);
        } else if c.is_alphanumeric() || (c == '\'' && !word.is_empty()) {
            flush_han(&mut han_run, &mut out);
            if c != '\'' {
                word.push(c);
            }
        } else {
            flush_word(&mut word, &mut words);
            flush_han(&mut han_run, &mut out);
            if matches!(c, '£' | '$' | '€' | '¥' | '￥') {
                out.insert("<money>".into());
            }
        }
    }
    flush_word(&mut word, &mut words);
    flush_han(&mut han_run, &mut out);
    for (i, w) in words.iter().enumerate() {
        out.insert(w.clone());
        if let Some(next) = words.get(i + 1) {
            out.insert(format!("{w} {next}"));
        }
    }
    if !link_hosts(&head, &[]).is_empty() {
        out.insert("<link>".into());
    }
    if head.contains("!!") || head.contains("！！") {
        out.insert("<!!>".into());
    }
    let shouted = head
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_ascii_uppercase()).count() >= 3)
        .filter(|w| !w.chars().any(|c| c.is_lowercase()))
        .count();
    if shouted >= 2 {
        out.insert("<caps>".into());
    }
    out.into_iter().collect()
}

/// A word as a feature: numbers by their length (phone numbers and short codes matter,
/// not which one), "150p"-style prices by their shape, anything else as written.
fn shape(word: &str) -> String {
    let digits = word.chars().filter(char::is_ascii_digit).count();
    let len = word.chars().count();
    if digits == len {
        return match len {
            1..=2 => "<n>".into(),
            3..=4 => "<nnn>".into(),
            5 => "<n5>".into(),
            6..=9 => "<n6>".into(),
            _ => "<phone>".into(),
        };
    }
    if digits > 0 && digits + 1 == len && word.ends_with('p') {
        return "<pence>".into();
    }
    if digits >= 7 {
        return "<phone>".into();
    }
    word.to_string()
}

fn is_link(word: &str) -> bool {
    word.contains("://") || word.starts_with("www.") || !link_hosts(word, &[]).is_empty()
}

/// A CJK ideograph.
pub(super) fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF)
}

/// A feature as a member reads it in an explanation.
pub(super) fn shown(feature: &str) -> String {
    let one = |f: &str| -> String {
        match f {
            "<n>" | "<nnn>" => "a number".into(),
            "<n5>" => "a 5-digit number".into(),
            "<n6>" => "a long number".into(),
            "<phone>" => "a phone number".into(),
            "<pence>" => "a price per message".into(),
            "<money>" => "a price".into(),
            "<link>" => "a link".into(),
            "<!!>" => "\"!!\"".into(),
            "<caps>" => "capital letters".into(),
            w => w.to_string(),
        }
    };
    match feature.split_once(' ') {
        Some((a, b)) => format!("{} {}", one(a), one(b)),
        None => one(feature),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_count_by_shape_and_words_pair_up() {
        let f = features("Claim ur £150 prize! Text YES to 85023 or call 08712460324, 150p/msg");
        for want in [
            "claim",
            "ur",
            "<money>",
            "<nnn>",
            "prize",
            "text yes",
            "to <n5>",
            "call <phone>",
            "<pence>",
        ] {
            assert!(f.contains(&want.to_string()), "{want} in {f:?}");
        }
        assert!(!f.iter().any(|x| x.contains("85023")), "{f:?}");
        assert_eq!(shown("to <n5>"), "to a 5-digit number");
    }

    #[test]
    fn chinese_gives_characters_and_pairs_and_marks_are_found() {
        let f = features("兼职日结，加微信 see www.spam.xyz NOW FREE!!");
        for want in [
            "兼职", "日结", "微信", "结", "<link>", "<!!>", "<caps>", "see",
        ] {
            assert!(f.contains(&want.to_string()), "{want} in {f:?}");
        }
        assert!(!f.contains(&"结加".to_string()), "a comma breaks the run");
    }

    #[test]
    fn huge_or_odd_input_is_bounded() {
        let big = "free ".repeat(50_000) + "\u{0}\u{7}\u{202e}";
        let f = features(&big);
        assert!(f.len() < 10, "{f:?}");
        assert!(features("").is_empty());
        assert!(features("\u{0}\u{1}\u{2}").is_empty());
    }
}
