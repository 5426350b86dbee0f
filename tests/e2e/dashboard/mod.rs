//! The managers' dashboard in a real browser: headless Chromium through chromedriver,
//! against a real `herald run` (Telegram on the fake Bot API, the local model) whose data
//! folder holds four months of synthetic engagement. A manager logs in (a wrong key is
//! refused and, repeated, throttled), reads the same numbers `herald report --json` prints,
//! teaches a gap that a member then gets answered in chat, approves (a variant with
//! unsupported claims is refused) and schedules a draft into the queue, and every page fits
//! a phone's width. Forms without the session's CSRF token, and requests without a session,
//! change nothing.

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use herald::clock::DAY_MS;
use herald::engagement::EngagementLog;
use herald::posts::{Post, PostStore, Variant};

use crate::support::browser::Browser;

mod browse;

use crate::support::fake_telegram::{shown as text, FakeTelegram, TOKEN};
use crate::support::{self, synthetic};
use browse::{click_through, css, fits_and_is_labelled, flash, keep_screenshot, path_of};

const KEY: &str = "manager-key-0f-the-dashboard";
const MEMBER_KEY: &str = "dashboard-test-member-key";
const MEMBER: i64 = 4101;
const POST: &str = "p900";
const PAGES: [&str; 6] = [
    "/dashboard",
    "/dashboard/gaps",
    "/dashboard/posts",
    "/dashboard/moderation",
    "/dashboard/knowledge?ask=how+much+is+the+huila%3F",
    "/dashboard/health",
];

/// Four months of synthetic activity ending yesterday (shifted by whole weeks, so weekdays
/// keep their pattern), a few unanswered questions, and one draft with two variants, the
/// first with a claim the knowledge does not support.
fn seed(data: &Path) {
    let db = herald::data::open_data(data).expect("data folder");
    let log = EngagementLog::open(&db, MEMBER_KEY).expect("log");
    let days = 120;
    let now = herald::clock::now_ms();
    let today = now - now % DAY_MS;
    let week = 7 * DAY_MS;
    let shift = (today - (synthetic::START_MS + days as u64 * DAY_MS)) / week * week;
    let mut events = synthetic::generate(11, days).events;
    for e in &mut events {
        e.at_ms += shift;
    }
    events.extend(synthetic::gap_events(today - 2 * DAY_MS));
    log.append_all(&events).expect("events");
    let variant = |text: &str, warnings: Vec<String>| Variant {
        text: text.into(),
        score: 4.2,
        best_hour: 18,
        reasons: vec!["asks a question".into()],
        warnings,
        edited: false,
    };
    PostStore::open(&db)
        .expect("posts")
        .put(&Post {
            id: POST.into(),
            brief: "the spring menu".into(),
            variants: vec![
                variant(
                    "Our spring menu is here, and we are open 24 hours a day!",
                    vec!["\"open 24 hours a day\" is not in the knowledge".into()],
                ),
                variant(
                    "Our spring menu is here: which drink will you try first?",
                    vec![],
                ),
            ],
            edit: None,
            approved: None,
            author: "someone".into(),
            created_ms: now - 3_600_000,
            schedule: None,
            cancelled: false,
        })
        .expect("draft");
    db.flush().expect("flush");
}

struct Herald {
    child: std::process::Child,
    base: String,
    config: std::path::PathBuf,
    pack: std::path::PathBuf,
    data: std::path::PathBuf,
    log: std::path::PathBuf,
}

impl Herald {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `herald report --since <days>d --json`, as a manager's terminal runs it.
    fn report_json(&self, days: u64) -> Value {
        let out = support::herald()
            .arg("--config")
            .arg(&self.config)
            .arg("--knowledge")
            .arg(&self.pack)
            .arg("--data")
            .arg(&self.data)
            .args(["report", "--since", &format!("{days}d"), "--json"])
            .output()
            .expect("herald report");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("report JSON")
    }
}

async fn log_in(c: &Client, h: &Herald, key: &str) {
    c.goto(&h.url("/dashboard/login"))
        .await
        .expect("login page");
    css(c, "#key")
        .await
        .send_keys(key)
        .await
        .expect("type the key");
    click_through(c, "main form button[type=submit]").await;
}

