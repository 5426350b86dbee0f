//! When a post goes out: the `when` of `/schedule` ("now", "in 2h", "tomorrow 9:00",
//! "2026-12-01 18:00", "every monday 9:00", cron) read in the configured timezone, the next
//! slot of a recurrence across DST changes, and quiet hours.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::clock::resolve_local;

/// A parsed `when`.
#[derive(Clone, Debug, PartialEq)]
pub enum When {
    Once(DateTime<Utc>),
    Every(Cron),
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WhenError {
    #[error("I can't read \"{0}\" as a time. Try: now, in 2h, tomorrow 9:00, 2026-12-01 18:00, every monday 9:00, or cron 0 9 * * 1")]
    Unreadable(String),
    #[error("{0} is in the past")]
    Past(String),
    #[error("cron \"{expr}\": {reason}")]
    Cron { expr: String, reason: String },
    #[error("quiet hours \"{0}\" must look like 22:00-08:00")]
    Quiet(String),
}

/// Read `text` at `now` in `tz`. A one-off time must not be in the past (a minute of grace
/// for "today 9:00" typed at 9:00).
pub fn parse_when(text: &str, now: DateTime<Utc>, tz: Tz) -> Result<When, WhenError> {
    let t = text.trim().to_ascii_lowercase();
    let words: Vec<&str> = t.split_whitespace().collect();
    let unreadable = || WhenError::Unreadable(text.trim().to_string());
    match words.as_slice() {
        [] => Err(unreadable()),
        ["now"] => Ok(When::Once(now)),
        ["in", rest @ ..] => {
            let d = parse_duration(&rest.concat()).ok_or_else(unreadable)?;
            Ok(When::Once(now + d))
        }
        ["cron", fields @ ..] => Cron::parse(&fields.join(" ")).map(When::Every),
        ["every", rest @ ..] => every(rest)
            .ok_or_else(unreadable)
            .and_then(|expr| Cron::parse(&expr).map(When::Every)),
        [first, ..]
            if words.len() == 5 && first.starts_with(|c: char| c.is_ascii_digit() || c == '*') =>
        {
            Cron::parse(&t).map(When::Every)
        }
        _ => {
            let local =
                once(&words, now.with_timezone(&tz).naive_local()).ok_or_else(unreadable)?;
            let at = resolve_local(tz, local);
            if at + Duration::minutes(1) < now {
                return Err(WhenError::Past(text.trim().to_string()));
            }
            Ok(When::Once(at.max(now)))
        }
    }
}

/// "2h", "90m", "1h30m", "2 hours", "3d", "1w", "30s".
fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = Duration::zero();
    let mut rest = s;
    let mut any = false;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let n: i64 = rest[..digits].parse().ok()?;
        let after = &rest[digits..];
        let unit_len = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let unit = &after[..unit_len];
        let d = match unit {
            "s" | "sec" | "secs" | "second" | "seconds" => Duration::seconds(n),
            "m" | "min" | "mins" | "minute" | "minutes" => Duration::minutes(n),
            "h" | "hr" | "hrs" | "hour" | "hours" => Duration::hours(n),
            "d" | "day" | "days" => Duration::days(n),
            "w" | "week" | "weeks" => Duration::weeks(n),
            _ => return None,
        };
        total += d;
        any = true;
        rest = &after[unit_len..];
    }
    any.then_some(total)
}

/// "9:00", "09:00", "18:30", "9am", "6:30pm".
fn parse_time(s: &str) -> Option<NaiveTime> {
    let (body, add) = if let Some(b) = s.strip_suffix("am") {
        (b, Some(0))
    } else if let Some(b) = s.strip_suffix("pm") {
        (b, Some(12))
    } else {
        (s, None)
    };
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None if add.is_some() => (body.parse::<u32>().ok()?, 0),
        None => return None,
    };
    let h = match add {
        Some(add) if (1..=12).contains(&h) => h % 12 + add,
        Some(_) => return None,
        None => h,
    };
    NaiveTime::from_hms_opt(h, m, 0)
}

