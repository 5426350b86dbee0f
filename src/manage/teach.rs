//! `/teach g<N> <answer>`: the team's answer to a gap written into the knowledge folder as a
//! passage, checked by the loader, served (and cited) at once.

use std::path::Path;

use crate::knowledge::{KnowledgeError, Problem};
use crate::learning::{lesson, Numbered};

use herald_platform::{Citation, Outgoing};

use super::context::{Call, Context, Done, Forward};
use super::error::CommandError;
use super::gaps::numbered;

/// How far back `/teach` looks for the gap it is given (the longest `/gaps` period).
const TEACH_DAYS: u64 = 90;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub id: u64,
    pub answer: String,
}

const USAGE: &str = "Usage: /teach g<N> <answer> (the ids are in /gaps)";

pub(crate) fn parse(args: &str) -> Result<Args, CommandError> {
    let a = args.trim();
    let (id, answer) = a.split_once(char::is_whitespace).unwrap_or((a, ""));
    let id = id
        .strip_prefix('g')
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or(CommandError::Usage(USAGE))?;
    if answer.trim().is_empty() {
        return Err(CommandError::Usage(USAGE));
    }
    Ok(Args {
        id,
        answer: answer.trim().to_string(),
    })
}

fn refused(problems: &[Problem]) -> CommandError {
    let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    CommandError::Refused(format!(
        "Not taught, nothing was written: the answer would not load.\n{}",
        lines.join("\n")
    ))
}

/// Write `text` to `path` whole: a hidden temporary file (the loader skips those), then a
/// rename, so a reload never reads half a file.
fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("lesson.md");
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

pub(crate) fn apply(ctx: &Context, call: &Call<'_>, a: Args) -> Result<Done, CommandError> {
    let Some(store) = &ctx.knowledge else {
        return Err(CommandError::Refused(
            "This bot has no knowledge folder to write to.".into(),
        ));
    };
    let groups = numbered(ctx, call, TEACH_DAYS)?;
    let Some(n) = groups.iter().find(|n| n.id == a.id) else {
        return Err(CommandError::Refused(format!(
            "There is no open gap g{}; /gaps lists them (a taught gap leaves the list).",
            a.id
        )));
    };
    let lesson = lesson(n, &a.answer, &ctx.learning_folder, call.graph).map_err(|p| refused(&p))?;
    let path = ctx.knowledge_dir.join(&lesson.path);
    let existed = path.exists();
    write_whole(&path, &lesson.text)
        .map_err(|e| CommandError::Refused(format!("Could not write {}: {e}", path.display())))?;
    match store.reload() {
        Ok(_) => {}
        Err(KnowledgeError::Invalid(problems)) => {
            let ours: Vec<Problem> = problems
                .iter()
                .filter(|p| p.file.ends_with(&lesson.path))
                .cloned()
                .collect();
            if !ours.is_empty() {
                if let Err(e) = std::fs::remove_file(&path) {
                    tracing::error!(error = %e, path = %path.display(), "could not remove a refused lesson");
                }
                return Err(refused(&ours));
            }
            return Err(CommandError::Refused(format!(
                "Written to {}, but the knowledge folder has other problems, so it is served once they are fixed:\n{}",
                lesson.path,
                problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")
            )));
        }
        Err(e) => {
            return Err(CommandError::Refused(format!(
                "Written to {}, but the knowledge could not be reloaded: {}",
                lesson.path,
                crate::text::chain(&e)
            )))
        }
    }
    if let Err(e) = ctx.gap_ids.taught(n) {
        tracing::error!(error = %e, "could not mark a gap taught");
    }
    let source = format!("{}:{}", path.display(), lesson.line);
    let forwards = if ctx.notify_askers {
        tell_askers(ctx, n, &a.answer, &source)
    } else {
        Vec::new()
    };
    tracing::info!(gap = n.id, path = %lesson.path, "taught");
    let about = if lesson.about.is_empty() {
        String::new()
    } else {
        format!(" (about {})", lesson.about.join(", "))
    };
    let told = if forwards.is_empty() {
        String::new()
    } else {
        format!(" {} member(s) who asked get it now.", forwards.len())
    };
    Ok(Done {
        text: format!(
            "Taught g{}: {} {}{about}. Members who ask \"{}\" now get this answer, citing it.{told}",
            n.id,
            if existed { "replaced" } else { "wrote" },
            lesson.path,
            n.group.example
        ),
        forwards,
        ..Done::default()
    })
}

/// The new answer for each member who asked, in their chat, as a reply to their question.
fn tell_askers(ctx: &Context, n: &Numbered, answer: &str, source: &str) -> Vec<Forward> {
    let forms: Vec<String> = n
        .group
        .questions
        .iter()
        .map(|(q, _)| crate::text::normalize(q))
        .collect();
    let askers = match ctx.askers.take(&forms) {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "could not read who asked");
            return Vec::new();
        }
    };
    askers
        .into_iter()
        .filter_map(|a| {
            let chat = a.chat_ref()?;
            let zh = crate::text::Lang::detect(&a.question).is_zh();
            let text = ctx.prompts.reply(
                "taught_answer",
                zh,
                minijinja::context! { question => a.question.clone(), answer => answer },
            );
            Some(Forward {
                out: Outgoing {
                    reply_to: Some(a.message_id.clone()),
                    citations: vec![Citation {
                        id: 1,
                        source: source.to_string(),
                        fact: answer.to_string(),
                    }],
                    ..Outgoing::text(chat, text)
                },
                on_failure: None,
            })
        })
        .collect()
}

/// Teach `answer` to the open gap `question` belongs to (a manager's reply in a group,
/// turned into knowledge with one press).
pub fn teach_question(
    ctx: &Context,
    call: &Call<'_>,
    question: &str,
    answer: &str,
) -> Result<Done, CommandError> {
    let form = crate::text::normalize(question);
    let groups = numbered(ctx, call, TEACH_DAYS)?;
    let id = groups
        .iter()
        .find(|n| n.group.questions.iter().any(|(q, _)| crate::text::normalize(q) == form))
        .map(|n| n.id)
        .ok_or_else(|| {
            CommandError::Refused(format!(
                "\"{question}\" is no longer an open gap (it was taught, or asked more than {TEACH_DAYS} days ago)."
            ))
        })?;
    apply(
        ctx,
        call,
        Args {
            id,
            answer: answer.to_string(),
        },
    )
}
