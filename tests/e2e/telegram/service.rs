//! Telegram as a service runs it: webhook mode, hostile updates, `herald run` itself
//! (restarts, a refused token) and `/readyz` following the adapter.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_refuses_requests_without_the_secret_token() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let mut opts = options(&fake);
    opts.mode = Mode::Webhook(WebhookOptions {
        listen: "127.0.0.1:0".parse().expect("addr"),
        url: "https://bot.example.com/telegram/hook"
            .parse()
            .expect("url"),
        secret_token: "s3cret-Token_1".into(),
    });
    let run = serve(&t.app, opts, Arc::new(MemoryState::default()));
    fake.wait_for(20, "setWebhook", |calls| {
        calls.iter().any(|c| c.ok && c.method == "setWebhook")
    })
    .await;
    let hook = &fake.ok_calls("setWebhook")[0];
    assert_eq!(hook["secret_token"], "s3cret-Token_1");
    assert!(hook["allowed_updates"]
        .to_string()
        .contains("message_reaction"));
    let addr = loop {
        if let Some(a) = run.adapter.webhook_addr() {
            break a;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let update = |id: i64, text: &str| {
        json!({"update_id": id, "message": message(id, json!({"id": 1301, "type": "private", "first_name": "Ann"}), member(1301), json!({"text": text}))})
            .to_string()
    };
    let post = |body: String, secret: Option<&str>| {
        let mut req = format!(
            "POST /telegram/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        if let Some(s) = secret {
            req.push_str(&format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
            s.write_all(req.as_bytes()).await.expect("write");
            let mut out = String::new();
            s.read_to_string(&mut out).await.expect("read");
            out.lines().next().unwrap_or_default().to_string()
        }
    };
    assert!(post(update(1, "/help"), None).await.contains("401"));
    assert!(post(update(2, "/help"), Some("wrong"))
        .await
        .contains("401"));
    assert!(post("not json".into(), Some("s3cret-Token_1"))
        .await
        .contains("400"));
    assert!(post(update(3, "/start"), Some("s3cret-Token_1"))
        .await
        .contains("200"));
    // Telegram redelivers when unsure; the same update is answered once.
    assert!(post(update(3, "/start"), Some("s3cret-Token_1"))
        .await
        .contains("200"));
    // A later update from the same member is answered after the repeat would have been:
    // once its answer is out, the repeat has had its turn.
    assert!(post(update(4, "/help"), Some("s3cret-Token_1"))
        .await
        .contains("200"));
    let sent = fake.wait_sent(1301, 2, 30).await;
    assert_eq!(fake.sent_to(1301).len(), 2, "{sent:?}");
    assert_eq!(reply_to(&sent[0]), Some(3));
    assert_eq!(reply_to(&sent[1]), Some(4), "the repeat was not answered");
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_odd_updates_are_survived_without_replies_or_loops() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
    let chat = 1401;
    let pc = json!({"id": chat, "type": "private", "first_name": "Ann"});
    // Unknown kind, missing fields, another bot, an edit, a sticker, bad offsets, a huge text.
    fake.push_raw(json!({"brand_new_update": {"x": 1}}));
    fake.push_raw(json!({"message": {"message_id": 5}}));
    fake.push(
        "message",
        message(
            fake.message_id(),
            pc.clone(),
            json!({"id": 99, "is_bot": true, "first_name": "Other"}),
            json!({"text": "/help"}),
        ),
    );
    fake.push(
        "edited_message",
        message(
            fake.message_id(),
            pc.clone(),
            member(chat),
            json!({"text": "edited", "edit_date": 1}),
        ),
    );
    fake.push(
        "message",
        message(
            fake.message_id(),
            pc.clone(),
            member(chat),
            json!({"sticker": {"file_id": "a", "file_unique_id": "b", "type": "regular", "width": 1, "height": 1, "is_animated": false, "is_video": false}}),
        ),
    );
    fake.group_text(
        -100,
        chat,
        "😀@lantern_bot hi",
        json!({"entities": [{"type": "mention", "offset": 1, "length": 400}]}),
    );
    let huge = "why ".repeat(5000);
    let huge_id = fake.private_text(chat, &huge);
    let last = fake.private_text(chat, "/start");
    let sent = fake.wait_sent(chat, 2, 60).await;
    fake.wait_polls(2, 10).await;
    let sent_now = fake.sent_to(chat);
    assert_eq!(sent_now.len(), 2, "{sent_now:#?}");
    assert_eq!(reply_to(&sent[0]), Some(huge_id));
    assert_eq!(reply_to(&sent[1]), Some(last));
    assert!(
        fake.sent_to(-100).is_empty(),
        "a mention it cannot place is not a mention"
    );
    run.stop().await;
}

/// `herald run` with a `[telegram]` section, as a service manager starts it.
fn herald_run(
    config: &std::path::Path,
    pack: &std::path::Path,
    data: &std::path::Path,
) -> std::process::Child {
    support::herald_run(config, pack, data)
        .env("HERALD_TELEGRAM_TOKEN", TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("herald runs")
}

async fn stop_child(mut child: std::process::Child) -> (std::process::ExitStatus, String) {
    tokio::task::spawn_blocking(move || {
        let status = support::stop(&mut child);
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        (status, err)
    })
    .await
    .expect("stop herald")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_run_serves_telegram_and_resumes_after_a_restart_without_answering_twice() {
    let fake = FakeTelegram::start().await;
    // The token comes from the environment, as a deployment would pass it.
    let run = support::RunSetup::new(&format!(
        "[telegram]\napi_url = \"{}\"\npoll_timeout_secs = 1\nretry_base_ms = 50\n",
        fake.url
    ));
    let (pack, config) = (&run.pack, &run.config);
    let data = &run.data;

    let child = herald_run(config, pack.path(), data);
    fake.private_text(1501, "how much is the huila?");
    let sent = fake.wait_sent(1501, 1, 90).await;
    assert!(text(&sent[0]).contains("16.00"), "{}", text(&sent[0]));
    let (status, err) = stop_child(child).await;
    assert!(status.success(), "{status:?}\n{err}");

    let child = herald_run(config, pack.path(), data);
    fake.wait_polls(2, 60).await;
    assert_eq!(
        fake.sent_to(1501).len(),
        1,
        "the restarted bot answered again"
    );
    fake.private_text(1501, "/start");
    fake.wait_sent(1501, 2, 60).await;
    let (status, err) = stop_child(child).await;
    assert!(status.success(), "{status:?}\n{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_run_with_a_refused_token_exits_and_says_what_to_fix() {
    let fake = FakeTelegram::start().await;
    let run = support::RunSetup::new(&format!("[telegram]\napi_url = \"{}\"\n", fake.url));
    let (pack, dir, config) = (&run.pack, &run.dir, &run.config);
    let mut cmd = support::herald_run(config, pack.path(), &run.data);
    cmd.env("HERALD_TELEGRAM_TOKEN", "1:not-the-token");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || cmd.output().expect("herald runs")),
    )
    .await
    .expect("herald exits by itself")
    .expect("join");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("check the token"), "{err}");

    // No token at all is caught before anything starts.
    std::fs::write(config, "[telegram]\n").expect("config");
    let out = support::herald()
        .arg("--config")
        .arg(config)
        .arg("--data")
        .arg(dir.path().join("db2"))
        .arg("--model")
        .arg(support::model_path())
        .arg("run")
        .env_remove("HERALD_TELEGRAM_TOKEN")
        .output()
        .expect("herald runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HERALD_TELEGRAM_TOKEN"), "{err}");
}

/// As a service manager runs it: the config named by `HERALD_CONFIG`, the token read from
/// the file `HERALD_TELEGRAM_TOKEN_FILE` names (systemd credentials); a file that cannot be
/// read stops herald with the variable and the path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_run_takes_its_config_and_token_file_from_the_environment() {
    let fake = FakeTelegram::start().await;
    let run = support::RunSetup::new(&format!(
        "[telegram]\napi_url = \"{}\"\npoll_timeout_secs = 1\nretry_base_ms = 50\n",
        fake.url
    ));
    let token = run.dir.path().join("telegram_token");
    std::fs::write(&token, format!("{TOKEN}\n")).expect("token file");
    let service = |token_file: &std::path::Path| {
        let mut cmd = support::herald();
        cmd.arg("--knowledge")
            .arg(run.pack.path())
            .arg("--data")
            .arg(&run.data)
            .arg("--model")
            .arg(support::model_path())
            .arg("run")
            .env("HERALD_CONFIG", &run.config)
            .env("HERALD_TELEGRAM_TOKEN_FILE", token_file)
            .env_remove("HERALD_TELEGRAM_TOKEN")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        cmd
    };
    let child = service(&token).spawn().expect("herald runs");
    fake.private_text(1511, "/start");
    let sent = fake.wait_sent(1511, 1, 90).await;
    assert!(text(&sent[0]).contains("/help"), "{}", text(&sent[0]));
    let (status, err) = stop_child(child).await;
    assert!(status.success(), "{status:?}\n{err}");

    let missing = run.dir.path().join("no_such_token");
    let mut cmd = service(&missing);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("herald runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HERALD_TELEGRAM_TOKEN_FILE") && err.contains("no_such_token"),
        "{err}"
    );
}

