//! Chinese word segmentation over the dictionary's headwords: forward maximum matching
//! (the longest dictionary word at each position), enough to find 保修 and 多久 in
//! 磨豆机保修多久 without a statistical segmenter.

use super::{Lexicon, ZhWord};
use crate::text::is_cjk;

/// Longest word tried, in characters.
const MAX_CHARS: usize = 6;

/// A piece of a Chinese run: a dictionary word, or a character the dictionary lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZhPiece<'t> {
    pub text: &'t str,
    pub word: Option<ZhWord>,
}

impl Lexicon {
    /// The Chinese runs of `text` split into dictionary words, in order; other scripts are
    /// left out. Without a lexicon every character is a piece of its own.
    pub fn segment<'t>(&self, text: &'t str) -> Vec<ZhPiece<'t>> {
        let mut out = Vec::new();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            if !is_cjk(chars[i].1) {
                i += 1;
                continue;
            }
            let mut run_end = i;
            while run_end < chars.len() && is_cjk(chars[run_end].1) {
                run_end += 1;
            }
            let end_byte = |k: usize| chars.get(k).map_or(text.len(), |c| c.0);
            let mut taken = 1;
            let mut word = None;
            for len in (2..=MAX_CHARS.min(run_end - i)).rev() {
                let piece = &text[chars[i].0..end_byte(i + len)];
                if let Some(w) = self.zh_find(piece) {
                    taken = len;
                    word = Some(w);
                    break;
                }
            }
            let piece = &text[chars[i].0..end_byte(i + taken)];
            if word.is_none() {
                word = self.zh_find(piece);
            }
            out.push(ZhPiece { text: piece, word });
            i += taken;
        }
        out
    }
}
