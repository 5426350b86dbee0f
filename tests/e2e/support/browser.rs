//! A real browser for the dashboard's tests: Debian's headless Chromium driven through its
//! chromedriver (WebDriver) by fantoccini. The test command installs both; without them a
//! test fails and says what to install.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

/// chromedriver and the browser session it drives; both end when this drops.
pub struct Browser {
    pub client: Client,
    driver: Child,
    /// The browser's own profile folder: it names this test's Chromium processes, so a
    /// failed test can stop exactly them.
    profile: tempfile::TempDir,
}

impl Browser {
    /// Start chromedriver on a free port and open a headless Chromium window `width` ×
    /// `height` px.
    pub async fn start(width: u32, height: u32) -> Browser {
        let port = super::free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("chromedriver did not start ({e}): install Debian's chromium and chromium-driver packages (apt-get install chromium chromium-driver; scripts/test does it)")
            });
        let url = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().expect("a profile folder");
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "chromedriver did not listen on {port} within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let caps = json!({
            "goog:chromeOptions": {
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--hide-scrollbars", "--disable-crash-reporter", "--disable-breakpad",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("an object")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("no Chromium session through chromedriver ({e}): is the chromium package installed?"));
        Browser {
            client,
            driver,
            profile,
        }
    }

    /// End the session (Chromium quits), then chromedriver (on drop).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    /// Stop chromedriver and every Chromium process of this profile, even after a failed
    /// test (a killed chromedriver leaves its browser running).
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let marker = self.profile.path().display().to_string();
        for signal in ["-TERM", "-KILL"] {
            let pids = processes_naming(&marker);
            if pids.is_empty() {
                return;
            }
            let _ = Command::new("kill").arg(signal).args(&pids).status();
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

/// The processes whose command line contains `marker` (from /proc).
fn processes_naming(marker: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&cmdline)
                .contains(marker)
                .then(|| pid.to_string())
        })
        .collect()
}
