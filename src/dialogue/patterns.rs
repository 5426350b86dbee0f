//! The patterns claims are found by — URLs, e-mail addresses, dates, times, phone numbers,
//! numbers — with ASCII word boundaries, so they work next to Chinese (`是2026-12-12` has no
//! Unicode word boundary), and [`fold`], which writes full-width digits as ASCII first.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;

/// `text` with full-width forms (digits, `：`, `－`, `／`, `．`, Latin letters) as ASCII
/// (NFKC on those alone: Chinese punctuation such as `，` and `？` stays as written).
pub(super) fn fold(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let wide = ('\u{FF01}'..='\u{FF5E}').contains(&c)
                && !matches!(c, '，' | '？' | '！' | '；' | '（' | '）');
            let folded: Vec<char> = if wide { c.nfkc().collect() } else { vec![c] };
            folded
        })
        .collect()
}

pub(super) static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)https?://[^\s<>()\[\]]+").unwrap());
pub(super) static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+(?-u:\b)").unwrap()
});
pub(super) static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?-u:\b)").unwrap());
pub(super) static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(\d{1,2})[:：](\d{2})\s*(am|pm|a\.m\.|p\.m\.)?").unwrap()
});
pub(super) static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}").unwrap());
pub(super) static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d+(?:,\d{3})*(?:\.\d+)?").unwrap());
pub(super) static LIST_MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*\d{1,2}[.)]\s").unwrap());

/// `text` with its URLs and e-mail addresses blanked out.
pub(super) fn without_links(text: &str) -> String {
    let t = URL.replace_all(text, " ");
    EMAIL.replace_all(&t, " ").into_owned()
}

/// Two numbers as written that are one value ("18.5" and "18.50", "1,290" and "1290").
pub(super) fn same_number(a: &str, b: &str) -> bool {
    a == b
        || match (
            a.replace(',', "").parse::<f64>(),
            b.replace(',', "").parse::<f64>(),
        ) {
            (Ok(x), Ok(y)) => (x - y).abs() < 1e-9,
            _ => false,
        }
}

pub(super) fn numbers_in(text: &str) -> Vec<f64> {
    NUMBER
        .find_iter(text)
        .filter_map(|m| m.as_str().replace(',', "").parse::<f64>().ok())
        .collect()
}

pub(super) fn digits(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_digit()).collect()
}

pub(super) fn times_in(text: &str) -> Vec<(u32, u32)> {
    TIME.captures_iter(text)
        .filter_map(|c| {
            let mut h: u32 = c[1].parse().ok()?;
            let m: u32 = c[2].parse().ok()?;
            if let Some(ampm) = c.get(3) {
                if ampm.as_str().to_lowercase().starts_with('p') && h < 12 {
                    h += 12;
                }
            }
            Some((h, m))
        })
        .collect()
}

pub(super) fn dates_in(text: &str) -> Vec<(u32, u32, u32)> {
    DATE.captures_iter(text)
        .filter_map(|c| Some((c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)))
        .collect()
}
