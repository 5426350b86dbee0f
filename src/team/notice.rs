//! What the team reads: a new ticket's notice (the member's words, the last turns, the
//! mood, where they are and how to answer), and what the member reads when a manager
//! answers. Plain functions over plain values, so they are tested without a platform.

use herald_platform::{ChatRef, Mention, Outgoing};

use super::tickets::Ticket;

/// One earlier exchange of the member's conversation, for context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub member: String,
    pub bot: String,
}

/// How a ticket is written: `t12`.
pub fn ticket_name(id: u64) -> String {
    format!("t{id}")
}

/// `t12`, `T12`, `#12` or `12` → 12.
pub fn parse_ticket(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits = s.strip_prefix(['t', 'T', '#']).unwrap_or(s);
    digits.parse::<u64>().ok().filter(|n| *n > 0)
}

/// The longest quote of a member's words or a turn in a notice, in characters.
const QUOTE_CHARS: usize = 300;

fn quote(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= QUOTE_CHARS {
        return s.to_string();
    }
    let cut: String = s.chars().take(QUOTE_CHARS).collect();
    format!("{}…", cut.trim_end())
}

/// The notice of a new ticket, to the team's chat. `words` are the member's words as sent
/// (the stored ticket keeps them scrubbed); `turns` the last exchanges before, oldest first;
/// `sentiment` the compound score of `words`.
pub fn ticket_notice(
    team: ChatRef,
    ticket: &Ticket,
    words: &str,
    turns: &[Exchange],
    sentiment: f64,
) -> Outgoing {
    let what = if ticket.reason == "complaint" {
        "complaint"
    } else {
        "asks for a person"
    };
    let place = if ticket.private {
        "private chat"
    } else {
        "group chat"
    };
    let mut text = format!(
        "🙋 Ticket {} · {what} · {} {place}\n",
        ticket_name(ticket.id),
        ticket.platform
    );
    let words = words.trim();
    if words.is_empty() {
        text.push_str("(no message)\n");
    } else {
        text.push_str(&format!("“{}”\n", quote(words)));
    }
    text.push_str(&format!(
        "Mood: {} ({sentiment:+.2})\n",
        crate::text::sentiment::label(sentiment)
    ));
    if !turns.is_empty() {
        text.push_str("Before that:\n");
        for t in turns {
            text.push_str(&format!(
                "  member: {}\n  bot: {}\n",
                quote(&t.member),
                quote(&t.bot)
            ));
        }
    }
    text.push_str(&format!(
        "Answer with /reply {} <your answer> (it goes to the member's chat). From:",
        ticket_name(ticket.id)
    ));
    Outgoing {
        mention: ticket.chat_ref().map(|c| Mention {
            platform: c.platform,
            user: ticket.user.clone(),
            label: "the member".into(),
        }),
        ..Outgoing::text(team, text)
    }
}

/// A manager's answer, to the member's chat as a reply to the message that opened the
/// ticket; `None` once the ticket is closed (the way to reach the member is gone).
pub fn answer_to_member(ticket: &Ticket, heading: &str, answer: &str) -> Option<Outgoing> {
    let chat = ticket.chat_ref()?;
    Some(Outgoing {
        reply_to: (!ticket.message_id.is_empty()).then(|| ticket.message_id.clone()),
        ..Outgoing::text(chat, format!("{heading}\n{}", answer.trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_platform::PlatformKind;

    fn ticket() -> Ticket {
        Ticket {
            id: 7,
            reason: "complaint".into(),
            member: "m".into(),
            platform: "telegram".into(),
            chat: "-100".into(),
            private: false,
            user: "4242".into(),
            message_id: "55".into(),
            text: "scrubbed".into(),
            zh: false,
            opened_ms: 0,
            closed_ms: None,
        }
    }

    fn team() -> ChatRef {
        ChatRef {
            platform: PlatformKind::Telegram,
            chat: "-999".into(),
            private: false,
        }
    }

    #[test]
    fn the_notice_has_the_words_the_turns_the_mood_and_a_way_to_reach_the_member() {
        let turns = [Exchange {
            member: "where is my order?".into(),
            bot: "I don't know that yet.".into(),
        }];
        let out = ticket_notice(team(), &ticket(), "my order never came!", &turns, -0.6);
        assert_eq!(out.chat, team());
        for part in [
            "Ticket t7 · complaint · telegram group chat",
            "“my order never came!”",
            "Mood: negative (-0.60)",
            "  member: where is my order?\n  bot: I don't know that yet.",
            "/reply t7 <your answer>",
        ] {
            assert!(
                out.text.contains(part),
                "{part:?} missing from\n{}",
                out.text
            );
        }
        let m = out.mention.expect("a mention");
        assert_eq!(
            (m.platform, m.user.as_str()),
            (PlatformKind::Telegram, "4242")
        );
    }

    #[test]
    fn long_words_are_cut_and_an_empty_request_says_so() {
        let long = "a".repeat(1000);
        let out = ticket_notice(team(), &ticket(), &long, &[], 0.0);
        assert!(out.text.contains(&format!("“{}…”", "a".repeat(300))));
        let out = ticket_notice(team(), &ticket(), "  ", &[], 0.0);
        assert!(out.text.contains("(no message)"));
        assert!(!out.text.contains("Before that"));
    }

    #[test]
    fn the_answer_goes_to_the_members_chat_as_a_reply_until_the_ticket_closes() {
        let mut t = ticket();
        let out = answer_to_member(&t, "From the team:", " We sent a new bag. ").expect("open");
        assert_eq!(out.chat.chat, "-100");
        assert_eq!(out.reply_to.as_deref(), Some("55"));
        assert_eq!(out.text, "From the team:\nWe sent a new bag.");
        t.closed_ms = Some(1);
        assert!(answer_to_member(&t, "x", "y").is_none());
    }

    #[test]
    fn ticket_ids_are_read_in_every_way_managers_write_them() {
        for s in ["t12", "T12", "#12", "12", " t12 "] {
            assert_eq!(parse_ticket(s), Some(12), "{s}");
        }
        for s in ["t", "x12", "0", "-3", "t1.5", ""] {
            assert_eq!(parse_ticket(s), None, "{s}");
        }
    }
}
