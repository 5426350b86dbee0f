//! Constraints a generation obeys while it decodes: numbers, dates, times, prices, phone
//! numbers, e-mails and URLs only as exact copies of given values; no repeated phrase; a
//! sentence limit. Pure text logic, so the decoder asks it about each candidate token.
//!
//! Why a check per candidate and not a GBNF grammar: the grammar sampler tests the whole
//! vocabulary at every step (tens of milliseconds on a 49k vocabulary); this tests the
//! best candidates in order and almost always accepts the first.

/// What a generation may write. Built by the caller from the facts it plans to state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Constraint {
    /// Texts whose numbers, e-mails and URLs the reply may copy; nothing else of that shape.
    pub values: Vec<String>,
    /// Stop once this many sentences are complete (0: no limit).
    pub max_sentences: usize,
    /// Refuse a token that would repeat a run of this many tokens already written (0: off).
    pub no_repeat_ngram: usize,
    /// Words the reply may not write: whole words in any case, or anywhere for Chinese
    /// ones (hedges such as "approximately" or "大约" that would soften a fact).
    pub banned_words: Vec<String>,
    /// Refuse `?` and `？`: a reply states, it does not ask (a small model otherwise
    /// echoes the member's question back).
    pub no_questions: bool,
    /// Citation markers `[1]` to `[citations]` the reply may write: a number in brackets
    /// that is no claim. (As a value, "1" could be written anywhere.)
    pub citations: usize,
    /// Stop at the first line break after some text: a chat answer is one paragraph, and
    /// what a small model writes after "use the following command:" is not one.
    pub one_paragraph: bool,
}

/// Does `text` write one of `banned` in the part after byte `from` (where the last
/// token's text starts)? Latin words count whole (`around` is not in `surround`), so a
/// word is refused by the token that completes it.
fn writes_banned(text: &str, from: usize, banned: &[String]) -> bool {
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        // Lower-casing changed byte offsets (rare letters); check the whole text.
        return banned.iter().any(|w| has_word(&lower, w, 0));
    }
    banned.iter().any(|w| has_word(&lower, w, from))
}

/// `word` occurs in `text`, ending after byte `from`, whole (for a Latin word).
fn has_word(text: &str, word: &str, from: usize) -> bool {
    if word.is_empty() {
        return false;
    }
    let latin = word.chars().any(char::is_alphabetic) && !word.chars().any(crate::text::is_cjk);
    let start = from.saturating_sub(word.len());
    let start = (0..=start)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    text[start..].match_indices(word).any(|(at, _)| {
        let (at, end) = (start + at, start + at + word.len());
        if end <= from {
            return false;
        }
        if !latin {
            return true;
        }
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        !before.is_some_and(char::is_alphabetic) && !after.is_some_and(char::is_alphabetic)
    })
}

