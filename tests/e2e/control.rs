//! Admin commands while the bot runs: `herald report`, `kb gaps`, `kb query`, `export-user`
//! and `forget-user` against a data folder held by a running `herald run` go through its
//! control socket (owner-only), and give what they give on a folder nobody holds.

use crate::support;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use herald::engagement::{EngagementLog, EventKind};
use herald_platform::{ChatRef, PlatformKind};
use serde_json::Value;

const MEMBER: &str = "4242";
const OTHER: &str = "5353";

/// Two members' messages and one unanswered question, written before the bot starts.
fn seed(data: &Path) {
    let db = herald::data::open_data(data).expect("data folder");
    let log = EngagementLog::open(&db, "").expect("log");
    for user in [MEMBER, OTHER] {
        let who = log.speaker(
            &ChatRef {
                platform: PlatformKind::Telegram,
                chat: user.into(),
                private: true,
            },
            user,
        );
        let kinds = [
            EventKind::Message {
                message_id: "1".into(),
                text: "do you sell green coffee beans?".into(),
                addressed: true,
            },
            EventKind::Gap {
                question: "do you sell green coffee beans?".into(),
            },
        ];
        for kind in kinds {
            log.record(&who, kind).expect("recorded");
        }
    }
    log.flush().expect("flushed");
}

fn admin(setup: &support::RunSetup, args: &[&str]) -> Output {
    support::herald()
        .arg("--config")
        .arg(&setup.config)
        .arg("--knowledge")
        .arg(setup.pack.path())
        .arg("--data")
        .arg(&setup.data)
        .args(args)
        .output()
        .expect("herald runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn events_of(setup: &support::RunSetup, user: &str) -> usize {
    let export: Value =
        serde_json::from_str(&ok(&admin(setup, &["export-user", "telegram", user])))
            .expect("export is JSON");
    export["events"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_reach_the_running_herald_through_its_control_socket() {
    let setup = support::RunSetup::new(&format!(
        "[http]\nlisten = \"127.0.0.1:{}\"\n",
        support::free_port()
    ));
    seed(&setup.data);
    let child = setup
        .command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("herald runs");
    let socket = setup.data.join("control.sock");
    let started = Instant::now();
    while !socket.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "herald run made no control socket"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&socket)
            .expect("socket")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the socket is the owner's only");
    }

    // Without the socket, each of these fails: sled's lock is held by the running bot.
    let charts = tempfile::tempdir().expect("temp dir");
    let out = charts.path().join("report");
    let report = ok(&admin(
        &setup,
        &[
            "report",
            "--since",
            "7d",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    ));
    assert!(report.contains("wrote"), "{report}");
    for file in ["report.txt", "report.json", "activity.png"] {
        let bytes = std::fs::read(out.join(file)).unwrap_or_default();
        assert!(!bytes.is_empty(), "{file} not written");
    }
    let numbers: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("json"))
            .expect("report.json parses");
    assert!(numbers.is_object(), "{numbers}");

    let gaps: Value =
        serde_json::from_str(&ok(&admin(&setup, &["kb", "gaps", "--json"]))).expect("gaps JSON");
    assert!(
        gaps.to_string().contains("green coffee beans"),
        "the seeded gap is listed: {gaps}"
    );
    let query = ok(&admin(&setup, &["kb", "query", "how much is the huila?"]));
    assert!(query.contains("linked:"), "{query}");

    assert_eq!(events_of(&setup, MEMBER), 2);
    let forgot = ok(&admin(&setup, &["forget-user", "telegram", MEMBER]));
    assert!(forgot.contains("2 events"), "{forgot}");
    assert_eq!(
        events_of(&setup, MEMBER),
        0,
        "erased in the running bot's folder"
    );
    assert_eq!(events_of(&setup, OTHER), 2, "the other member is kept");

    // A bad request on the socket is refused with a reason, and the bot keeps serving.
    {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        let mut s = tokio::net::UnixStream::connect(&socket)
            .await
            .expect("connect");
        s.write_all(b"{\"command\": \"drop-everything\"}\n")
            .await
            .expect("write");
        let mut line = String::new();
        tokio::io::BufReader::new(s)
            .read_line(&mut line)
            .await
            .expect("answer");
        let answer: Value = serde_json::from_str(&line).expect("JSON answer");
        assert_eq!(answer["exit"], 2, "{answer}");
        assert!(
            answer["stderr"]
                .as_str()
                .unwrap_or_default()
                .contains("not an admin request"),
            "{answer}"
        );
    }
    assert_eq!(events_of(&setup, OTHER), 2);

    support::stop_ok(child).await;
    assert!(!socket.exists(), "the socket is removed at shutdown");
    // With no herald running, the same commands open the folder: the erasure was kept.
    assert_eq!(events_of(&setup, MEMBER), 0);
    assert_eq!(events_of(&setup, OTHER), 2);
}
