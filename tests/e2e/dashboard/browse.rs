//! Driving the browser: waiting for elements and for the page a click leads to, the one-time
//! message a form leaves, screenshots kept for people, and the checks every page passes at
//! a phone's width.

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};

pub(super) async fn css(c: &Client, selector: &str) -> fantoccini::elements::Element {
    match c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(selector))
        .await
    {
        Ok(e) => e,
        Err(e) => {
            let page = c.source().await.unwrap_or_default();
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let main = page
                .split("<main")
                .nth(1)
                .unwrap_or(&page)
                .chars()
                .take(3000)
                .collect::<String>();
            panic!("no {selector} ({e}) on {url}:\n<main{main}")
        }
    }
}

/// Click what `selector` finds and wait for the page it leads to (a form's answer): the old
/// document is marked first, so its elements are never mistaken for the new page's.
pub(super) async fn click_through(c: &Client, selector: &str) {
    c.execute("window.__old_page = true;", vec![])
        .await
        .expect("mark");
    css(c, selector)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let fresh = c
            .execute(
                "return !window.__old_page && document.readyState === 'complete';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if fresh {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{selector}: no new page after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(super) async fn path_of(c: &Client) -> String {
    c.current_url().await.expect("url").path().to_string()
}

pub(super) async fn flash(c: &Client) -> (bool, String) {
    let f = css(c, "#flash").await;
    let class = f.attr("class").await.expect("class").unwrap_or_default();
    let text = f.text().await.expect("flash text");
    // What the manager read, in the test's output (shown with --nocapture or on failure).
    eprintln!("dashboard said ({class}): {text}");
    (class.contains("ok"), text)
}

/// A screenshot for a person to look at: `target/tmp/dashboard-<width>-<page>.png`.
pub(super) async fn keep_screenshot(c: &Client, width: &str, page: &str) {
    let png = c.screenshot().await.expect("screenshot");
    let name = page
        .trim_start_matches("/dashboard")
        .trim_start_matches('/');
    let name = name
        .split('?')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("overview");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dashboard-{width}-{name}.png"));
    std::fs::write(&out, png).expect("screenshot written");
}

/// The page fits the window's width (no horizontal scroll), and every field has a label.
pub(super) async fn fits_and_is_labelled(c: &Client, what: &str) {
    let r = c
        .execute(
            "const d = document.documentElement;
             const unlabelled = [...document.querySelectorAll('input:not([type=hidden]),textarea,select')]
               .filter(e => e.labels.length === 0).map(e => e.name);
             return [d.scrollWidth, window.innerWidth, unlabelled];",
            vec![],
        )
        .await
        .expect("script");
    let (scroll, inner) = (r[0].as_u64().unwrap_or(0), r[1].as_u64().unwrap_or(0));
    assert!(
        inner > 0 && inner <= 400,
        "{what}: the window is {inner} px wide, not a phone's"
    );
    assert!(
        scroll <= inner,
        "{what}: {scroll} px of page in a {inner} px window scrolls sideways"
    );
    assert_eq!(
        r[2],
        serde_json::json!([]),
        "{what}: fields without a label"
    );
}
