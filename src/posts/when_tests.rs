use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test time")
        .with_timezone(&Utc)
}

const BERLIN: Tz = chrono_tz::Europe::Berlin;

fn once(text: &str, now: &str) -> DateTime<Utc> {
    match parse_when(text, utc(now), BERLIN) {
        Ok(When::Once(t)) => t,
        other => panic!("{text}: {other:?}"),
    }
}

fn cron(text: &str) -> Cron {
    match parse_when(text, utc("2026-11-28T12:00:00Z"), BERLIN) {
        Ok(When::Every(c)) => c,
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn one_off_times_in_the_configured_timezone() {
    let now = "2026-11-28T12:00:00Z"; // 13:00 in Berlin (CET, +1)
    assert_eq!(once("now", now), utc(now));
    assert_eq!(once("in 2h", now), utc("2026-11-28T14:00:00Z"));
    assert_eq!(once("in 1h30m", now), utc("2026-11-28T13:30:00Z"));
    assert_eq!(once("in 2 hours", now), utc("2026-11-28T14:00:00Z"));
    assert_eq!(once("in 30s", now), utc("2026-11-28T12:00:30Z"));
    assert_eq!(once("in 3 days", now), utc("2026-12-01T12:00:00Z"));
    assert_eq!(once("tomorrow 9:00", now), utc("2026-11-29T08:00:00Z"));
    assert_eq!(once("tomorrow at 6pm", now), utc("2026-11-29T17:00:00Z"));
    assert_eq!(once("today 18:00", now), utc("2026-11-28T17:00:00Z"));
    assert_eq!(once("18:00", now), utc("2026-11-28T17:00:00Z"));
    assert_eq!(once("2026-12-01 18:00", now), utc("2026-12-01T17:00:00Z"));
    assert_eq!(once("2026-12-01T18:00", now), utc("2026-12-01T17:00:00Z"));
    // Saturday now: "saturday 9:00" has passed today, so next week; "monday" is the 30th.
    assert_eq!(once("saturday 9:00", now), utc("2026-12-05T08:00:00Z"));
    assert_eq!(once("monday 9am", now), utc("2026-11-30T08:00:00Z"));
    // Summer time: Berlin is +2 in July.
    assert_eq!(once("2027-07-01 18:00", now), utc("2027-07-01T16:00:00Z"));
}

#[test]
fn past_and_unreadable_times_are_refused_by_name() {
    let now = utc("2026-11-28T12:00:00Z");
    assert_eq!(
        parse_when("2026-11-01 18:00", now, BERLIN),
        Err(WhenError::Past("2026-11-01 18:00".into()))
    );
    assert_eq!(
        parse_when("today 9:00", now, BERLIN),
        Err(WhenError::Past("today 9:00".into()))
    );
    for bad in [
        "",
        "soon",
        "in",
        "in 2 fortnights",
        "tomorrow",
        "25:00",
        "2026-13-01 10:00",
        "2026-02-30 10:00",
        "tomorrow 13pm",
        "every",
        "every blursday 9:00",
    ] {
        let e = parse_when(bad, now, BERLIN).expect_err(bad);
        assert!(matches!(e, WhenError::Unreadable(_)), "{bad}: {e:?}");
        assert!(e.to_string().contains("every monday 9:00"), "{e}");
    }
    let e = parse_when("cron 61 * * * *", now, BERLIN).expect_err("minute 61");
    assert!(e.to_string().contains("minute"), "{e}");
    let e = parse_when("cron 0 9 * *", now, BERLIN).expect_err("4 fields");
    assert!(e.to_string().contains("5 fields"), "{e}");
    let e = parse_when("cron 0 9-5 * * *", now, BERLIN).expect_err("backwards");
    assert!(e.to_string().contains("backwards"), "{e}");
}

#[test]
fn recurrences_become_cron() {
    assert_eq!(cron("every monday 9:00").expr, "0 9 * * 1");
    assert_eq!(cron("every day at 18:30").expr, "30 18 * * *");
    assert_eq!(cron("every weekday 9am").expr, "0 9 * * 1-5");
    assert_eq!(cron("every mon,thu 7pm").expr, "0 19 * * 1,4");
    assert_eq!(cron("every sundays 10:00").expr, "0 10 * * 0");
    assert_eq!(cron("0 9 * * 1").expr, "0 9 * * 1");
    assert_eq!(cron("cron */15 9-17 * * 1-5").expr, "*/15 9-17 * * 1-5");
}

#[test]
fn next_slots_follow_the_rule() {
    let c = cron("every monday 9:00");
    let mut at = utc("2026-11-28T12:00:00Z");
    let mut slots = Vec::new();
    for _ in 0..3 {
        at = c.next_after(at, BERLIN).expect("slot");
        slots.push(at);
    }
    assert_eq!(
        slots,
        vec![
            utc("2026-11-30T08:00:00Z"),
            utc("2026-12-07T08:00:00Z"),
            utc("2026-12-14T08:00:00Z")
        ]
    );
    // Both day fields restricted: either matches, as in cron.
    let c = Cron::parse("0 12 1 * 1").expect("cron");
    let next = c
        .next_after(utc("2026-11-28T00:00:00Z"), BERLIN)
        .expect("slot");
    assert_eq!(next, utc("2026-11-30T11:00:00Z")); // Monday the 30th before the 1st
    let every15 = Cron::parse("*/15 * * * *").expect("cron");
    assert_eq!(
        every15.next_after(utc("2026-11-28T12:07:00Z"), BERLIN),
        Some(utc("2026-11-28T12:15:00Z"))
    );
    assert_eq!(
        Cron::parse("0 0 31 2 *")
            .expect("cron")
            .next_after(utc("2026-01-01T00:00:00Z"), BERLIN),
        None
    );
    // Sunday as 7.
    assert_eq!(Cron::parse("0 10 * * 7").expect("cron"), {
        let mut c = Cron::parse("0 10 * * 0").expect("cron");
        c.expr = "0 10 * * 7".into();
        c
    });
}

#[test]
fn daylight_saving_changes_keep_one_slot_per_day() {
    // Berlin springs forward on 2026-03-29 at 02:00 → 03:00: 02:30 does not exist that day.
    let c = cron("every day 2:30");
    let before = utc("2026-03-28T12:00:00Z");
    let a = c.next_after(before, BERLIN).expect("slot");
    let b = c.next_after(a, BERLIN).expect("slot");
    let d = c.next_after(b, BERLIN).expect("slot");
    assert_eq!(a, utc("2026-03-29T01:30:00Z")); // moved forward by the gap: 03:30 CEST
    assert_eq!(b, utc("2026-03-30T00:30:00Z")); // 02:30 CEST
    assert!(d > b);
    // Falls back on 2026-10-25 at 03:00 → 02:00: 02:30 happens twice; it fires once.
    let a = c
        .next_after(utc("2026-10-24T12:00:00Z"), BERLIN)
        .expect("slot");
    let b = c.next_after(a, BERLIN).expect("slot");
    assert_eq!(a, utc("2026-10-25T00:30:00Z")); // the first 02:30 (CEST)
    assert_eq!(b, utc("2026-10-26T01:30:00Z")); // next day, CET
                                                // 9:00 every day stays 9:00 local across the change (08:00Z in winter, 07:00Z in summer).
    let c = cron("every day 9:00");
    let a = c
        .next_after(utc("2026-03-28T09:00:00Z"), BERLIN)
        .expect("slot");
    assert_eq!(a, utc("2026-03-29T07:00:00Z"));
}

#[test]
fn quiet_hours_wrap_midnight_and_suggest_the_end() {
    let q = QuietHours::parse("22:00-08:00").expect("ok").expect("some");
    assert!(q.contains(utc("2026-11-28T22:30:00Z"), BERLIN)); // 23:30 local
    assert!(q.contains(utc("2026-11-29T06:59:00Z"), BERLIN)); // 07:59 local
    assert!(!q.contains(utc("2026-11-29T07:00:00Z"), BERLIN)); // 08:00 local
    assert!(!q.contains(utc("2026-11-28T20:59:00Z"), BERLIN)); // 21:59 local
    assert_eq!(
        q.next_allowed(utc("2026-11-28T22:30:00Z"), BERLIN),
        utc("2026-11-29T07:00:00Z")
    );
    assert_eq!(
        q.next_allowed(utc("2026-11-29T02:00:00Z"), BERLIN),
        utc("2026-11-29T07:00:00Z")
    );
    let day = QuietHours::parse("12:00-13:00").expect("ok").expect("some");
    assert!(day.contains(utc("2026-11-28T11:30:00Z"), BERLIN));
    assert_eq!(QuietHours::parse("").expect("ok"), None);
    for bad in ["22:00", "22-08", "10:00-10:00", "25:00-01:00"] {
        assert!(QuietHours::parse(bad).is_err(), "{bad}");
    }
}
