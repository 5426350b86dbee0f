//! Redaction of what members write before it is stored: e-mail addresses and phone numbers
//! replaced by `[email]` and `[phone]`, prices, dates and times left alone.

use std::sync::LazyLock;

use regex::Regex;

/// Why ASCII word boundaries (`(?-u:\b)`): in Unicode mode a Chinese character is a word
/// character, so `是abc@example.com` has no boundary before the `a`.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?-u:\b)")
        .expect("regex")
});
/// A run of digits (full-width ones too) with the usual phone separators; [`scrub`] then
/// keeps only runs with 8–15 digits that are not dates and do not continue a Latin word.
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:\+|\()?\d[\d\s().\-/]{5,}\d").expect("regex"));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:$|\s)").expect("regex"));

/// `text` with e-mail addresses replaced by `[email]` and phone numbers by `[phone]`.
/// A phone number is 8 to 15 digits, optionally with `+`, spaces, dots, dashes, slashes or
/// brackets between them; prices ("16.00"), times and ISO dates are left alone. An order
/// number of 8+ digits counts as a phone number: scrubbing too much is the safe side.
pub fn scrub(text: &str) -> String {
    let text = EMAIL.replace_all(text, "[email]");
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in PHONE.find_iter(&text) {
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        let digits = m.as_str().chars().filter(|c| c.is_numeric()).count();
        let phone = (8..=15).contains(&digits)
            && !before.is_some_and(continues_word)
            && !after.is_some_and(continues_word)
            && !DATE.is_match(m.as_str().trim());
        if phone {
            out.push_str(&text[last..m.start()]);
            out.push_str("[phone]");
            last = m.end();
        }
    }
    out.push_str(&text[last..]);
    out
}

/// A character that would make a digit run part of a Latin word or code (`A12345678`),
/// unlike Chinese text around a number (`电话13812345678`).
fn continues_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn emails_and_phone_numbers_are_scrubbed() {
        let cases = [
            (
                "write me at alice.zebra@example.com!",
                "write me at [email]!",
            ),
            ("call +1 415 555 0199 today", "call [phone] today"),
            ("mobile 13812345678", "mobile [phone]"),
            ("(030) 1234-5678 office", "[phone] office"),
            ("020 7946 0958", "[phone]"),
            ("A.B@x.io and c@d.org", "[email] and [email]"),
            // Next to Chinese, where no Unicode word boundary separates them.
            ("我的邮箱是abc@example.com。", "我的邮箱是[email]。"),
            ("电话13812345678", "电话[phone]"),
            ("电话１３８１２３４５６７８，谢谢", "电话[phone]，谢谢"),
            ("请打+86 138 1234 5678联系我", "请打[phone]联系我"),
        ];
        for (input, expect) in cases {
            assert_eq!(scrub(input), expect, "{input}");
        }
    }

    #[test]
    fn prices_dates_times_and_short_numbers_stay() {
        for keep in [
            "how much is the huila? 16.00 USD",
            "on 2026-12-01 at 18:00",
            "/schedule p1 2026-12-01 18:00 news",
            "order 12345 arrived",
            "open 7:00-19:00, 340 g",
            "价格是多少？16.00",
            "订单12345到了",
            "日期是2026-12-01",
            "code A12345678 and 12345678b",
            "",
        ] {
            assert_eq!(scrub(keep), keep);
        }
    }
}
