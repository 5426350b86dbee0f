//! `herald kb sync` against a real Bolt server (ArcadeDB, started by `scripts/test`): the
//! sample pack lands as typed nodes and relations; a second sync writes nothing; a changed
//! file is rewritten alone; a removed file's nodes go; hostile strings stay data; a failed
//! sync leaves the previous graph as it was.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use neo4rs::{query, ConfigBuilder, Graph as Bolt};
use serde_json::Value;

use herald::knowledge::{
    Entity, FileKnowledge, KnowledgeError, KnowledgeStore, Neo4jOptions, Neo4jSync, PackLoader,
    Relation, Retrieval, RetrieveOptions, SledKnowledge, Source,
};

/// The tests share one database: one at a time, each starting from an empty graph.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn bolt_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run scripts/test, which installs ArcadeDB (PyPI arcadedb-embedded) and starts it as the Bolt server for these tests")
    })
}

fn options() -> Neo4jOptions {
    Neo4jOptions {
        uri: bolt_env("HERALD_TEST_BOLT_URI"),
        user: "root".into(),
        password: bolt_env("HERALD_TEST_BOLT_PASSWORD"),
        database: bolt_env("HERALD_TEST_BOLT_DB"),
        pool_size: 2,
    }
}

async fn raw() -> Bolt {
    let o = options();
    let config = ConfigBuilder::default()
        .uri(o.uri.as_str())
        .user(o.user.as_str())
        .password(o.password.as_str())
        .db(o.database.as_str())
        .build()
        .expect("bolt config");
    Bolt::connect(config)
        .await
        .expect("the Bolt server answers")
}

async fn wipe(g: &Bolt) {
    g.run(query("MATCH (n) DETACH DELETE n"))
        .await
        .expect("wipe the test database");
}

async fn count(g: &Bolt, cypher: &str) -> i64 {
    let mut rows = g.execute(query(cypher)).await.expect(cypher);
    let row = rows.next().await.expect(cypher).expect("one row");
    row.get::<i64>("n").expect("n")
}

async fn name_of(g: &Bolt, id: &str) -> Option<String> {
    let mut rows = g
        .execute(query("MATCH (e:Entity {id: $id}) RETURN e.name AS name").param("id", id))
        .await
        .expect("query");
    rows.next()
        .await
        .expect("row")
        .and_then(|r| r.get::<String>("name").ok())
}

/// `herald kb sync --json` on `dir`; the parsed summary.
fn kb_sync(dir: &Path) -> Value {
    let o = options();
    let config = dir.join("herald.toml");
    std::fs::write(
        &config,
        format!(
            "[neo4j]\nuri = \"{}\"\nuser = \"root\"\ndatabase = \"{}\"\n",
            o.uri, o.database
        ),
    )
    .expect("config");
    let out = support::herald()
        .arg("--config")
        .arg(&config)
        .arg("--knowledge")
        .arg(dir.join("knowledge"))
        .args(["kb", "sync", "--json"])
        .env("HERALD_NEO4J_PASSWORD", &o.password)
        .output()
        .expect("herald runs");
    assert!(
        out.status.success(),
        "kb sync failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON summary")
}

