//! How a reply looks on Discord: the answer, then its sources in small print, cut into
//! messages that fit Discord's 2000-character limit.

use herald_platform::{split_utf16, Outgoing, PlatformKind};

/// Discord's limit on a message's content.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// The text of `out` with its citations, in pieces of at most `max` characters (counted in
/// UTF-16 units, as Discord's API does).
pub fn render(out: &Outgoing, max: usize) -> Vec<String> {
    let mut text = out.text.trim().to_string();
    if !out.citations.is_empty() {
        text.push_str("\n\n**Sources**");
        for c in &out.citations {
            // `-#` is Discord's subtext: sources read as footnotes, not as part of the answer.
            text.push_str(&format!(
                "\n-# [{}] {} · {}",
                c.id,
                escape(&c.fact),
                escape(&c.source)
            ));
        }
    }
    if let Some(m) = &out.mention {
        // `<@id>` shows as the member's name and opens their profile; sends allow no pings,
        // so the member is not notified of the team's channel.
        let shown = if m.platform == PlatformKind::Discord && m.user.parse::<u64>().is_ok() {
            format!("<@{}>", m.user)
        } else {
            escape(&m.plain())
        };
        text = format!("{text} {shown}");
    }
    split_utf16(&text, max)
}

/// Escape Discord markdown so a fact or file name shows as written (`my_file.toml` must not
/// turn italic).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_platform::{utf16_len, ChatRef, Citation, Mention};

    fn out(text: &str, citations: Vec<Citation>) -> Outgoing {
        Outgoing {
            chat: ChatRef {
                platform: PlatformKind::Discord,
                chat: "1".into(),
                private: true,
            },
            reply_to: None,
            text: text.into(),
            citations,
            rateable: true,
            idempotency_key: None,
            images: Vec::new(),
            mention: None,
            buttons: Vec::new(),
        }
    }

    #[test]
    fn sources_follow_the_answer_escaped() {
        let pieces = render(
            &out(
                "It is 16.00 USD [1].",
                vec![Citation {
                    id: 1,
                    source: "knowledge/my_products.toml:17".into(),
                    fact: "Huila: price *16.00* USD".into(),
                }],
            ),
            MAX_MESSAGE_CHARS,
        );
        assert_eq!(
            pieces,
            vec!["It is 16.00 USD [1].\n\n**Sources**\n-# [1] Huila: price \\*16.00\\* USD · knowledge/my\\_products.toml:17"]
        );
    }

    #[test]
    fn long_answers_are_split_in_order_within_the_limit() {
        let sentence = "Our espresso blend is roasted on Tuesdays. 🔥 ";
        let text = sentence.repeat(120);
        let pieces = render(&out(&text, vec![]), MAX_MESSAGE_CHARS);
        assert!(pieces.len() >= 3, "{}", pieces.len());
        assert!(pieces.iter().all(|p| utf16_len(p) <= MAX_MESSAGE_CHARS));
        assert_eq!(
            pieces.join(" ").split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_discord_member_is_mentioned_and_others_are_named() {
        let mut o = out("Ticket t1: *help*", vec![]);
        o.mention = Some(Mention {
            platform: PlatformKind::Discord,
            user: "123456789".into(),
            label: "the member".into(),
        });
        assert_eq!(
            render(&o, MAX_MESSAGE_CHARS),
            ["Ticket t1: *help* <@123456789>"]
        );
        o.mention = Some(Mention {
            platform: PlatformKind::Telegram,
            user: "42".into(),
            label: "the_member".into(),
        });
        assert_eq!(
            render(&o, MAX_MESSAGE_CHARS),
            ["Ticket t1: *help* the\\_member (telegram user 42)"]
        );
    }
}
