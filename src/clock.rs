//! Every time helper in one place: the wall clock in milliseconds, conversions between
//! milliseconds and `chrono` instants, and local wall-clock times resolved in a timezone
//! (DST gaps and repeated hours included). Times are stored as Unix milliseconds (`u64`);
//! `chrono` appears only where a calendar is needed.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::offset::LocalResult;
use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// One minute in milliseconds.
pub const MINUTE_MS: u64 = 60_000;
/// One hour in milliseconds.
pub const HOUR_MS: u64 = 60 * MINUTE_MS;
/// One (24-hour) day in milliseconds. Local days are 23 or 25 hours around a clock change:
/// use [`local_midnight`] to step over them.
pub const DAY_MS: u64 = 24 * HOUR_MS;

/// Milliseconds since the Unix epoch, now (0 if the clock is before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Seconds since the Unix epoch, now (OpenAI's `created` fields).
pub fn now_secs() -> u64 {
    now_ms() / 1000
}

/// `days` whole days in milliseconds.
pub fn days_ms(days: u64) -> u64 {
    days.saturating_mul(DAY_MS)
}

/// A stored time as an instant (the epoch for values `chrono` cannot represent).
pub fn ms_to_utc(ms: u64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms as i64)
        .single()
        .unwrap_or_default()
}

/// An instant as stored (instants before 1970 become 0).
pub fn utc_to_ms(at: DateTime<Utc>) -> u64 {
    at.timestamp_millis().max(0) as u64
}

/// A local wall-clock time as an instant. In a DST gap (02:30 on spring-forward day) the
/// time moves forward by the gap; in the repeated hour the earlier instant is taken, so a
/// slot exists exactly once either way.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => {
            // Read the wall time with the offset in force before the gap: 02:30 CET is
            // 03:30 CEST, the same distance past the change.
            let offset = tz
                .from_local_datetime(&(local - Duration::hours(3)))
                .earliest()
                .map_or(0, |t| t.offset().fix().local_minus_utc());
            Utc.from_utc_datetime(&(local - Duration::seconds(offset.into())))
        }
    }
}

/// The local midnight that starts the day `ms` falls on, in `tz`.
pub fn local_midnight(ms: u64, tz: Tz) -> u64 {
    let day = ms_to_utc(ms).with_timezone(&tz).date_naive();
    day.and_hms_opt(0, 0, 0)
        .map(|m| utc_to_ms(resolve_local(tz, m)))
        .unwrap_or(ms)
}

/// "Tue 2026-12-01 18:00 CET": how a time is shown to managers.
pub fn show(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The local date `ms` falls on, as `YYYY-MM-DD`.
pub fn local_date(ms: u64, tz: Tz) -> String {
    ms_to_utc(ms).with_timezone(&tz).date_naive().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_and_instants_round_trip() {
        let at = ms_to_utc(1_764_547_200_000);
        assert_eq!(at.to_rfc3339(), "2025-12-01T00:00:00+00:00");
        assert_eq!(utc_to_ms(at), 1_764_547_200_000);
        assert_eq!(days_ms(2), 172_800_000);
        assert_eq!(days_ms(u64::MAX), u64::MAX);
    }

    #[test]
    fn local_times_resolve_across_dst_changes() {
        let tz: Tz = "Europe/Berlin".parse().expect("tz");
        let gap =
            NaiveDateTime::parse_from_str("2026-03-29 02:30", "%Y-%m-%d %H:%M").expect("time");
        // 02:30 does not exist that night: the same distance past the change, 03:30 CEST.
        assert_eq!(
            resolve_local(tz, gap).to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        let twice =
            NaiveDateTime::parse_from_str("2026-10-25 02:30", "%Y-%m-%d %H:%M").expect("time");
        // 02:30 happens twice: the first (CEST) one.
        assert_eq!(
            resolve_local(tz, twice).to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
        // The day after the spring change starts 23 hours after its midnight.
        let sunday = local_midnight(utc_to_ms(resolve_local(tz, gap)), tz);
        let monday = local_midnight(sunday + 30 * HOUR_MS, tz);
        assert_eq!(monday - sunday, 23 * HOUR_MS);
        assert_eq!(local_date(sunday, tz), "2026-03-29");
    }
}
