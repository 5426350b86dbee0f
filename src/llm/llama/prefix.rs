//! The shared head of the prompt, kept on disk: its KV cache is saved once and loaded by
//! every later process, so a one-shot `herald ask` (or the first answer after a restart)
//! does not evaluate the instructions again. llama.cpp's own `--prompt-cache` does the
//! same for its CLI.
//!
//! Why files and not a warm-up at load: evaluating ~60 instruction tokens costs ~250 ms on
//! two cores, loading their saved state a few milliseconds.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::token::LlamaToken;

/// How many saved heads to keep (one per bot name and language, and a few old ones while
/// an admin edits the template).
const KEEP: usize = 8;

/// The fewest tokens worth a file.
pub(super) const MIN_TOKENS: usize = 16;

/// Where the saved heads of one model live.
pub(super) struct PrefixStore {
    dir: PathBuf,
    /// What the state depends on besides the tokens: the model file (path, size, time).
    /// (`DefaultHasher` may hash differently after a toolchain upgrade: that only costs
    /// one evaluation and a new file; old ones are pruned.)
    model_key: u64,
}

impl PrefixStore {
    pub(super) fn new(dir: PathBuf, model: &Path) -> PrefixStore {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        model.hash(&mut h);
        if let Ok(meta) = std::fs::metadata(model) {
            meta.len().hash(&mut h);
            meta.modified().ok().hash(&mut h);
        }
        PrefixStore {
            dir,
            model_key: h.finish(),
        }
    }

    fn path(&self, tokens: &[LlamaToken]) -> PathBuf {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.model_key.hash(&mut h);
        tokens.iter().map(|t| t.0).collect::<Vec<_>>().hash(&mut h);
        self.dir
            .join(format!("{:016x}-{}.kv", h.finish(), tokens.len()))
    }

    /// Load the saved state of `tokens` into sequence `seq` of `ctx` (which must be
    /// empty). False when there is none or it does not load; the sequence is then empty again.
    pub(super) fn load(&self, ctx: &mut LlamaContext<'_>, seq: i32, tokens: &[LlamaToken]) -> bool {
        let path = self.path(tokens);
        if !path.is_file() {
            return false;
        }
        match ctx.state_seq_load_file(&path, seq, tokens.len()) {
            Ok((saved, _)) if saved == tokens => true,
            other => {
                // A file from another llama.cpp version, or damaged: forget it.
                tracing::warn!(path = %path.display(), ok = other.is_ok(), "saved prompt head does not load; evaluating it");
                let _ = ctx.clear_kv_cache_seq(u32::try_from(seq).ok(), None, None);
                let _ = std::fs::remove_file(&path);
                false
            }
        }
    }

    /// Save sequence `seq` of `ctx`, which holds exactly `tokens`. Best effort: a head that
    /// cannot be saved is evaluated again next time, nothing worse.
    pub(super) fn save(&self, ctx: &LlamaContext<'_>, seq: i32, tokens: &[LlamaToken]) {
        let path = self.path(tokens);
        if let Err(e) = std::fs::create_dir_all(&self.dir) {
            tracing::warn!(dir = %self.dir.display(), error = %e, "cannot create the prompt cache folder");
            return;
        }
        // Written under a unique name and renamed, so two processes never read half a file.
        let tmp = self
            .dir
            .join(format!(".{}.{}.tmp", std::process::id(), tokens.len()));
        match ctx.state_seq_save_file(&tmp, seq, tokens) {
            Ok(_) => {
                if let Err(e) = std::fs::rename(&tmp, &path) {
                    tracing::warn!(error = %e, "cannot store the saved prompt head");
                    let _ = std::fs::remove_file(&tmp);
                }
                self.prune();
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot save the prompt head");
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }

    /// Keep the newest [`KEEP`] files.
    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "kv"))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        files.sort_by_key(|f| std::cmp::Reverse(f.0));
        for (_, old) in files.into_iter().skip(KEEP) {
            let _ = std::fs::remove_file(old);
        }
    }
}

/// How many of `tokens` belong to the prompt's shared head: the rendered `prompt` up to
/// the end of `head` (the caller's fixed text, found inside the first message), tokenized
/// the same way. BPE may join the head's last characters with what follows, so the count
/// is the common prefix of the two tokenizations.
pub(super) fn head_len(
    prompt: &str,
    head: &str,
    tokens: &[LlamaToken],
    tokenize: impl Fn(&str) -> Vec<LlamaToken>,
) -> usize {
    if head.is_empty() {
        return 0;
    }
    let Some(at) = prompt.find(head) else {
        return 0;
    };
    let head_tokens = tokenize(&prompt[..at + head.len()]);
    head_tokens
        .iter()
        .zip(tokens)
        .take_while(|(a, b)| a == b)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<LlamaToken> {
        s.chars().map(|c| LlamaToken(c as i32)).collect()
    }

    #[test]
    fn the_head_is_the_common_tokenization_up_to_the_fixed_text() {
        let prompt = "<s>system\nYou are Bot. Rules.\nInfo: x<e>";
        let tokens = chars(prompt);
        assert_eq!(
            head_len(prompt, "You are Bot. Rules.\n", &tokens, chars),
            30
        );
        assert_eq!(head_len(prompt, "missing", &tokens, chars), 0);
        assert_eq!(head_len(prompt, "", &tokens, chars), 0);
        // A tokenizer that merges across the boundary gives a shorter head.
        let merged = |s: &str| {
            let mut t = chars(s);
            t.pop();
            t
        };
        assert_eq!(
            head_len(prompt, "You are Bot. Rules.\n", &tokens, merged),
            29
        );
    }
}