/// The protected spans of a text: digit runs and e-mail/URL chunks, as written.
pub fn protected_spans(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for span in scan(text) {
        let s = span
            .text
            .trim_end_matches(['.', ',', ';', ':', '!', '?', '-', '/'])
            .to_string();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Is `c` a separator inside a number ("18.50", "2026-12-12", "18:00", "1/2", "1,000")?
fn is_number_joiner(c: char) -> bool {
    matches!(c, '.' | ',' | ':' | '-' | '/')
}

/// Can `c` be part of an e-mail or URL chunk?
fn is_link_char(c: char) -> bool {
    !c.is_whitespace()
        && !crate::text::is_cjk(c)
        && !matches!(
            c,
            '(' | ')' | '[' | ']' | '<' | '>' | '"' | '\'' | '，' | '。' | '、' | '）' | '（'
        )
}

struct Span<'a> {
    text: &'a str,
    /// The span runs to the end of the text (it may still grow).
    open: bool,
}

/// Digit runs (`digit (joiner? digit)*`) and chunks holding `@` or `://`, in order. A
/// number inside a link chunk belongs to the chunk.
fn scan(text: &str) -> Vec<Span<'_>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_byte = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(text.len());
    let mut spans = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        // A link chunk: from the chunk's start to its end, when it holds '@' or "://".
        if is_link_char(chars[i].1) && (i == 0 || !is_link_char(chars[i - 1].1)) {
            let mut j = i;
            while j < chars.len() && is_link_char(chars[j].1) {
                j += 1;
            }
            let chunk = &text[end_byte(i)..end_byte(j)];
            if chunk.contains('@') || chunk.contains("://") {
                let trimmed = chunk.trim_end_matches(['.', ',', ';', ':', '!', '?']);
                let open = j == chars.len();
                spans.push(Span {
                    text: if open { chunk } else { trimmed },
                    open,
                });
                i = j;
                continue;
            }
        }
        if chars[i].1.is_numeric() {
            let mut j = i + 1;
            loop {
                if j < chars.len() && chars[j].1.is_numeric() {
                    j += 1;
                } else if j + 1 < chars.len()
                    && is_number_joiner(chars[j].1)
                    && chars[j + 1].1.is_numeric()
                {
                    j += 2;
                } else {
                    break;
                }
            }
            // A joiner at the very end may be the middle of a number still being written.
            let open = j == chars.len() || (j + 1 == chars.len() && is_number_joiner(chars[j].1));
            let stop = if open { chars.len() } else { j };
            spans.push(Span {
                text: &text[end_byte(i)..end_byte(stop)],
                open,
            });
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    spans
}

/// Sentence ends in `text` (byte offsets just past them): a CJK terminator, or '.', '!', '?'
/// before whitespace or at the end. A '.' right after a digit at the very end is not one
/// yet: it may be the middle of "16.00".
pub fn sentence_ends(text: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut ends = Vec::new();
    for (k, &(at, c)) in chars.iter().enumerate() {
        let next = chars.get(k + 1).map(|x| x.1);
        let after_digit = k > 0 && chars[k - 1].1.is_numeric();
        let end = match c {
            '。' | '！' | '？' => true,
            '.' | '!' | '?' => match next {
                Some(n) => n.is_whitespace(),
                None => c != '.' || !after_digit,
            },
            _ => false,
        };
        if end {
            ends.push(at + c.len_utf8());
        }
    }
    ends
}

/// `text` cut after its first `n` sentences (unchanged when it has fewer or `n` is 0).
pub fn first_sentences(text: &str, n: usize) -> &str {
    if n == 0 {
        return text;
    }
    match sentence_ends(text).get(n - 1) {
        Some(&end) => text[..end].trim_end(),
        None => text.trim_end(),
    }
}

/// The decoding state of one generation, constrained or not.
#[derive(Debug)]
pub struct Decoding {
    /// `None`: a free generation (everything allowed).
    constraint: Option<Constraint>,
    allowed: Vec<String>,
    /// The whole characters written so far, and the bytes of a character still being
    /// written (a token may hold part of a multi-byte character, as Chinese often does).
    text: String,
    pending: Vec<u8>,
    tokens: Vec<i32>,
}

/// `pending` followed by `bytes`, split into whole characters (appended to `out`) and
/// the bytes of a character not yet complete (returned). Invalid bytes become U+FFFD.
fn append_utf8(out: &mut String, pending: &[u8], bytes: &[u8]) -> Vec<u8> {
    let mut all = Vec::with_capacity(pending.len() + bytes.len());
    all.extend_from_slice(pending);
    all.extend_from_slice(bytes);
    let mut rest: &[u8] = &all;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return Vec::new();
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                // from_utf8 said these bytes are valid.
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                match e.error_len() {
                    None => return bad.to_vec(),
                    Some(n) => {
                        out.push(char::REPLACEMENT_CHARACTER);
                        rest = &bad[n..];
                    }
                }
            }
        }
    }
}

impl Decoding {
    pub fn new(constraint: Option<Constraint>) -> Decoding {
        let mut allowed = Vec::new();
        for v in constraint.iter().flat_map(|c| &c.values) {
            for s in protected_spans(v) {
                if !allowed.contains(&s) {
                    allowed.push(s);
                }
            }
        }
        Decoding {
            constraint,
            allowed,
            text: String::new(),
            pending: Vec::new(),
            tokens: Vec::new(),
        }
    }

    /// May `token`, whose bytes are `piece`, come next?
    pub fn allows(&self, token: i32, piece: &[u8]) -> bool {
        let Some(c) = &self.constraint else {
            return true;
        };
        if self.repeats(token) {
            return false;
        }
        let mut text = self.text.clone();
        if !append_utf8(&mut text, &self.pending, piece).is_empty() {
            // A character still being written ends any number before it (a full-width
            // digit is checked once it is whole).
            text.push(char::REPLACEMENT_CHARACTER);
        }
        let new = &text[self.text.len()..];
        let new = new.trim_end_matches(char::REPLACEMENT_CHARACTER);
        if c.no_questions && new.contains(['?', '？']) {
            return false;
        }
        !writes_banned(&text, self.text.len(), &c.banned_words) && self.spans_ok(&text, false)
    }

