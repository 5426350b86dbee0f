//! What a Telegram member sees of the HTML the bot sends, and whether Telegram would take it.

use serde_json::Value;

/// The text a member sees of a `sendMessage` body (HTML rendered when it was HTML).
pub fn shown(m: &Value) -> String {
    let raw = m["text"].as_str().unwrap_or_default();
    if m["parse_mode"] == "HTML" {
        parse_html(raw).expect("valid Telegram HTML")
    } else {
        raw.to_string()
    }
}

/// The text a member would see for Telegram HTML, or `None` where Telegram refuses it:
/// a tag it does not support, or a bare `<`, `>` or `&`.
pub fn parse_html(html: &str) -> Option<String> {
    const TAGS: &[&str] = &[
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "a",
        "blockquote",
        "tg-spoiler",
        "span",
    ];
    let mut out = String::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>')?;
                let tag = rest[1..end].trim_start_matches('/');
                let name = tag.split_whitespace().next().unwrap_or("");
                if !TAGS.contains(&name) {
                    return None;
                }
                rest = &rest[end + 1..];
            }
            '>' => return None,
            '&' => {
                let end = rest.find(';')?;
                out.push(match &rest[1..end] {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    _ => return None,
                });
                rest = &rest[end + 1..];
            }
            c => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    Some(out)
}
