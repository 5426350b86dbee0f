//! `herald lexicon build` and `herald lexicon info`: compile WordNet and CC-CEDICT into the
//! lexicon file the planner reads (the set-up step runs it), and say what a file holds.

use std::path::Path;

use crate::config::Config;
use crate::lexicon::{build, BuildSources, Lexicon};

pub(super) fn build_file(
    config: &Config,
    wordnet: &Path,
    cedict: &Path,
    out: Option<&Path>,
) -> anyhow::Result<i32> {
    let out = out.unwrap_or(&config.knowledge.lexicon);
    let started = std::time::Instant::now();
    match build(&BuildSources { wordnet, cedict }, out) {
        Ok(s) => {
            println!(
                "{}: {} English lemmas ({} relatives), {} Chinese words, {} labels; {:.1} MB in {:.1} s",
                out.display(),
                s.lemmas,
                s.relatives,
                s.zh_words,
                s.phrases,
                s.bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            Ok(0)
        }
        Err(e) => {
            eprintln!("{}", crate::text::chain(&e));
            Ok(1)
        }
    }
}

pub(super) fn info(config: &Config) -> anyhow::Result<i32> {
    let path = &config.knowledge.lexicon;
    match Lexicon::open(path) {
        Ok(l) => {
            println!(
                "{}: {} English lemmas, {} Chinese words",
                path.display(),
                l.lemma_count(),
                l.zh_count()
            );
            for s in l.sources() {
                println!("  {s}");
            }
            Ok(0)
        }
        Err(e) => {
            eprintln!("{}", crate::text::chain(&e));
            Ok(1)
        }
    }
}