    /// May the generation end here (no number or link half written, no character)?
    pub fn may_end(&self) -> bool {
        self.constraint.is_none() || (self.pending.is_empty() && self.spans_ok(&self.text, true))
    }

    pub fn push(&mut self, token: i32, piece: &[u8]) {
        self.tokens.push(token);
        self.pending = append_utf8(&mut self.text, &self.pending, piece);
    }

    /// The sentence limit is reached, or the paragraph ended.
    pub fn done(&self) -> bool {
        let Some(c) = &self.constraint else {
            return false;
        };
        if c.one_paragraph && self.text.trim_start().contains('\n') {
            return true;
        }
        c.max_sentences > 0 && sentence_ends(&self.text).len() >= c.max_sentences
    }

    fn repeats(&self, token: i32) -> bool {
        let n = self.constraint.as_ref().map_or(0, |c| c.no_repeat_ngram);
        if n == 0 || self.tokens.len() < n {
            return false;
        }
        let tail = &self.tokens[self.tokens.len() - (n - 1)..];
        self.tokens
            .windows(n)
            .any(|w| &w[..n - 1] == tail && w[n - 1] == token)
    }

    fn spans_ok(&self, text: &str, finished: bool) -> bool {
        let citations = self.constraint.as_ref().map_or(0, |c| c.citations);
        scan(text).iter().all(|s| {
            let at = s.text.as_ptr() as usize - text.as_ptr() as usize;
            if text[..at].ends_with('[') && s.text.bytes().all(|b| b.is_ascii_digit()) {
                return s
                    .text
                    .parse::<usize>()
                    .is_ok_and(|n| n >= 1 && n <= citations);
            }
            if s.open && !finished {
                let bare = s.text.trim_end_matches(is_number_joiner);
                self.allowed.iter().any(|a| a.starts_with(s.text))
                    || self.allowed.iter().any(|a| a == bare)
            } else {
                let bare = s
                    .text
                    .trim_end_matches(['.', ',', ';', ':', '!', '?', '-', '/']);
                self.allowed.iter().any(|a| a == s.text || a == bare)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(values: &[&str]) -> Constraint {
        Constraint {
            values: values.iter().map(|s| s.to_string()).collect(),
            max_sentences: 2,
            no_repeat_ngram: 4,
            ..Constraint::default()
        }
    }

    #[test]
    fn spans_are_numbers_dates_times_and_links() {
        assert_eq!(
            protected_spans(
                "18.50 USD, on 2026-12-12 at 18:00–20:00; mail hi@x.com or https://x.com/a."
            ),
            vec![
                "18.50",
                "2026-12-12",
                "18:00",
                "20:00",
                "hi@x.com",
                "https://x.com/a"
            ]
        );
        assert_eq!(protected_spans("价格是18.50美元"), vec!["18.50"]);
    }

    #[test]
    fn only_copies_of_the_values_are_allowed() {
        let c = c(&["Huila — price: 16.00 USD", "opens 08:00"]);
        let d = Decoding::new(Some(c.clone()));
        assert!(d.allows(1, b"It costs 16.00 USD."));
        assert!(d.allows(1, b"It costs 16"), "a prefix may still grow");
        assert!(d.allows(1, b"It costs 16."));
        assert!(!d.allows(1, b"It costs 17"));
        assert!(!d.allows(1, b"It costs 16.50"));
        assert!(!d.allows(1, b"It costs 16 dollars"), "a number cut short");
        assert!(!d.allows(1, b"about 2 years"));
        assert!(d.allows(1, b"We open at 08:00. "));
        assert!(!d.allows(1, b"Mail me at a@b.co"));
        // Full-width digits count as digits.
        assert!(!d.allows(1, "１３８".as_bytes()));
    }

    #[test]
    fn a_free_generation_may_write_anything() {
        let d = Decoding::new(None);
        assert!(d.allows(1, b"It costs 99.99 USD, mail a@b.co"));
        assert!(d.may_end());
        assert!(!d.done());
    }

    #[test]
    fn a_half_written_number_cannot_end_the_reply() {
        let c = c(&["16.00 USD"]);
        let mut d = Decoding::new(Some(c.clone()));
        d.push(1, b"It costs 16.0");
        assert!(!d.may_end());
        d.push(2, b"0 USD.");
        assert!(d.may_end());
    }

    #[test]
    fn banned_words_and_questions_are_refused() {
        let c = Constraint {
            values: vec!["16.00 USD".into()],
            banned_words: vec!["approximately".into(), "approx".into(), "大约".into()],
            no_questions: true,
            ..Constraint::default()
        };
        let mut d = Decoding::new(Some(c.clone()));
        d.push(1, b"It costs");
        assert!(!d.allows(2, b" approximately"));
        assert!(!d.allows(2, b" Approx"), "any case");
        assert!(d.allows(2, b" 16.00 USD"));
        assert!(d.allows(2, b" approach"), "a longer word is another word");
        d.push(2, b" approx");
        // "approx" was allowed only because the test pushed it; what completes a
        // banned word is refused, not the words around it.
        assert!(d.allows(3, b"."));
        let mut d = Decoding::new(Some(c.clone()));
        d.push(1, "价格".as_bytes());
        assert!(!d.allows(2, "大约".as_bytes()));
        let (head, tail) = "大约".as_bytes().split_at(4);
        d.push(2, head);
        assert!(!d.allows(3, tail), "completed across tokens");
        assert!(!d.allows(3, "是多少？".as_bytes()));
        assert!(!d.allows(3, b"?"));
        assert!(d.allows(3, "是16.00 USD。".as_bytes()));
    }

    #[test]
    fn citation_numbers_only_in_brackets() {
        let c = Constraint {
            values: vec!["1 litre".into()],
            citations: 2,
            ..Constraint::default()
        };
        let d = Decoding::new(Some(c.clone()));
        assert!(d.allows(1, b"It holds 1 litre [2]."));
        assert!(!d.allows(1, b"It holds 1 litre [3]."));
        assert!(!d.allows(1, b"It holds 2 litres."), "a marker is no value");
        assert!(!d.allows(1, b"See [0]"));
    }

    #[test]
    fn one_paragraph_ends_at_a_line_break() {
        let c = Constraint {
            one_paragraph: true,
            ..Constraint::default()
        };
        let mut d = Decoding::new(Some(c.clone()));
        d.push(1, b"\n");
        assert!(!d.done(), "a leading line break is not the end");
        d.push(2, b"Run the following command:");
        assert!(!d.done());
        d.push(3, b"\n");
        assert!(d.done());
    }

    #[test]
    fn characters_split_across_tokens_still_count() {
        let c = c(&["16.00"]);
        let mut d = Decoding::new(Some(c.clone()));
        let reply = "好的。欢迎！".as_bytes();
        // The mark that ends the second sentence arrives in two tokens.
        let (head, tail) = reply.split_at(reply.len() - 2);
        d.push(1, head);
        assert!(!d.done(), "one sentence so far");
        d.push(2, tail);
        assert!(d.done(), "the second ended by ！");
        // A full-width digit split the same way is still a number the facts lack.
        let mut d = Decoding::new(Some(c.clone()));
        let digit = "价格是１".as_bytes();
        let (head, tail) = digit.split_at(digit.len() - 1);
        d.push(1, head);
        assert!(!d.allows(2, tail));
        assert!(
            d.allows(2, "是".as_bytes()[..1].as_ref()),
            "half a character is no number"
        );
        // Half a character after half a number: the number has ended, cut short.
        let mut d = Decoding::new(Some(c.clone()));
        d.push(1, b"It ships in 16.0");
        assert!(!d.allows(2, "是".as_bytes()[..1].as_ref()));
        d.push(2, b"0 USD");
        d.push(3, "是".as_bytes()[..1].as_ref());
        assert!(!d.may_end(), "not in the middle of a character");
    }

    #[test]
    fn a_repeated_phrase_is_refused() {
        let c = c(&[]);
        let mut d = Decoding::new(Some(c.clone()));
        for t in [1, 2, 3, 4, 9, 1, 2] {
            d.push(t, b"x");
        }
        assert!(
            d.allows(3, b"x"),
            "three tokens again are not yet a repeated phrase"
        );
        d.push(3, b"x");
        assert!(!d.allows(4, b"x"), "1 2 3 4 again");
        assert!(d.allows(5, b"x"));
    }

    #[test]
    fn the_sentence_limit_ends_after_the_second_sentence() {
        let c = c(&["16.00"]);
        let mut d = Decoding::new(Some(c.clone()));
        d.push(1, b"It costs 16.00 USD.");
        assert!(!d.done());
        d.push(2, b" Enjoy it!");
        assert!(d.done());
        assert_eq!(first_sentences("A b. C d. E f.", 2), "A b. C d.");
        assert_eq!(
            first_sentences("价格是16.00。欢迎。再见。", 2),
            "价格是16.00。欢迎。"
        );
        assert_eq!(first_sentences("It is 16.00 USD", 1), "It is 16.00 USD");
    }
}
