//! Redaction of what members write before it is stored: e-mail addresses and phone numbers
//! replaced by `[email]` and `[phone]`, prices, dates and times left alone.

use std::sync::LazyLock;

use regex::Regex;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b").expect("regex")
});
/// A run of digits with the usual phone separators; [`scrub`] then keeps only runs with
/// 8–15 digits that are not dates.
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:\+|\()?\b\d[\d\s().\-/]{5,}\d\b").expect("regex"));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:$|\s)").expect("regex"));

/// `text` with e-mail addresses replaced by `[email]` and phone numbers by `[phone]`.
/// A phone number is 8 to 15 digits, optionally with `+`, spaces, dots, dashes, slashes or
/// brackets between them; prices ("16.00"), times and ISO dates are left alone. An order
/// number of 8+ digits counts as a phone number: scrubbing too much is the safe side.
pub fn scrub(text: &str) -> String {
    let text = EMAIL.replace_all(text, "[email]");
    PHONE
        .replace_all(&text, |c: &regex::Captures| {
            let m = &c[0];
            let digits = m.chars().filter(char::is_ascii_digit).count();
            if (8..=15).contains(&digits) && !DATE.is_match(m.trim()) {
                "[phone]".to_string()
            } else {
                m.to_string()
            }
        })
        .into_owned()
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
            "",
        ] {
            assert_eq!(scrub(keep), keep);
        }
    }
}
