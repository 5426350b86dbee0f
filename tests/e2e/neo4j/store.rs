//! `knowledge.backend = "neo4j"`: the same answers as the embedded store, the local copy
//! while the database is away, and `herald ask` on it.

use super::*;

const QUESTIONS: &[&str] = &[
    "how much is the huila?",
    "how much is the yirgacheffe?",
    "where does the huila come from?",
    "what is in the house blend?",
    "耶加雪菲多少钱？",
    "when is the latte art workshop?",
    "what is the address of the latte art workshop?",
    "what are your opening hours?",
    "do you ship abroad?",
    "what's the weather in Paris?",
];

async fn neo4j_store(
    db: &sled::Db,
    dir: &Path,
    opts: &Neo4jOptions,
) -> herald::knowledge::Neo4jKnowledge {
    herald::knowledge::Neo4jKnowledge::open(
        db,
        dir.to_path_buf(),
        opts,
        std::time::Duration::from_millis(1500),
        std::time::Duration::from_millis(200),
    )
    .await
    .expect("the neo4j store opens")
    .0
}

fn retrievals(store: &dyn KnowledgeStore, context: &[String]) -> Vec<Retrieval> {
    QUESTIONS
        .iter()
        .map(|q| {
            store
                .retrieve(q, context, &RetrieveOptions::default())
                .expect("retrieve")
        })
        .collect()
}

/// One conformance check for both stores: the same pack and questions give the same
/// ranked facts, before and after a file changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neo4j_and_sled_give_the_same_answers() {
    let _one = SERIAL.lock().await;
    let g = raw().await;
    wipe(&g).await;
    let dir = pack_dir();
    let knowledge = dir.path().join("knowledge");
    let data = tempfile::tempdir().expect("temp dir");
    let sled_db = herald::data::open_data(&data.path().join("a")).expect("data");
    let neo_db = herald::data::open_data(&data.path().join("b")).expect("data");
    let (sled, _) = SledKnowledge::open(&sled_db, knowledge.clone()).expect("sled store");
    let neo = neo4j_store(&neo_db, &knowledge, &options()).await;
    assert!(neo.reachable() && !neo.sync_pending());
    assert_eq!(
        count(&g, "MATCH (e:Entity) RETURN count(e) AS n").await,
        sled.snapshot().stats(0).entities as i64,
        "synced on open"
    );
    let context = ["huila".to_string()];
    for ctx in [&[][..], &context[..]] {
        let a = retrievals(&sled, ctx);
        let b = retrievals(&neo, ctx);
        assert_eq!(a, b, "context {ctx:?}");
    }
    assert!(
        retrievals(&neo, &[])
            .iter()
            .any(|r| r.facts.iter().any(|f| f.via == "neighbour")),
        "some answers use the graph's neighbourhood"
    );
    assert_eq!(
        neo.fallbacks(),
        0,
        "every neighbourhood came from the database"
    );

    // Edit, reload both: still the same, and the database has the edit.
    let products = knowledge.join("products.toml");
    let text = std::fs::read_to_string(&products).expect("read");
    std::fs::write(&products, text.replace("16.00 USD", "17.25 USD")).expect("write");
    sled.reload().expect("sled reload");
    let neo = tokio::task::spawn_blocking(move || {
        neo.reload().expect("neo4j reload");
        neo
    })
    .await
    .expect("reload task");
    assert_eq!(retrievals(&sled, &[]), retrievals(&neo, &[]));
    assert!(retrievals(&neo, &[])[0].facts[0].text.contains("17.25"));

    let mut rows = g
        .execute(query(
            "MATCH (e:Entity {id: 'huila'}) RETURN e.attrs AS attrs",
        ))
        .await
        .expect("query");
    let attrs: String = rows
        .next()
        .await
        .expect("row")
        .expect("huila")
        .get("attrs")
        .expect("attrs");
    assert!(attrs.contains("17.25"), "{attrs}");

    // The neighbourhood really is the database's: without the relation there, the
    // workshop's address (a neighbour's fact) is no longer found through it.
    g.run(query(
        "MATCH (:Entity {id: 'latte-art-workshop'})-[r:HELD_AT]->() DELETE r",
    ))
    .await
    .expect("delete the relation");
    let q = "what is the address of the latte art workshop?";
    let local = sled
        .retrieve(q, &[], &RetrieveOptions::default())
        .expect("sled");
    let remote = neo
        .retrieve(q, &[], &RetrieveOptions::default())
        .expect("neo4j");
    assert!(local.facts.iter().any(|f| f.via == "neighbour"));
    assert!(
        !remote.facts.iter().any(|f| f.via == "neighbour"),
        "{remote:?}"
    );

    // Delete a file, reload both: still the same, and its nodes are gone from the database.
    std::fs::remove_file(knowledge.join("events.toml")).expect("remove");
    sled.reload().expect("sled reload");
    let neo = tokio::task::spawn_blocking(move || {
        neo.reload().expect("neo4j reload");
        neo
    })
    .await
    .expect("reload task");
    assert_eq!(retrievals(&sled, &[]), retrievals(&neo, &[]));
    assert_eq!(
        count(
            &g,
            "MATCH (e:Entity {id: 'latte-art-workshop'}) RETURN count(e) AS n"
        )
        .await,
        0
    );
}