/// The systemd unit in `deploy/` is one systemd accepts (`systemd-analyze verify`, with
/// this build as its binary), and hands herald exactly the variables the test above runs it
/// with: the config's path and the token as a credential file.
#[test]
fn the_systemd_unit_is_valid_and_passes_what_herald_reads() {
    let unit = std::fs::read_to_string(support::repo().join("deploy/herald.service"))
        .expect("deploy/herald.service");
    let active: Vec<&str> = unit
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    for line in [
        "Environment=HERALD_CONFIG=/srv/herald/config.toml",
        "Environment=HERALD_TELEGRAM_TOKEN_FILE=%d/telegram_token",
        "LoadCredential=telegram_token:/etc/herald/telegram_token",
        "ExecStart=/usr/local/bin/herald run",
        "KillSignal=SIGTERM",
    ] {
        assert!(active.contains(&line), "{line:?} missing from the unit");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("herald.service");
    std::fs::write(
        &copy,
        unit.replace("/usr/local/bin/herald", env!("CARGO_BIN_EXE_herald")),
    )
    .expect("unit copy");
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect("systemd-analyze runs (apt install systemd)");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}

/// `/readyz` follows the adapter: not ready before it has connected, ready while polling
/// works, not ready while getUpdates fails, ready again once it recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_reports_whether_telegram_is_connected() {
    use tower::ServiceExt;

    async fn readyz(app: &axum::Router) -> (u16, Value) {
        let resp = app
            .clone()
            .oneshot(
                axum::http::Request::get("/readyz")
                    .body(axum::body::Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        let status = resp.status().as_u16();
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .expect("body")
            .to_bytes();
        (status, serde_json::from_slice(&bytes).expect("json body"))
    }

    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let adapter = Arc::new(
        TelegramAdapter::new(options(&fake), Arc::new(MemoryState::default())).expect("adapter"),
    );
    let config = herald::config::HttpConfig::default();
    let app = herald::http::router(
        herald::http::HttpState::new(t.app.http_parts(), &config)
            .with_adapters(vec![adapter.clone() as Arc<dyn Platform>]),
        config.max_body_bytes,
    );
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "not connected yet: {body}");
    assert_eq!(body["adapters"][0]["platform"], "telegram");
    assert_eq!(body["adapters"][0]["connected"], false);

    let (stop, rx) = watch::channel(false);
    let engine = tokio::spawn(engine::run(
        t.app.bot.clone(),
        t.app.log.clone(),
        vec![adapter.clone() as Arc<dyn Platform>],
        EngineOptions::default(),
        rx,
    ));
    fake.wait_polls(1, 10).await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["adapters"][0]["connected"], true);

    // Telegram refuses polling for a while (409: another getUpdates is running).
    for _ in 0..6 {
        fake.fail_next("getUpdates", Fault::Status(409));
    }
    fake.wait_for(10, "a refused getUpdates", |calls| {
        calls.iter().any(|c| c.method == "getUpdates" && !c.ok)
    })
    .await;
    // The adapter learns of the refusal when the response arrives, just after the fake
    // records the call; the refusals then last ~1.5 s of backoff.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    loop {
        let (status, body) = readyz(&app).await;
        if status == 503 {
            assert_eq!(body["adapters"][0]["connected"], false);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still ready while getUpdates is refused: {body}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = readyz(&app).await;
        if status == 200 {
            assert_eq!(body["adapters"][0]["connected"], true);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not ready again 20 s after polling recovered: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(30), engine).await;
}
