//! Splitting text into sentences, for the guard (which checks a reply sentence by sentence)
//! and the planner (which reads the sentences of a message that ask).

/// Sentences, split so that "18.50" stays whole: an ASCII stop ends a sentence only before
/// a space or the end; a CJK stop or a line break always does. Blank pieces are left out.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        let next = chars.get(i + 1).map(|x| x.1);
        let end = match c {
            '。' | '！' | '？' | '\n' => true,
            '.' | '!' | '?' => next.is_none_or(|n| n.is_whitespace()),
            _ => false,
        };
        if end {
            let stop = at + c.len_utf8();
            if !text[start..stop].trim().is_empty() {
                out.push(&text[start..stop]);
            }
            start = stop;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}