/// The database goes away while the bot answers: the same answers come from the local copy
/// within the deadline, the miss is counted; it comes back: the pending sync completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_continue_from_the_local_copy_while_the_database_is_away() {
    let _one = SERIAL.lock().await;
    let g = raw().await;
    wipe(&g).await;
    let proxy = support::tcp_proxy::CutProxy::start(options().uri).await;
    let via_proxy = Neo4jOptions {
        uri: proxy.addr.to_string(),
        ..options()
    };
    let dir = pack_dir();
    let knowledge = dir.path().join("knowledge");
    let data = tempfile::tempdir().expect("temp dir");
    let db = herald::data::open_data(data.path()).expect("data");
    let neo = Arc::new(neo4j_store(&db, &knowledge, &via_proxy).await);
    let before = retrievals(neo.as_ref(), &[]);
    assert_eq!(neo.fallbacks(), 0);

    proxy.cut();
    let started = std::time::Instant::now();
    let during = retrievals(neo.as_ref(), &[]);
    assert_eq!(before, during, "the same answers from the local copy");
    assert!(neo.fallbacks() > 0);
    assert!(!neo.reachable());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(12),
        "each question waits at most the 1.5 s deadline: {:?}",
        started.elapsed()
    );

    // An edit while it is away: served locally at once, synced when it is back.
    let products = knowledge.join("products.toml");
    let text = std::fs::read_to_string(&products).expect("read");
    std::fs::write(
        &products,
        text.replace("Colombia Huila", "Colombia Huila Lot 7"),
    )
    .expect("write");
    let neo2 = neo.clone();
    tokio::task::spawn_blocking(move || neo2.reload().expect("local reload works"))
        .await
        .expect("reload task");
    assert!(neo.sync_pending());
    assert_eq!(
        name_of(&g, "huila").await.as_deref(),
        Some("Colombia Huila")
    );

    proxy.restore();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while neo.sync_pending() {
        assert!(
            std::time::Instant::now() < deadline,
            "the sync did not resume within 60 s of the database coming back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        name_of(&g, "huila").await.as_deref(),
        Some("Colombia Huila Lot 7")
    );
    let fallbacks = neo.fallbacks();
    retrievals(neo.as_ref(), &[]);
    assert_eq!(neo.fallbacks(), fallbacks, "the database answers again");
}

/// `herald ask` with `knowledge.backend = "neo4j"`: synced on start, answered with the fact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_ask_answers_with_the_neo4j_backend() {
    let _one = SERIAL.lock().await;
    let g = raw().await;
    wipe(&g).await;
    let dir = pack_dir();
    let o = options();
    let config = dir.path().join("herald.toml");
    std::fs::write(
        &config,
        format!(
            "[knowledge]\nbackend = \"neo4j\"\n[neo4j]\nuri = \"{}\"\nuser = \"root\"\ndatabase = \"{}\"\n",
            o.uri, o.database
        ),
    )
    .expect("config");
    let out = support::herald()
        .arg("--config")
        .arg(&config)
        .arg("--knowledge")
        .arg(dir.path().join("knowledge"))
        .arg("--data")
        .arg(dir.path().join("db"))
        .arg("--model")
        .arg(support::model_path())
        .args(["ask", "--json", "how much is the huila?"])
        .env("HERALD_NEO4J_PASSWORD", &o.password)
        .output()
        .expect("herald runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reply: Value = serde_json::from_slice(&out.stdout).expect("JSON reply");
    assert!(
        reply["reply"].as_str().unwrap_or("").contains("16.00"),
        "{reply}"
    );
    assert!(count(&g, "MATCH (e:Entity) RETURN count(e) AS n").await > 0);

    // A backend nobody knows is refused by name.
    std::fs::write(&config, "[knowledge]\nbackend = \"mongo\"\n").expect("config");
    let out = support::herald()
        .arg("--config")
        .arg(&config)
        .args(["ask", "hi"])
        .output()
        .expect("herald runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("mongo"));
}