fn pack_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let pack = support::sample_pack();
    std::fs::create_dir(dir.path().join("knowledge")).expect("folder");
    for f in std::fs::read_dir(pack.path()).expect("pack") {
        let f = f.expect("entry").path();
        std::fs::copy(
            &f,
            dir.path()
                .join("knowledge")
                .join(f.file_name().expect("name")),
        )
        .expect("copy");
    }
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_is_idempotent_incremental_and_removes_what_is_gone() {
    let _one = SERIAL.lock().await;
    let g = raw().await;
    wipe(&g).await;
    let dir = pack_dir();
    let pack = PackLoader::default()
        .load(&dir.path().join("knowledge"))
        .expect("sample pack");
    let stats = pack.report.stats;

    let first = kb_sync(dir.path());
    assert_eq!(first["created"], stats.files as u64, "{first}");
    assert_eq!(
        count(&g, "MATCH (e:Entity) RETURN count(e) AS n").await,
        stats.entities as i64
    );
    assert_eq!(
        count(&g, "MATCH ()-[r]->() RETURN count(r) AS n").await,
        stats.relations as i64
    );
    assert_eq!(
        count(&g, "MATCH (p:Passage) RETURN count(p) AS n").await,
        stats.passages as i64
    );
    // Labelled by kind, typed relations, sources kept.
    assert_eq!(
        count(&g, "MATCH (e:Product) RETURN count(e) AS n").await,
        pack.graph
            .entities()
            .filter(|e| e.kind == "product")
            .count() as i64
    );
    assert!(
        count(
            &g,
            "MATCH (:Entity)-[r:ORIGIN]->(:Entity) RETURN count(r) AS n"
        )
        .await
            > 0
    );
    let huila = pack
        .graph
        .entities()
        .find(|e| e.id == "huila")
        .expect("huila in the pack");
    let mut rows = g
        .execute(query(
            "MATCH (e:Entity {id: 'huila'}) RETURN e.file AS file, e.line AS line",
        ))
        .await
        .expect("query");
    let row = rows.next().await.expect("row").expect("huila synced");
    assert_eq!(
        row.get::<String>("file").ok(),
        Some(huila.source.file.clone())
    );
    assert_eq!(row.get::<i64>("line").ok(), Some(huila.source.line as i64));

    // Running it again changes nothing.
    let second = kb_sync(dir.path());
    assert_eq!(second["writes"], 0, "{second}");
    assert_eq!(second["unchanged"], stats.files as u64);

    // One changed file is rewritten alone; relations into it from other files survive.
    let products = dir.path().join("knowledge/products.toml");
    let text = std::fs::read_to_string(&products).expect("read");
    std::fs::write(
        &products,
        text.replace("Colombia Huila", "Colombia Huila Reserve"),
    )
    .expect("write");
    let third = kb_sync(dir.path());
    assert_eq!(third["updated"], 1, "{third}");
    assert_eq!(third["unchanged"], stats.files as u64 - 1);
    assert_eq!(
        name_of(&g, "huila").await.as_deref(),
        Some("Colombia Huila Reserve")
    );
    assert_eq!(
        count(&g, "MATCH ()-[r]->() RETURN count(r) AS n").await,
        stats.relations as i64
    );
    assert_eq!(
        count(&g, "MATCH (e:Entity) RETURN count(e) AS n").await,
        stats.entities as i64,
        "updated in place, not duplicated"
    );

    // A removed file's nodes go with it.
    std::fs::remove_file(dir.path().join("knowledge/brewing.md")).expect("remove");
    let fourth = kb_sync(dir.path());
    assert_eq!(fourth["deleted"], 1, "{fourth}");
    let brewing = pack
        .graph
        .passages()
        .filter(|p| p.source.file.ends_with("brewing.md"))
        .count() as i64;
    assert!(brewing > 0);
    assert_eq!(
        count(&g, "MATCH (p:Passage) RETURN count(p) AS n").await,
        stats.passages as i64 - brewing
    );
    assert_eq!(
        count(&g, "MATCH (f:KbFile) RETURN count(f) AS n").await,
        stats.files as i64 - 1
    );
}

fn entity(id: &str, name: &str, file: &str, line: usize) -> Entity {
    Entity {
        id: id.into(),
        kind: "product".into(),
        name: name.into(),
        aliases: vec![name.into()],
        summary: None,
        attrs: vec![],
        source: Source {
            file: file.into(),
            line,
        },
    }
}

