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
pub struct Decoding<'c> {
    /// `None`: a free generation (everything allowed).
    constraint: Option<&'c Constraint>,
    allowed: Vec<String>,
    text: String,
    tokens: Vec<i32>,
}

impl<'c> Decoding<'c> {
    pub fn new(constraint: Option<&'c Constraint>) -> Decoding<'c> {
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
            tokens: Vec::new(),
        }
    }

    /// May `token`, whose text is `piece`, come next?
    pub fn allows(&self, token: i32, piece: &str) -> bool {
        if self.constraint.is_none() {
            return true;
        }
        !self.repeats(token) && self.spans_ok(&format!("{}{piece}", self.text), false)
    }

    /// May the generation end here (no number or link half written)?
    pub fn may_end(&self) -> bool {
        self.constraint.is_none() || self.spans_ok(&self.text, true)
    }

    pub fn push(&mut self, token: i32, piece: &str) {
        self.tokens.push(token);
        self.text.push_str(piece);
    }

    /// The sentence limit is reached.
    pub fn done(&self) -> bool {
        let n = self.constraint.map_or(0, |c| c.max_sentences);
        if n == 0 {
            return false;
        }
        sentence_ends(&self.text).len() >= n
    }

    fn repeats(&self, token: i32) -> bool {
        let n = self.constraint.map_or(0, |c| c.no_repeat_ngram);
        if n == 0 || self.tokens.len() < n {
            return false;
        }
        let tail = &self.tokens[self.tokens.len() - (n - 1)..];
        self.tokens
            .windows(n)
            .any(|w| &w[..n - 1] == tail && w[n - 1] == token)
    }

    fn spans_ok(&self, text: &str, finished: bool) -> bool {
        scan(text).iter().all(|s| {
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
        let d = Decoding::new(Some(&c));
        assert!(d.allows(1, "It costs 16.00 USD."));
        assert!(d.allows(1, "It costs 16"), "a prefix may still grow");
        assert!(d.allows(1, "It costs 16."));
        assert!(!d.allows(1, "It costs 17"));
        assert!(!d.allows(1, "It costs 16.50"));
        assert!(!d.allows(1, "It costs 16 dollars"), "a number cut short");
        assert!(!d.allows(1, "about 2 years"));
        assert!(d.allows(1, "We open at 08:00. "));
        assert!(!d.allows(1, "Mail me at a@b.co"));
        // Full-width digits count as digits.
        assert!(!d.allows(1, "１３８"));
    }

    #[test]
    fn a_free_generation_may_write_anything() {
        let d = Decoding::new(None);
        assert!(d.allows(1, "It costs 99.99 USD, mail a@b.co"));
        assert!(d.may_end());
        assert!(!d.done());
    }

    #[test]
    fn a_half_written_number_cannot_end_the_reply() {
        let c = c(&["16.00 USD"]);
        let mut d = Decoding::new(Some(&c));
        d.push(1, "It costs 16.0");
        assert!(!d.may_end());
        d.push(2, "0 USD.");
        assert!(d.may_end());
    }

    #[test]
    fn a_repeated_phrase_is_refused() {
        let c = c(&[]);
        let mut d = Decoding::new(Some(&c));
        for t in [1, 2, 3, 4, 9, 1, 2] {
            d.push(t, "x");
        }
        assert!(
            d.allows(3, "x"),
            "three tokens again are not yet a repeated phrase"
        );
        d.push(3, "x");
        assert!(!d.allows(4, "x"), "1 2 3 4 again");
        assert!(d.allows(5, "x"));
    }

    #[test]
    fn the_sentence_limit_ends_after_the_second_sentence() {
        let c = c(&["16.00"]);
        let mut d = Decoding::new(Some(&c));
        d.push(1, "It costs 16.00 USD.");
        assert!(!d.done());
        d.push(2, " Enjoy it!");
        assert!(d.done());
        assert_eq!(first_sentences("A b. C d. E f.", 2), "A b. C d.");
        assert_eq!(
            first_sentences("价格是16.00。欢迎。再见。", 2),
            "价格是16.00。欢迎。"
        );
        assert_eq!(first_sentences("It is 16.00 USD", 1), "It is 16.00 USD");
    }
}
