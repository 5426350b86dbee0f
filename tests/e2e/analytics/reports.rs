//! What a manager reads in a report: today so far counted apart from the period, an
//! unusual day named by its own date after a clock change, the unusual days marked on the
//! activity chart, and the weekday × hour heatmap of `/besttime`. Expected numbers are
//! counted here from the events the test writes, never by the code under test.

use chrono::{TimeZone, Timelike};
use chrono_tz::Europe::Berlin;

use herald::analytics::besttime::HourStat;
use herald::analytics::charts;
use herald::engagement::{Event, EventKind};

use super::png_facts;
use crate::support::events::report_of;

fn message(at_ms: u64, member: &str) -> Event {
    Event {
        at_ms,
        platform: "telegram".into(),
        chat: "-100".into(),
        member: member.into(),
        kind: EventKind::Message {
            message_id: "1".into(),
            text: "hello".into(),
            addressed: false,
        },
    }
}

fn berlin(y: i32, m: u32, d: u32, h: u32, min: u32) -> u64 {
    Berlin
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("a local time")
        .timestamp_millis() as u64
}

#[test]
fn today_so_far_is_reported_apart_from_the_period() {
    let now = berlin(2026, 3, 12, 17, 0);
    let mut events = Vec::new();
    // Two messages a day for the last week, then today: five before 17:00, from three members.
    for d in 5..12 {
        events.push(message(berlin(2026, 3, d, 10, 0), "a"));
        events.push(message(berlin(2026, 3, d, 11, 0), "b"));
    }
    for (h, who) in [(0, "a"), (8, "b"), (9, "c"), (12, "a"), (16, "c")] {
        events.push(message(berlin(2026, 3, 12, h, 30), who));
    }
    let midnight = berlin(2026, 3, 12, 0, 0);
    let today: Vec<&Event> = events
        .iter()
        .filter(|e| e.at_ms >= midnight && e.at_ms <= now)
        .collect();
    let members: std::collections::HashSet<&str> =
        today.iter().map(|e| e.member.as_str()).collect();
    let period = events
        .iter()
        .filter(|e| e.at_ms < midnight && e.at_ms >= berlin(2026, 3, 5, 0, 0))
        .count() as u64;

    let r = report_of(&events, now, 7, Berlin);
    assert_eq!(r.overall.today.messages, today.len() as u64);
    assert_eq!(r.overall.today.active_members, members.len() as u64);
    assert_eq!(
        r.overall.current.messages, period,
        "today is not in the period"
    );
    assert_eq!(r.channels[0].today.messages, today.len() as u64);
    let text = herald::analytics::report::render(&r, Berlin);
    assert!(
        text.contains(&format!(
            "Today so far (Thu 2026-03-12 00:00 CET – 17:00, not in the comparison): messages {}, active members {}",
            today.len(),
            members.len()
        )),
        "{text}"
    );
    assert!(text.contains("today so far 5 messages"), "{text}");
}

#[test]
fn an_unusual_day_after_the_clock_change_is_named_by_its_own_date() {
    // Berlin leaves summer time on Sunday 25 October 2026: that day has 25 hours. A spike on
    // 5 November, thirty days of steady activity around it.
    let spike = (2026, 11, 5);
    let mut events = Vec::new();
    let first = Berlin
        .with_ymd_and_hms(2026, 10, 12, 12, 0, 0)
        .single()
        .expect("noon");
    for d in 0..40 {
        let day = first + chrono::Duration::days(d);
        let date = day.date_naive();
        let n = if (date.year_ce().1 as i32, date.month0() + 1, date.day0() + 1)
            == (spike.0, spike.1, spike.2)
        {
            90
        } else {
            20 + (d % 7) as usize
        };
        for i in 0..n {
            let at = day.with_minute((i % 60) as u32).expect("minute");
            events.push(message(
                at.timestamp_millis() as u64,
                &format!("m{}", i % 9),
            ));
        }
    }
    let now = berlin(2026, 11, 21, 9, 0);
    let r = report_of(&events, now, 30, Berlin);
    assert!(
        !r.anomalies.is_empty(),
        "the spike is found: {:?}",
        r.daily_messages
    );
    let text = herald::analytics::report::render(&r, Berlin);
    assert!(
        text.contains("Unusual day: Thu 2026-11-05 had 90 messages"),
        "{text}"
    );
    assert!(!text.contains("Wed 2026-11-04 had"), "{text}");
}

use chrono::Datelike;

/// How many pixels of an RGB chart match `colour`.
fn pixels(png: &[u8], colour: impl Fn(&[u8]) -> bool) -> usize {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    buf[..info.buffer_size()]
        .chunks(3)
        .filter(|p| colour(p))
        .count()
}

/// Pixels that are clearly red (the unusual-day marks).
fn red_pixels(png: &[u8]) -> usize {
    pixels(png, |p| p[0] > 180 && p[1] < 90 && p[2] < 90)
}

#[test]
fn unusual_days_are_marked_on_the_activity_chart() {
    let daily: Vec<f64> = (0..30).map(|d| if d == 20 { 60.0 } else { 3.0 }).collect();
    let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
    let plain = charts::activity(&daily, None, &[], first, "Messages").expect("chart");
    let marked = charts::activity(&daily, None, &[20], first, "Messages").expect("chart");
    assert_eq!(red_pixels(&plain), 0);
    assert!(red_pixels(&marked) > 50, "{}", red_pixels(&marked));
}

#[test]
fn the_best_time_heatmap_darkens_the_hours_that_did_best() {
    let stat = |weekday: &str, hour: u32, posts: usize, engagement: u64| HourStat {
        weekday: weekday.into(),
        hour,
        posts,
        engagement,
        mean: engagement as f64 / posts as f64,
    };
    // The darkest green of the scale: the best cell.
    let deep = |png: &[u8]| pixels(png, |p| p[0] < 60 && p[1] > 120 && p[1] < 150 && p[2] < 70);
    let empty = charts::week_heatmap(&[], "none").expect("chart");
    let some = charts::week_heatmap(&[stat("Tue", 18, 4, 40), stat("Sat", 9, 3, 6)], "posts")
        .expect("chart");
    assert_eq!(png_facts(&some).0, 900);
    assert_eq!(deep(&empty), 0);
    // One cell of the 7 × 24 grid is about 35 × 50 pixels.
    assert!(deep(&some) > 800, "{}", deep(&some));
}
