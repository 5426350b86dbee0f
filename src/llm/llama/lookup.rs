//! Prompt lookup: guesses of the next tokens, taken from the prompt where the last words
//! written already appear there. A grounded answer mostly copies names and values from its
//! prompt, so the guesses are often right; the decoder checks a whole guess in one batch
//! (about the cost of two single steps on a CPU) and keeps the part the model agrees with.
//! llama.cpp's `--lookup` and "prompt lookup decoding" are the same idea.

use llama_cpp_2::token::LlamaToken;

/// The fewest tokens that must match before a guess is made: one common token (" the")
/// would guess at random.
const MATCH: usize = 2;

/// Up to `max` tokens that followed the latest earlier occurrence in `prompt` of the last
/// [`MATCH`] tokens of `prompt` + `written`, or nothing.
pub(super) fn guess(prompt: &[LlamaToken], written: &[LlamaToken], max: usize) -> Vec<LlamaToken> {
    if max == 0 || written.is_empty() {
        return Vec::new();
    }
    let history: Vec<LlamaToken> = prompt.iter().chain(written).copied().collect();
    if history.len() <= MATCH {
        return Vec::new();
    }
    let tail = &history[history.len() - MATCH..];
    // Latest first: the worded answer and the question sit at the prompt's end.
    (0..prompt.len().saturating_sub(MATCH))
        .rev()
        .find(|&i| &prompt[i..i + MATCH] == tail)
        .map(|i| {
            let from = i + MATCH;
            prompt[from..(from + max).min(prompt.len())].to_vec()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ids: &[i32]) -> Vec<LlamaToken> {
        ids.iter().map(|&i| LlamaToken(i)).collect()
    }

    #[test]
    fn guesses_what_followed_the_last_two_tokens_in_the_prompt() {
        let prompt = t(&[1, 2, 3, 4, 5, 9, 2, 3, 7, 8]);
        // Written "... 2 3": the latest "2 3" in the prompt is followed by 7 8.
        assert_eq!(guess(&prompt, &t(&[2, 3]), 4), t(&[7, 8]));
        assert_eq!(guess(&prompt, &t(&[4, 5]), 2), t(&[9, 2]));
        assert!(guess(&prompt, &t(&[6, 6]), 4).is_empty(), "never seen");
        assert!(guess(&prompt, &[], 4).is_empty(), "nothing written yet");
        assert!(guess(&prompt, &t(&[4, 5]), 0).is_empty());
    }
}