/// Every number of the overview's table against the report's JSON for the same period.
async fn overview_matches_the_report(c: &Client, h: &Herald, days: u64) {
    let json = h.report_json(days);
    let cells = c
        .find_all(Locator::Css("td[data-metric]"))
        .await
        .expect("numbers");
    assert!(cells.len() >= 14, "{} numbers shown", cells.len());
    let mut compared = 0;
    for cell in cells {
        let key = cell
            .attr("data-metric")
            .await
            .expect("attr")
            .unwrap_or_default();
        let shown: f64 = cell
            .attr("data-value")
            .await
            .expect("attr")
            .unwrap_or_default()
            .parse()
            .expect("a number");
        let current = &json["overall"]["current"];
        let expected = match key.as_str() {
            "answer_rate" => {
                let q = current["questions"].as_f64().unwrap_or(0.0);
                if q == 0.0 {
                    0.0
                } else {
                    current["answered"].as_f64().unwrap_or(0.0) / q
                }
            }
            k => current[k]
                .as_f64()
                .unwrap_or_else(|| panic!("{k} not in the report JSON")),
        };
        assert!(
            (shown - expected).abs() < 1e-9,
            "{days} days, {key}: the page shows {shown}, herald report --json says {expected}"
        );
        compared += 1;
    }
    let messages = json["overall"]["current"]["messages"]
        .as_f64()
        .unwrap_or(0.0);
    assert!(
        messages > 100.0,
        "the synthetic log is in the period ({messages} messages)"
    );
    assert!(compared >= 14);
    for cell in c
        .find_all(Locator::Css("td[data-previous]"))
        .await
        .expect("previous")
    {
        let key = cell
            .attr("data-previous")
            .await
            .expect("attr")
            .unwrap_or_default();
        if key == "answer_rate" {
            continue;
        }
        let shown: f64 = cell
            .attr("data-value")
            .await
            .expect("attr")
            .unwrap_or_default()
            .parse()
            .expect("number");
        let expected = json["overall"]["previous"][key.as_str()]
            .as_f64()
            .unwrap_or(-1.0);
        assert!(
            (shown - expected).abs() < 1e-9,
            "{days} days, previous {key}: {shown} vs {expected}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_runs_the_community_from_the_dashboard_in_a_real_browser() {
    let fake = FakeTelegram::start().await;
    let port = support::free_port();
    let run = support::RunSetup::new(&format!(
        "[telegram]\napi_url = \"{}\"\npoll_timeout_secs = 1\nretry_base_ms = 50\n\
         [http]\nlisten = \"127.0.0.1:{port}\"\nkeys = [\"an-api-key-not-for-the-dashboard\"]\n\
         [dashboard]\nkeys = [\"{KEY}\"]\nlogin_attempts = 3\n\
         [moderation]\nenabled = true\n\
         [engagement]\nmember_key = \"{MEMBER_KEY}\"\n\
         [posts.targets.news]\nplatform = \"telegram\"\nchat = \"-100900\"\n",
        fake.url
    ));
    seed(&run.data);
    let log = run.dir.path().join("herald.log");
    let child = support::herald_run(&run.config, run.pack.path(), &run.data)
        .env("HERALD_TELEGRAM_TOKEN", TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("herald runs");
    let h = Herald {
        child,
        base: format!("http://127.0.0.1:{port}"),
        config: run.config.clone(),
        pack: run.pack.path().to_path_buf(),
        data: run.data.clone(),
        log,
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let ready = http.get(h.url("/readyz")).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "herald run not ready:\n{}",
            h.stderr()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Without a session: pages send the browser to the login form, forms are refused.
    for page in [
        "/dashboard",
        "/dashboard/gaps",
        "/dashboard/posts",
        "/dashboard/moderation",
        "/dashboard/knowledge",
        "/dashboard/health",
        "/dashboard/nothing-here",
    ] {
        let r = http.get(h.url(page)).send().await.expect("get");
        assert_eq!(r.status(), 303, "{page}");
        assert_eq!(r.headers()["location"], "/dashboard/login", "{page}");
    }
    for form in [
        "/dashboard/gaps/teach",
        "/dashboard/posts/approve",
        "/dashboard/posts/schedule",
        "/dashboard/posts/cancel",
        "/dashboard/moderation/pardon",
        "/dashboard/logout",
    ] {
        let r = http
            .post(h.url(form))
            .body(format!("id={POST}&gap=1&answer=x"))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403, "{form}");
    }

    // A member asks what the knowledge does not say.
    fake.private_text(MEMBER, "Do you have a loyalty card?");
    let first = fake.wait_sent(MEMBER, 1, 90).await;
    assert!(
        text(&first[0]).contains("don't know"),
        "{}",
        text(&first[0])
    );

    let browser = Browser::start(1280, 900).await;
    let c = &browser.client;
    c.goto(&h.url("/dashboard")).await.expect("dashboard");
    assert_eq!(path_of(c).await, "/dashboard/login");
    log_in(c, &h, "not-the-key").await;
    let (ok, said) = flash(c).await;
    assert!(!ok && said.contains("not a manager key"), "{said}");
    assert_eq!(path_of(c).await, "/dashboard/login");
    // By keyboard alone: the key field has the focus, Enter sends the form.
    c.goto(&h.url("/dashboard/login"))
        .await
        .expect("login page");
    css(c, "#key").await;
    let focused = c.active_element().await.expect("focus");
    assert_eq!(
        focused.attr("id").await.expect("id").as_deref(),
        Some("key")
    );
    focused
        .send_keys(&format!("{KEY}{}", fantoccini::key::Key::Enter))
        .await
        .expect("type the key and Enter");
    css(c, "#report").await;
    assert_eq!(path_of(c).await, "/dashboard");
    let cookie = c
        .get_named_cookie("herald_session")
        .await
        .expect("session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(format!("{:?}", cookie.same_site()), "Some(Strict)");

    // The overview: the report's numbers, two charts drawn as SVG.
    overview_matches_the_report(c, &h, 7).await;
    assert_eq!(
        c.find_all(Locator::Css("figure svg"))
            .await
            .expect("charts")
            .len(),
        2
    );
    click_through(c, "a[href='/dashboard?days=30']").await;
    css(c, "a[aria-current=page][href='/dashboard?days=30']").await;
    overview_matches_the_report(c, &h, 30).await;
    let activity = css(c, "figure").await.screenshot().await.expect("chart");
    std::fs::write(
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-activity-30d.png"),
        activity,
    )
    .expect("written");

    // Teach the member's question from the gaps page.
    c.goto(&h.url("/dashboard/gaps")).await.expect("gaps");
    let mut gap = None;
    for a in c
        .find_all(Locator::Css("main article"))
        .await
        .expect("gaps")
    {
        if a.text().await.expect("text").contains("loyalty card") {
            gap = a.attr("id").await.expect("id");
        }
    }
    let gap = gap.unwrap_or_else(|| panic!("the member's question is not on the gaps page"));
    assert!(
        c.find_all(Locator::Css("main article"))
            .await
            .expect("gaps")
            .len()
            >= 2,
        "the synthetic gaps are listed too"
    );
    css(c, &format!("#answer-{}", &gap[1..]))
        .await
        .send_keys(
            "Yes: every tenth coffee is free with the Lantern card, ask for one at the till.",
        )
        .await
        .expect("answer typed");
    click_through(c, &format!("#{gap} button[type=submit]")).await;
    let (ok, said) = flash(c).await;
    assert!(ok && said.contains(&format!("Taught {gap}")), "{said}");
    assert!(
        c.find(Locator::Css(&format!("#{gap}"))).await.is_err(),
        "the taught gap left the list"
    );
    fake.private_text(MEMBER, "Do you have a loyalty card?");
    let again = fake.wait_sent(MEMBER, 2, 90).await;
    let answer = again[1]["text"].as_str().unwrap_or_default();
    assert!(
        answer.contains("tenth coffee") && answer.contains(&format!("learned/{gap}-")),
        "{answer}"
    );

    // Posts: the unsupported claim is shown and refused; the other variant goes out.
    c.goto(&h.url("/dashboard/posts")).await.expect("posts");
    let draft = css(c, &format!("#post-{POST}"))
        .await
        .text()
        .await
        .expect("draft");
    assert!(
        draft.contains("open 24 hours a day\" is not in the knowledge"),
        "{draft}"
    );
    keep_screenshot(c, "1280px", "drafts").await;
    css(c, &format!("#variant-{POST}"))
        .await
        .select_by_value("1")
        .await
        .expect("variant 1");
    click_through(c, &format!("#post-{POST} form[action$=approve] button")).await;
    let (ok, said) = flash(c).await;
    assert!(
        !ok,
        "a variant with an unsupported claim was approved: {said}"
    );
    css(c, &format!("#variant-{POST}"))
        .await
        .select_by_value("2")
        .await
        .expect("variant 2");
    click_through(c, &format!("#post-{POST} form[action$=approve] button")).await;
    let (ok, said) = flash(c).await;
    assert!(ok, "{said}");
    css(c, &format!("#when-{POST}"))
        .await
        .send_keys("tomorrow 12:00")
        .await
        .expect("when");
    click_through(c, &format!("#post-{POST} form[action$=schedule] button")).await;
    let (ok, said) = flash(c).await;
    assert!(ok, "{said}");
    let row = css(c, &format!("#queue-table tr[data-post={POST}]"))
        .await
        .text()
        .await
        .expect("row");
    assert!(
        row.contains("news") && row.contains("which drink will you try first"),
        "{row}"
    );

    // A form without this session's CSRF token changes nothing.
    let session = format!("herald_session={}", cookie.value());
    for body in [format!("id={POST}"), format!("id={POST}&csrf=forged")] {
        let r = http
            .post(h.url("/dashboard/posts/cancel"))
            .header("cookie", &session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403);
        assert!(r.text().await.expect("body").contains("security token"));
    }
    c.refresh().await.expect("reload");
    css(c, &format!("#queue-table tr[data-post={POST}]")).await;

    // The other pages.
    c.goto(&h.url("/dashboard/knowledge?q=huila&ask=how+much+is+the+huila%3F"))
        .await
        .expect("knowledge");
    let entities = css(c, "#entities tbody")
        .await
        .text()
        .await
        .expect("entities");
    assert!(
        entities.to_lowercase().contains("huila") && entities.contains(".toml:"),
        "{entities}"
    );
    let facts = css(c, "#facts").await.text().await.expect("facts");
    assert!(facts.contains("16.00") && facts.contains("yes"), "{facts}");
    c.goto(&h.url("/dashboard/health")).await.expect("health");
    let adapters = css(c, "#adapter-list")
        .await
        .text()
        .await
        .expect("adapters");
    assert!(adapters.contains("telegram: connected"), "{adapters}");
    let replies: u64 = css(c, "#replies")
        .await
        .text()
        .await
        .expect("replies")
        .parse()
        .expect("number");
    assert!(replies >= 2, "{replies} replies counted");
    // Moderation: a spammer is warned, then muted; a pardon on the page lifts the mute.
    let (group, spammer) = (-100_700i64, 4202i64);
    let restricted = |calls: &[support::fake_telegram::Call], n: usize| {
        calls
            .iter()
            .filter(|c| c.ok && c.method == "restrictChatMember")
            .count()
            >= n
    };
    fake.group_text(group, 4203, "Morning, everyone!", json!({}));
    fake.group_text(group, spammer, "Guaranteed profit, message me", json!({}));
    fake.group_text(
        group,
        spammer,
        "Guaranteed profit again, trading signals",
        json!({}),
    );
    fake.wait_for(60, "the spammer muted", |calls| restricted(calls, 1))
        .await;
    c.goto(&h.url("/dashboard/moderation"))
        .await
        .expect("moderation");
    let row = css(c, "#m2").await.text().await.expect("entry");
    assert!(
        row.contains("words") && row.contains("mute") && row.contains("Coffee lovers"),
        "{row}"
    );
    click_through(c, "#m2 button").await;
    let (ok, said) = flash(c).await;
    assert!(
        ok && said.contains("Pardoned") && said.contains("lifted"),
        "{said}"
    );
    assert!(css(c, "#m2")
        .await
        .text()
        .await
        .expect("entry")
        .contains("pardoned"));
    fake.wait_for(30, "the mute lifted", |calls| restricted(calls, 2))
        .await;
    // The pardon taught the classifier a normal sample; the manager moves it back to spam.
    c.goto(&h.url("/dashboard/moderation")).await.expect("page");
    let sample = css(c, "#s1").await.text().await.expect("sample");
    assert!(
        sample.contains("normal") && sample.contains("Guaranteed profit"),
        "{sample}"
    );
    click_through(c, "#s1 button").await;
    let (ok, said) = flash(c).await;
    assert!(ok && said.contains("s1 is now spam"), "{said}");
    let sample = css(c, "#s1").await.text().await.expect("sample");
    assert!(
        sample.contains("spam") && !sample.contains("normal"),
        "{sample}"
    );
    let file = std::fs::read_to_string(h.data.join("moderation/samples.txt")).expect("file");
    assert!(file.starts_with("S|en|t"), "{file}");

    // A phone's width: nothing scrolls sideways, every field is labelled.
    for page in PAGES {
        c.goto(&h.url(page)).await.expect("page");
        css(c, "main h1").await;
        keep_screenshot(c, "1280px", page).await;
    }
    c.set_window_size(390, 844).await.expect("phone size");
    for page in PAGES {
        c.goto(&h.url(page)).await.expect("page");
        css(c, "main h1").await;
        fits_and_is_labelled(c, page).await;
        keep_screenshot(c, "390px", page).await;
    }

    // Logging out ends the session; repeated wrong keys are throttled.
    c.set_window_size(1280, 900).await.expect("size");
    c.goto(&h.url("/dashboard")).await.expect("dashboard");
    click_through(c, "nav form button").await;
    css(c, "#key").await;
    let r = http
        .get(h.url("/dashboard"))
        .header("cookie", &session)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 303, "the old cookie still opens pages");
    // The good login above cleared the first failure: three more use up the attempts, and
    // then even the right key waits.
    for _ in 0..3 {
        log_in(c, &h, "still-not-the-key").await;
        let (_, said) = flash(c).await;
        assert!(said.contains("not a manager key"), "{said}");
    }
    log_in(c, &h, KEY).await;
    let (ok, said) = flash(c).await;
    assert!(!ok && said.contains("Too many failed logins"), "{said}");
    assert_eq!(path_of(c).await, "/dashboard/login");
    browser.close().await;

    let Herald { child, .. } = h;
    support::stop_ok(child).await;
}
