//! The community-care components from their sections: the moderator from `[moderation]`
//! (its word lists read and its ladder checked, or herald does not start).

use std::path::Path;

use crate::config::ModerationConfig;
use crate::moderation::{
    AuditLog, ModerationOptions, Moderator, SampleFile, SpamFilter, Step, WordList,
};

/// A `[moderation]` setting that cannot be used, named so it can be fixed.
#[derive(Debug, thiserror::Error)]
pub enum CommunityError {
    #[error("[moderation] {0}")]
    Moderation(String),
    #[error("[moderation] word list: {0}")]
    WordList(#[from] crate::moderation::ListError),
    #[error("[moderation] cannot read the word list {path}: {source}")]
    ReadList {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("[moderation] cannot read the samples {path}: {source}")]
    ReadSamples {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Audit(#[from] crate::moderation::AuditError),
}

/// The checked options: the lists read, the ladder parsed, the mode known.
pub fn moderation_options(c: &ModerationConfig) -> Result<ModerationOptions, CommunityError> {
    let observe = match c.mode.as_str() {
        "act" => false,
        "observe" => true,
        other => {
            return Err(CommunityError::Moderation(format!(
                "mode = {other:?}: use \"act\" or \"observe\""
            )))
        }
    };
    let ladder = c
        .ladder
        .iter()
        .map(|s| Step::parse(s))
        .collect::<Result<Vec<Step>, String>>()
        .map_err(|e| CommunityError::Moderation(format!("ladder: {e}")))?;
    if ladder.is_empty() {
        return Err(CommunityError::Moderation(
            "ladder is empty: give at least one step (warn, mute 10m, ban)".into(),
        ));
    }
    for (name, value, default) in [
        (
            "spam_threshold",
            c.spam_threshold,
            crate::moderation::DEFAULT_SPAM_THRESHOLD,
        ),
        (
            "spam_threshold_zh",
            c.spam_threshold_zh,
            crate::moderation::DEFAULT_SPAM_THRESHOLD_ZH,
        ),
    ] {
        if !(value > 0.0 && value <= 1.0) {
            return Err(CommunityError::Moderation(format!(
                "{name} = {value}: give a score above 0 and at most 1 (the default is {default})"
            )));
        }
    }
    for t in &c.trusted {
        let ok = t.split_once(':').is_some_and(|(p, u)| {
            herald_platform::PlatformKind::from_name(p).is_some() && !u.is_empty()
        });
        if !ok {
            return Err(CommunityError::Moderation(format!(
                "trusted = {t:?}: write platform:user, e.g. \"telegram:123456\""
            )));
        }
    }
    let (mut words, abuse, suspect) = if c.builtin_lists {
        (
            WordList::builtin_spam(),
            WordList::builtin_abuse(),
            WordList::builtin_suspect(),
        )
    } else {
        (
            WordList::default(),
            WordList::default(),
            WordList::default(),
        )
    };
    for path in &c.word_lists {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CommunityError::ReadList {
            path: shown.clone(),
            source,
        })?;
        words = words.merged(WordList::parse(&shown, &text)?);
    }
    Ok(ModerationOptions {
        observe,
        chats: c.chats.clone(),
        new_member_hours: c.new_member_hours,
        flood_messages: c.flood_messages,
        flood_seconds: c.flood_seconds.max(1),
        mute_minutes: c.mute_minutes.max(1),
        repeat_limit: c.repeat_limit,
        repeat_minutes: c.repeat_minutes,
        max_mentions: c.max_mentions,
        words,
        abuse,
        suspect,
        suspect_new: c.suspect_new,
        suspect_any: c.suspect_any,
        classifier: c.classifier,
        spam_model: c.spam_model,
        spam_threshold: c.spam_threshold,
        spam_threshold_zh: c.spam_threshold_zh,
        allowed_domains: c.allowed_domains.clone(),
        ladder,
        reset_after_days: c.reset_after_days,
        trusted: c.trusted.clone(),
        trusted_roles: c.trusted_roles.clone(),
    })
}

/// The moderator when `[moderation] enabled = true`, with the spam classifier trained on
/// the shipped corpus and the community's samples (`samples`, under `data_dir`). A bad
/// sample line is logged with its `path:line` and skipped; the rest are learned.
pub(super) fn moderator(
    c: &ModerationConfig,
    audit: &AuditLog,
    data_dir: &Path,
) -> Result<Option<Moderator>, CommunityError> {
    if !c.enabled {
        return Ok(None);
    }
    let file = SampleFile::new(data_dir.join(&c.samples));
    let shown = file.path().display().to_string();
    let (filter, bad) =
        SpamFilter::with_samples(file).map_err(|source| CommunityError::ReadSamples {
            path: shown,
            source,
        })?;
    for e in &bad {
        tracing::warn!(error = %e, "moderation: a sample line skipped");
    }
    Ok(Some(
        Moderator::new(moderation_options(c)?, audit.clone()).with_spam_filter(filter),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_refused_by_name() {
        let bad = |edit: fn(&mut ModerationConfig)| {
            let mut c = ModerationConfig::default();
            edit(&mut c);
            moderation_options(&c).unwrap_err().to_string()
        };
        assert!(bad(|c| c.mode = "strict".into()).contains("\"act\" or \"observe\""));
        assert!(bad(|c| c.ladder = vec!["warn".into(), "mute soon".into()]).contains("ladder"));
        assert!(bad(|c| c.ladder.clear()).contains("ladder is empty"));
        assert!(bad(|c| c.trusted = vec!["123".into()]).contains("platform:user"));
        assert!(
            bad(|c| c.word_lists = vec!["/nonexistent/words.txt".into()])
                .contains("cannot read the word list /nonexistent/words.txt")
        );
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("words.txt");
        std::fs::write(&list, "fine\n/[/\n").unwrap();
        let e = bad_with(&list);
        assert!(e.contains("words.txt:2: not a valid pattern"), "{e}");
        let ok = ModerationConfig {
            mode: "observe".into(),
            builtin_lists: false,
            ..ModerationConfig::default()
        };
        let o = moderation_options(&ok).unwrap();
        assert!(o.observe && o.words.is_empty() && o.ladder.len() == 4);
    }

    fn bad_with(list: &std::path::Path) -> String {
        let c = ModerationConfig {
            word_lists: vec![list.to_path_buf()],
            ..ModerationConfig::default()
        };
        moderation_options(&c).unwrap_err().to_string()
    }
}
