//! Word and pattern lists, English and Chinese: one entry per line, a phrase (any case,
//! spaces inside match any spacing) or `/a regex/`; `#` starts a comment. Matched on the
//! folded text (lower case, full-width letters and digits as ASCII), with ASCII word
//! boundaries so a phrase works next to Chinese.

use regex::{Regex, RegexBuilder};

/// The lists herald ships (spam offers and insults), used unless `builtin_lists = false`.
const SPAM: &str = include_str!("../../assets/moderation/spam.txt");
const ABUSE: &str = include_str!("../../assets/moderation/abuse.txt");
const SUSPECT: &str = include_str!("../../assets/moderation/suspect.txt");

/// A list that could not be read: where and why.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct ListError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// Compiled entries, each kept with the text it was written as (what a verdict names).
#[derive(Clone, Debug, Default)]
pub struct WordList {
    entries: Vec<(String, Regex)>,
}

impl WordList {
    /// Parse a list; every bad line is reported with its `path:line`.
    pub fn parse(path: &str, text: &str) -> Result<WordList, ListError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |message: String| ListError {
                path: path.to_string(),
                line: i + 1,
                message,
            };
            let pattern = match line.strip_prefix('/').and_then(|l| l.strip_suffix('/')) {
                Some(re) if !re.is_empty() => re.to_string(),
                Some(_) => return Err(err("an empty pattern matches everything".into())),
                None => phrase_pattern(&fold(line)),
            };
            let re = RegexBuilder::new(&pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| err(format!("not a valid pattern: {e}")))?;
            entries.push((line.to_string(), re));
        }
        Ok(WordList { entries })
    }

    pub fn builtin_spam() -> WordList {
        WordList::parse("built-in spam list", SPAM).unwrap_or_default()
    }

    pub fn builtin_abuse() -> WordList {
        WordList::parse("built-in abuse list", ABUSE).unwrap_or_default()
    }

    pub fn builtin_suspect() -> WordList {
        WordList::parse("built-in suspect list", SUSPECT).unwrap_or_default()
    }

    /// What each matching entry found in `folded`, one per entry.
    pub fn hits<'t>(&self, folded: &'t str) -> Vec<&'t str> {
        self.entries
            .iter()
            .filter_map(|(_, re)| re.find(folded))
            .map(|m| m.as_str().trim())
            .collect()
    }

    /// This list followed by `other`'s entries.
    pub fn merged(mut self, other: WordList) -> WordList {
        self.entries.extend(other.entries);
        self
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What the first matching entry found in `folded` (see [`fold`]): the words a member
    /// is shown, not the pattern.
    pub fn find<'t>(&self, folded: &'t str) -> Option<&'t str> {
        self.entries
            .iter()
            .find_map(|(_, re)| re.find(folded))
            .map(|m| m.as_str().trim())
    }
}

/// A phrase as a pattern: words separated by any spacing; ASCII word boundaries where it
/// starts or ends with a letter or digit (so `dm me` is not found in `admin meeting`).
fn phrase_pattern(phrase: &str) -> String {
    let words: Vec<String> = phrase.split_whitespace().map(regex::escape).collect();
    let body = words.join(r"\s*");
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    format!(
        "{}{body}{}",
        if edge(phrase.chars().next()) {
            r"(?-u:\b)"
        } else {
            ""
        },
        if edge(phrase.chars().last()) {
            r"(?-u:\b)"
        } else {
            ""
        }
    )
}

/// Lower case, with full-width letters, digits and signs as ASCII and runs of spacing as
/// one space: what lists are matched against.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_whole_words_in_any_case_and_width() {
        let list = WordList::parse("w.txt", "# offers\ndm me\n加微信\n/t\\.me/\\+\\w+/\n").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list.find(&fold("Just DM  me now")), Some("dm me"));
        assert_eq!(list.find(&fold("ＤＭ ＭＥ")), Some("dm me"));
        assert_eq!(list.find(&fold("dmme")), Some("dmme"));
        assert_eq!(list.find(&fold("the admin meeting")), None);
        assert_eq!(list.find(&fold("详情加微信abc")), Some("加微信"));
        assert_eq!(list.find(&fold("join t.me/+AbC123")), Some("t.me/+abc123"));
        assert_eq!(list.find(&fold("好的dm me吧")), Some("dm me"));
    }

    #[test]
    fn a_bad_line_is_named_with_its_place() {
        let e = WordList::parse("lists/w.txt", "ok\n\n/(unclosed/\n").unwrap_err();
        assert_eq!((e.path.as_str(), e.line), ("lists/w.txt", 3));
        assert!(e
            .to_string()
            .starts_with("lists/w.txt:3: not a valid pattern"));
        let e = WordList::parse("w.txt", "//").unwrap_err();
        assert!(e.message.contains("empty pattern"), "{e}");
    }

    #[test]
    fn the_builtin_lists_compile_whole() {
        let count = |t: &str| {
            t.lines()
                .filter(|l| !l.trim().is_empty() && !l.trim().starts_with('#'))
                .count()
        };
        WordList::parse("spam", SPAM).expect("built-in spam list");
        WordList::parse("abuse", ABUSE).expect("built-in abuse list");
        WordList::parse("suspect", SUSPECT).expect("built-in suspect list");
        assert_eq!(WordList::builtin_suspect().len(), count(SUSPECT));
        assert_eq!(WordList::builtin_spam().len(), count(SPAM));
        assert_eq!(WordList::builtin_abuse().len(), count(ABUSE));
    }
}
