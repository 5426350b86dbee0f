//! How a reply looks on Telegram: the answer, then its sources, escaped for HTML parse mode,
//! cut into messages that fit Telegram's 4096-character limit.

use herald_platform::{split_utf16, Mention, Outgoing, PlatformKind};

/// Telegram's limit on a message's text, in UTF-16 code units after entity parsing.
pub const MAX_MESSAGE_UTF16: usize = 4096;

const SOURCES: &str = "Sources:";

/// One message to send: the same text as HTML and as plain text (sent when Telegram rejects
/// the markup, so markup can never cost a reply).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub html: String,
    pub plain: String,
}

/// The text of `out` with its citations, cut into pieces of at most `max` UTF-16 units.
pub fn render(out: &Outgoing, max: usize) -> Vec<Piece> {
    let mut plain = out.text.trim().to_string();
    if !out.citations.is_empty() {
        plain.push_str("\n\n");
        plain.push_str(SOURCES);
        for c in &out.citations {
            plain.push_str(&format!("\n[{}] {} · {}", c.id, c.fact, c.source));
        }
    }
    let mut pieces: Vec<Piece> = split_utf16(&plain, max)
        .into_iter()
        .map(|p| Piece {
            html: html(&p),
            plain: p,
        })
        .collect();
    if let (Some(m), Some(last)) = (&out.mention, pieces.last_mut()) {
        let (html, plain) = mention(m);
        last.html = format!("{} {html}", last.html);
        last.plain = format!("{} {plain}", last.plain);
    }
    pieces
}

/// A mention as a link to the Telegram user (`tg://user?id=`), which opens their profile in
/// any client; a person on another platform is named in plain text.
fn mention(m: &Mention) -> (String, String) {
    let plain = m.plain();
    if m.platform != PlatformKind::Telegram || m.user.parse::<i64>().is_err() {
        return (escape(&plain), plain);
    }
    (
        format!(
            "<a href=\"tg://user?id={}\">{}</a>",
            m.user,
            escape(&m.label)
        ),
        format!("{} (tg://user?id={})", m.label, m.user),
    )
}

/// The piece as Telegram HTML: everything escaped, the sources heading in bold.
fn html(plain: &str) -> String {
    let escaped = escape(plain);
    match escaped.find(&format!("\n\n{SOURCES}\n")) {
        Some(at) => format!(
            "{}\n\n<b>{SOURCES}</b>\n{}",
            &escaped[..at],
            &escaped[at + SOURCES.len() + 3..]
        ),
        None => escaped,
    }
}

/// Escape text for Telegram's HTML parse mode: only `<`, `>` and `&` are special.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_platform::utf16_len;
    use herald_platform::{ChatRef, Citation};

    fn out(text: &str, citations: usize) -> Outgoing {
        Outgoing {
            chat: ChatRef {
                platform: PlatformKind::Telegram,
                chat: "1".into(),
                private: true,
            },
            reply_to: None,
            text: text.into(),
            citations: (1..=citations)
                .map(|id| Citation {
                    id,
                    source: format!("knowledge/products.toml:{id}"),
                    fact: "Huila <decaf> — price: 16.00 USD & up".into(),
                })
                .collect(),
            rateable: true,
            idempotency_key: None,
            images: Vec::new(),
            mention: None,
            buttons: Vec::new(),
        }
    }

    #[test]
    fn citations_follow_the_answer_escaped() {
        let pieces = render(&out("Huila is 16.00 USD [1].", 1), MAX_MESSAGE_UTF16);
        assert_eq!(pieces.len(), 1);
        assert_eq!(
            pieces[0].html,
            "Huila is 16.00 USD [1].\n\n<b>Sources:</b>\n[1] Huila &lt;decaf&gt; — price: 16.00 USD &amp; up · knowledge/products.toml:1"
        );
        assert!(pieces[0]
            .plain
            .ends_with("16.00 USD & up · knowledge/products.toml:1"));
    }

    #[test]
    fn a_telegram_member_is_a_tappable_link_and_others_are_named() {
        let mut o = out("Ticket t1 <urgent>", 0);
        o.mention = Some(Mention {
            platform: PlatformKind::Telegram,
            user: "4242".into(),
            label: "the member <Ann>".into(),
        });
        let p = render(&o, MAX_MESSAGE_UTF16);
        assert_eq!(
            p[0].html,
            "Ticket t1 &lt;urgent&gt; <a href=\"tg://user?id=4242\">the member &lt;Ann&gt;</a>"
        );
        assert!(p[0].plain.ends_with("the member <Ann> (tg://user?id=4242)"));
        o.mention = Some(Mention {
            platform: PlatformKind::Discord,
            user: "99".into(),
            label: "the member".into(),
        });
        let p = render(&o, MAX_MESSAGE_UTF16);
        assert!(
            p[0].html.ends_with("the member (discord user 99)"),
            "{}",
            p[0].html
        );
    }

    #[test]
    fn markup_in_the_answer_is_shown_not_parsed() {
        let p = render(&out("<b>not bold</b> & <a href=x>", 0), 100);
        assert_eq!(
            p[0].html,
            "&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;a href=x&gt;"
        );
    }

    #[test]
    fn long_answers_are_cut_in_order_within_the_limit() {
        let text: String = (0..400)
            .map(|i| format!("Sentence number {i} is here. "))
            .collect();
        let pieces = render(&out(&text, 3), MAX_MESSAGE_UTF16);
        assert!(pieces.len() >= 3, "{}", pieces.len());
        assert!(pieces
            .iter()
            .all(|p| utf16_len(&p.plain) <= MAX_MESSAGE_UTF16));
        let joined: Vec<String> = pieces.iter().map(|p| p.plain.clone()).collect();
        let joined = joined.join(" ");
        assert!(joined.starts_with("Sentence number 0 is here."));
        let first = joined.find("number 100 ").unwrap();
        let later = joined.find("number 101 ").unwrap();
        assert!(first < later);
        assert!(pieces.last().unwrap().plain.contains("[3] Huila"));
    }

    #[test]
    fn emoji_count_twice() {
        let text = "😀".repeat(3000);
        let pieces = render(&out(&text, 0), MAX_MESSAGE_UTF16);
        assert!(pieces
            .iter()
            .all(|p| utf16_len(&p.plain) <= MAX_MESSAGE_UTF16));
        assert_eq!(pieces.concat_plain(), text);
    }

    trait ConcatPlain {
        fn concat_plain(&self) -> String;
    }

    impl ConcatPlain for Vec<Piece> {
        fn concat_plain(&self) -> String {
            self.iter().map(|p| p.plain.as_str()).collect()
        }
    }
}