fn weekday(s: &str) -> Option<Weekday> {
    let s = s.strip_suffix('s').filter(|b| b.len() >= 3).unwrap_or(s);
    Some(match s {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// A one-off local time: "today 18:00", "tomorrow 9:00", "monday 9am", "2026-12-01 18:00".
fn once(words: &[&str], now: NaiveDateTime) -> Option<NaiveDateTime> {
    let words: Vec<&str> = words.iter().copied().filter(|w| *w != "at").collect();
    let (day, time) = match words.as_slice() {
        [one] if one.contains('t') && one.starts_with(|c: char| c.is_ascii_digit()) => {
            let (d, t) = one.split_once('t')?;
            (d.to_string(), t.to_string())
        }
        [day, time] => (day.to_string(), time.to_string()),
        [time] => ("today".to_string(), time.to_string()),
        _ => return None,
    };
    let time = parse_time(&time)?;
    let today = now.date();
    let date = match day.as_str() {
        "today" => today,
        "tomorrow" => today.succ_opt()?,
        d => match weekday(d) {
            Some(w) => {
                let mut date = today;
                // The next such day; today only when the time is still ahead.
                while date.weekday() != w || date.and_time(time) <= now {
                    date = date.succ_opt()?;
                }
                date
            }
            None => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
        },
    };
    Some(date.and_time(time))
}

/// "every day 9:00", "every weekday at 9am", "every monday 18:00", "every mon,thu 9:00",
/// "every hour" as a cron expression.
fn every(words: &[&str]) -> Option<String> {
    let words: Vec<&str> = words.iter().copied().filter(|w| *w != "at").collect();
    match words.as_slice() {
        ["hour"] => Some("0 * * * *".into()),
        [days, time] => {
            let t = parse_time(time)?;
            let dow = match *days {
                "day" => "*".to_string(),
                "weekday" => "1-5".to_string(),
                "weekend" => "0,6".to_string(),
                list => {
                    let mut out = Vec::new();
                    for d in list.split(',') {
                        out.push(weekday(d)?.num_days_from_sunday().to_string());
                    }
                    out.join(",")
                }
            };
            Some(format!("{} {} * * {dow}", t.minute(), t.hour()))
        }
        _ => None,
    }
}

/// A five-field cron expression (minute hour day-of-month month day-of-week) with `*`,
/// lists, ranges and steps; day-of-week 0 or 7 is Sunday. As in cron, when both day fields
/// are restricted a day matching either one fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    pub expr: String,
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    days_any: bool,
    weekdays_any: bool,
}

impl Cron {
    pub fn parse(expr: &str) -> Result<Cron, WhenError> {
        let err = |reason: String| WhenError::Cron {
            expr: expr.to_string(),
            reason,
        };
        let fields: Vec<&str> = expr.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(err(format!(
                "needs 5 fields (minute hour day month weekday), found {}",
                fields.len()
            )));
        }
        let f = |i: usize, lo: u32, hi: u32, name: &str| {
            field(fields[i], lo, hi).map_err(|r| err(format!("{name}: {r}")))
        };
        let minutes = f(0, 0, 59, "minute")?;
        let hours = f(1, 0, 23, "hour")?;
        let days = f(2, 1, 31, "day of month")?;
        let months = f(3, 1, 12, "month")?;
        let mut weekdays = f(4, 0, 7, "day of week")?;
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays & !(1 << 7)) | 1;
        }
        Ok(Cron {
            expr: fields.join(" "),
            minutes,
            hours: hours as u32,
            days: days as u32,
            months: months as u16,
            weekdays: weekdays as u8,
            days_any: fields[2] == "*",
            weekdays_any: fields[4] == "*",
        })
    }

    fn day_matches(&self, d: NaiveDate) -> bool {
        if self.months & (1 << d.month()) == 0 {
            return false;
        }
        let dom = self.days & (1 << d.day()) != 0;
        let dow = self.weekdays & (1 << d.weekday().num_days_from_sunday()) != 0;
        match (self.days_any, self.weekdays_any) {
            (true, true) => true,
            (true, false) => dow,
            (false, true) => dom,
            (false, false) => dom || dow,
        }
    }

    /// The first slot strictly after `after`, in `tz`; `None` when none falls in 8 years
    /// (e.g. "0 0 31 2 *").
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let start = after.with_timezone(&tz).date_naive().pred_opt()?;
        let mut date = start;
        for _ in 0..(366 * 8) {
            if self.day_matches(date) {
                for h in 0..24 {
                    if self.hours & (1 << h) == 0 {
                        continue;
                    }
                    for m in 0..60 {
                        if self.minutes & (1 << m) == 0 {
                            continue;
                        }
                        let at = resolve_local(tz, date.and_hms_opt(h, m, 0)?);
                        if at > after {
                            return Some(at);
                        }
                    }
                }
            }
            date = date.succ_opt()?;
        }
        None
    }
}

/// One cron field as a bit set over `lo..=hi`.
fn field(s: &str, lo: u32, hi: u32) -> Result<u64, String> {
    let mut bits = 0u64;
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => (
                r,
                st.parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("bad step \"{st}\""))?,
            ),
            None => (part, 1),
        };
        let num = |x: &str| {
            x.parse::<u32>()
                .ok()
                .filter(|n| (lo..=hi).contains(n))
                .ok_or(format!("\"{x}\" is not a number in {lo}-{hi}"))
        };
        let (a, b) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (num(a)?, num(b)?),
                None if step > 1 => (num(r)?, hi),
                None => (num(r)?, num(r)?),
            },
        };
        if a > b {
            return Err(format!("range {a}-{b} runs backwards"));
        }
        let mut v = a;
        while v <= b {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

/// Quiet hours: no post goes out between `start` and `end` local time (may wrap midnight).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// "22:00-08:00"; an empty string means none.
    pub fn parse(s: &str) -> Result<Option<QuietHours>, WhenError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let bad = || WhenError::Quiet(s.to_string());
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let start = parse_time(a.trim()).ok_or_else(bad)?;
        let end = parse_time(b.trim()).ok_or_else(bad)?;
        if start == end {
            return Err(bad());
        }
        Ok(Some(QuietHours { start, end }))
    }

    pub fn contains(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        let t = at.with_timezone(&tz).time();
        if self.start < self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// The first instant at or after `at` outside quiet hours.
    pub fn next_allowed(&self, at: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        if !self.contains(at, tz) {
            return at;
        }
        let local = at.with_timezone(&tz).naive_local();
        let mut date = local.date();
        if self.start > self.end && local.time() >= self.start {
            date = date.succ_opt().unwrap_or(date);
        }
        resolve_local(tz, date.and_time(self.end))
    }
}

impl std::fmt::Display for QuietHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

#[cfg(test)]
#[path = "when_tests.rs"]
mod tests;
