//! The optional model classifier (`[moderation] classifier = true`): a message the rules
//! let through but that carries a link or a weak spam signal is asked of the model, which
//! answers `SPAM: <reason>` or `OK: <reason>`; a SPAM verdict is acted on like a rule's and
//! its reason written to the audit.

use crate::llm::{ChatMessage, GenerateRequest, LlmBackend, LlmError, Role};

/// The question put to the model.
pub(super) fn prompt(text: &str) -> String {
    format!(
        "You moderate a friendly community chat. Decide whether the member's message below is spam, a scam, an advert for something else, or abuse.\nAnswer with one line: \"SPAM: <short reason>\" or \"OK: <short reason>\".\n\nMessage: «{}»",
        text.chars().take(600).collect::<String>()
    )
}

/// The model's verdict: `Some(reason)` for spam, `None` for anything else (an answer that
/// does not start with SPAM never removes a message).
pub fn verdict(answer: &str) -> Option<String> {
    let a = answer.trim().trim_start_matches(['"', '*', '`']);
    let rest = a
        .get(..4)
        .filter(|head| head.eq_ignore_ascii_case("spam"))
        .map(|_| &a[4..])?;
    let reason = rest
        .trim_start_matches([':', '-', ' ', '—', '*', '"', '`'])
        .trim();
    let reason: String = reason
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(120)
        .collect();
    Some(if reason.is_empty() {
        "the model judged it spam".into()
    } else {
        reason
    })
}

/// Ask `llm` about `text`.
pub async fn classify(llm: &dyn LlmBackend, text: &str) -> Result<Option<String>, LlmError> {
    let g = llm
        .generate(GenerateRequest {
            messages: vec![ChatMessage::new(Role::User, prompt(text))],
            max_tokens: 32,
            // Moderation is one conversation: it takes turns with members' questions.
            conversation: "moderation:classifier".into(),
            ..GenerateRequest::default()
        })
        .await?;
    Ok(verdict(&g.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_answer_that_says_spam_removes() {
        assert_eq!(
            verdict("SPAM: crypto investment advert").as_deref(),
            Some("crypto investment advert")
        );
        assert_eq!(
            verdict(" **spam** - asks members to DM").as_deref(),
            Some("asks members to DM")
        );
        assert_eq!(verdict("Spam").as_deref(), Some("the model judged it spam"));
        assert_eq!(verdict("OK: a question about the menu"), None);
        assert_eq!(verdict("This is not spam"), None);
        assert_eq!(verdict(""), None);
        assert_eq!(verdict("垃圾"), None);
        assert!(prompt("hi").ends_with("«hi»"));
    }
}