fn files(list: Vec<(&str, u8, FileKnowledge)>) -> BTreeMap<String, ([u8; 32], Arc<FileKnowledge>)> {
    list.into_iter()
        .map(|(p, h, k)| (p.to_string(), ([h; 32], Arc::new(k))))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_strings_stay_data_and_a_failed_sync_changes_nothing() {
    let _one = SERIAL.lock().await;
    let g = raw().await;
    wipe(&g).await;
    let sync = Neo4jSync::connect(&options()).await.expect("connects");
    let hostile = [
        "it's \"quoted\"",
        "back`tick`",
        "x'}) DETACH DELETE n //",
        "$rows } MATCH (n) DETACH DELETE n",
    ];
    let k = FileKnowledge {
        entities: hostile
            .iter()
            .enumerate()
            .map(|(i, n)| entity(&format!("e{i}"), n, "a.toml", i + 1))
            .collect(),
        ..FileKnowledge::default()
    };
    let summary = sync
        .sync(&files(vec![("a.toml", 1, k.clone())]), |_, _| {})
        .await
        .expect("synced");
    assert_eq!(summary.created, 1);
    for (i, n) in hostile.iter().enumerate() {
        assert_eq!(name_of(&g, &format!("e{i}")).await.as_deref(), Some(*n));
    }
    assert_eq!(count(&g, "MATCH (e:Entity) RETURN count(e) AS n").await, 4);

    // A sync that fails half-way (the second file's relation cannot be written) is rolled
    // back: the first file's new entity and name are not there, the old graph is.
    let mut renamed = k.clone();
    renamed.entities[0].name = "renamed".into();
    renamed.entities.push(entity("new", "New", "a.toml", 9));
    let broken = FileKnowledge {
        entities: vec![entity("b0", "B", "b.toml", 1)],
        relations: vec![Relation {
            from: "b0".into(),
            // `kb check` refuses it; the sync refuses it too, half-way through.
            rel: "line\nbreak".into(),
            to: "e0".into(),
            attrs: vec![],
            source: Source {
                file: "b.toml".into(),
                line: 3,
            },
        }],
        ..FileKnowledge::default()
    };
    let err = sync
        .sync(
            &files(vec![("a.toml", 2, renamed), ("b.toml", 3, broken)]),
            |_, _| {},
        )
        .await
        .expect_err("the bad relation type fails the sync");
    assert!(
        matches!(err, KnowledgeError::Graph(ref m) if m.contains("b.toml:3")),
        "{err}"
    );
    assert_eq!(name_of(&g, "e0").await.as_deref(), Some(hostile[0]));
    assert_eq!(name_of(&g, "new").await, None);
    assert_eq!(name_of(&g, "b0").await, None);
    assert_eq!(count(&g, "MATCH (f:KbFile) RETURN count(f) AS n").await, 1);
}

/// Admins name relations and kinds in words, with spaces or in Chinese: whatever `kb check`
/// accepts syncs, as a quoted relationship type or label that keeps the name as written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relation_names_and_kinds_in_words_or_chinese_sync() {
    let _one = SERIAL.lock().await;
    let g = raw().await;
    wipe(&g).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let pack = dir.path().join("knowledge");
    std::fs::create_dir(&pack).expect("folder");
    std::fs::write(
        pack.join("shop.toml"),
        r#"[[entity]]
id = "house-blend"
kind = "咖啡豆"
name = "House Blend"

[[entity]]
id = "ethiopia"
kind = "coffee origin"
name = "Ethiopia"

[[entity]]
id = "shop"
kind = "product"
name = "Lantern Hill Cafe"

[[relation]]
from = "house-blend"
rel = "contains beans from"
to = "ethiopia"

[[relation]]
from = "shop"
rel = "位于"
to = "ethiopia"

[[relation]]
from = "shop"
rel = "sells `the` best"
to = "house-blend"
"#,
    )
    .expect("pack file");
    let check = support::herald()
        .args(["kb", "check"])
        .arg(&pack)
        .output()
        .expect("kb check runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let summary = kb_sync(dir.path());
    assert_eq!(summary["created"], 1, "{summary}");
    for (cypher, want) in [
        (
            "MATCH (:Entity)-[r:`contains beans from`]->(:Entity) RETURN count(r) AS n",
            1,
        ),
        (
            "MATCH (:Entity)-[r:`位于`]->(:Entity) RETURN count(r) AS n",
            1,
        ),
        (
            "MATCH (:Entity)-[r:`sells ``the`` best`]->(:Entity) RETURN count(r) AS n",
            1,
        ),
        ("MATCH (e:`咖啡豆`) RETURN count(e) AS n", 1),
        ("MATCH (e:`coffee origin`) RETURN count(e) AS n", 1),
        ("MATCH (e:Product) RETURN count(e) AS n", 1),
    ] {
        assert_eq!(count(&g, cypher).await, want, "{cypher}");
    }
    // The name as the pack writes it is kept on each relationship.
    let mut rows = g
        .execute(query(
            "MATCH ()-[r]->() RETURN r.name AS name ORDER BY name",
        ))
        .await
        .expect("query");
    let mut names = Vec::new();
    while let Some(row) = rows.next().await.expect("row") {
        names.push(row.get::<String>("name").expect("name"));
    }
    names.sort();
    assert_eq!(names, ["contains beans from", "sells `the` best", "位于"]);
    // The sync's own neighbourhood query sees them like any other relation.
    let sync = Neo4jSync::connect(&options()).await.expect("connects");
    let near = sync
        .neighbours(&["ethiopia".to_string()])
        .await
        .expect("neighbours");
    let mut around: Vec<String> = near.get("ethiopia").cloned().unwrap_or_default();
    around.sort();
    assert_eq!(around, ["house-blend", "shop"]);
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("herald.toml");
    // A port nothing listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    std::fs::write(
        &config,
        format!("[neo4j]\nuri = \"127.0.0.1:{port}\"\nuser = \"root\"\npassword = \"x\"\n"),
    )
    .expect("config");
    let out = support::herald()
        .arg("--config")
        .arg(&config)
        .args(["kb", "sync"])
        .output()
        .expect("herald runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");

    // Without a [neo4j] section the command says what to add.
    std::fs::write(&config, "").expect("config");
    let out = support::herald()
        .arg("--config")
        .arg(&config)
        .args(["kb", "sync"])
        .output()
        .expect("herald runs");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("[neo4j]"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

mod store;
