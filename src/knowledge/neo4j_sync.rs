//! Pushing the knowledge folder into a Bolt graph database (Neo4j, Aura, ArcadeDB…) with
//! neo4rs: idempotent (a file whose content hash the database already holds is not
//! touched), incremental (only changed files' entities, relations and passages are
//! rewritten; removed files' are deleted), and all in one transaction, so a failure leaves
//! the previous graph as it was.
//!
//! Graph shape: `(:Entity:<Kind> {id, name, kind, aliases, summary, attrs, file, line})`,
//! typed relations `(a)-[:<REL> {file, line, attrs}]->(b)`, `(:Passage {key, title, body,
//! about, file, line})`, and one `(:KbFile {path, hash})` per file. Values always travel as
//! Cypher parameters; labels and relation types cannot be parameters, so they are built only
//! by [`quoted_name`]: plain names as they are, any other name between backticks with
//! backticks doubled. Relations keep the pack's name as the `name` property.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use neo4rs::{query, BoltType, ConfigBuilder, Graph as Bolt, Query, Txn};

use super::error::KnowledgeError;
use super::load::ContentHash;
use super::model::{Attr, FileKnowledge};

/// How long the first query may take before the server counts as unreachable.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Where the graph database is.
#[derive(Clone, Debug)]
pub struct Neo4jOptions {
    /// `host:port` or `bolt://host:port` / `neo4j://host:port`.
    pub uri: String,
    pub user: String,
    pub password: String,
    /// Database name; empty for the server's default.
    pub database: String,
    pub pool_size: usize,
}

/// What a sync changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncSummary {
    /// Files new to the database.
    pub created: usize,
    /// Files whose content changed.
    pub updated: usize,
    /// Files gone from the folder, removed from the database.
    pub deleted: usize,
    pub unchanged: usize,
    /// Entities, relations and passages written or deleted.
    pub writes: usize,
}

/// A failed call to the graph database, with its cause.
fn storage(e: impl std::error::Error + Send + Sync + 'static) -> KnowledgeError {
    KnowledgeError::GraphDb {
        doing: "a query failed".into(),
        source: Box::new(e),
    }
}

/// A label or relation type Cypher can carry unquoted: ASCII letters, digits and `_`.
pub fn cypher_name(s: &str) -> Option<&str> {
    let mut chars = s.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(s)
}

/// Any non-empty name as a Cypher identifier: plain names as they are, anything else (spaces,
/// Chinese, punctuation) between backticks with backticks doubled — the one way names enter a
/// query text, so no name can end the identifier early. `None` for a name that is empty or
/// holds control characters (no pack that `kb check` accepts has one).
pub fn quoted_name(s: &str) -> Option<String> {
    if s.trim().is_empty() || s.chars().any(char::is_control) {
        return None;
    }
    Some(match cypher_name(s) {
        Some(plain) => plain.to_string(),
        None => format!("`{}`", s.replace('`', "``")),
    })
}

/// The label of an entity kind: `product` → `Product` (the conventional spelling), any other
/// kind as written (`咖啡豆`, `` `coffee shop` ``). The kind is also kept as a property.
fn label(kind: &str) -> Option<String> {
    if let Some(plain) = cypher_name(kind) {
        let mut out = plain[..1].to_ascii_uppercase();
        out.push_str(&plain[1..]);
        return Some(out);
    }
    quoted_name(kind)
}

/// The relationship type of a relation name: `origin` → `ORIGIN` (the conventional
/// spelling), any other name as written (`` `contains beans from` ``, `位于`). The name as
/// the pack writes it is also kept on the relationship as `name`.
fn relation_type(rel: &str) -> Option<String> {
    match cypher_name(rel) {
        Some(plain) => Some(plain.to_ascii_uppercase()),
        None => quoted_name(rel),
    }
}

fn attrs_json(attrs: &[Attr]) -> String {
    let map: BTreeMap<&str, (&str, usize)> = attrs
        .iter()
        .map(|a| (a.key.as_str(), (a.value.as_str(), a.source.line)))
        .collect();
    serde_json::to_string(&map).unwrap_or_default()
}

fn row(pairs: Vec<(&str, BoltType)>) -> HashMap<String, BoltType> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A connection to the graph database and the sync logic.
pub struct Neo4jSync {
    bolt: Bolt,
}

impl Neo4jSync {
    /// A client that connects on first use (the server may be down now and up later).
    pub async fn lazy(opts: &Neo4jOptions) -> Result<Neo4jSync, KnowledgeError> {
        let mut config = ConfigBuilder::default()
            .uri(opts.uri.as_str())
            .user(opts.user.as_str())
            .password(opts.password.as_str())
            .max_connections(opts.pool_size.max(1));
        if !opts.database.is_empty() {
            config = config.db(opts.database.as_str());
        }
        let config = config.build().map_err(storage)?;
        let bolt = Bolt::connect(config)
            .await
            .map_err(|e| KnowledgeError::GraphDb {
                doing: format!(
                    "cannot reach the graph database at {} as {:?}",
                    opts.uri, opts.user
                ),
                source: Box::new(e),
            })?;
        Ok(Neo4jSync { bolt })
    }

    /// A client checked with one query, so a wrong address or password shows at once.
    pub async fn connect(opts: &Neo4jOptions) -> Result<Neo4jSync, KnowledgeError> {
        let sync = Neo4jSync::lazy(opts).await?;
        // neo4rs connects lazily and retries an unreachable server for about a minute: ask
        // something now, briefly, so a wrong address or password shows at once.
        match tokio::time::timeout(
            PROBE_TIMEOUT,
            sync.count("MATCH (f:KbFile) RETURN count(f) AS n"),
        )
        .await
        {
            Ok(Ok(_)) => Ok(sync),
            Ok(Err(e)) => Err(KnowledgeError::GraphDb {
                doing: format!("the graph database at {} refused or failed", opts.uri),
                source: Box::new(e),
            }),
            Err(_) => Err(KnowledgeError::Graph(format!(
                "no answer from the graph database at {} within {} s (is it running? check [neo4j] uri)",
                opts.uri,
                PROBE_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Run a `RETURN count(...) AS n` query.
    pub async fn count(&self, cypher: &str) -> Result<i64, KnowledgeError> {
        let mut rows = self.bolt.execute(query(cypher)).await.map_err(storage)?;
        match rows.next().await.map_err(storage)? {
            Some(row) => row.get::<i64>("n").map_err(storage),
            None => Ok(0),
        }
    }

    /// Lookups by id and path must not scan the graph (a 100k-entity pack makes 500k
    /// relation lookups). Index creation is not transactional, so it runs before the sync.
    async fn ensure_indexes(&self) -> Result<(), KnowledgeError> {
        for cypher in [
            "CREATE INDEX herald_entity_id IF NOT EXISTS FOR (e:Entity) ON (e.id)",
            "CREATE INDEX herald_kbfile_path IF NOT EXISTS FOR (f:KbFile) ON (f.path)",
        ] {
            self.bolt.run(query(cypher)).await.map_err(storage)?;
        }
        Ok(())
    }

    /// The ids one relation away (either direction) from each of `ids`.
    pub async fn neighbours(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<String>>, KnowledgeError> {
        let mut rows = self
            .bolt
            .execute(
                query(
                    "MATCH (e:Entity)-[]-(o:Entity) WHERE e.id IN $ids \
                     RETURN e.id AS id, o.id AS other",
                )
                .param("ids", ids.to_vec()),
            )
            .await
            .map_err(storage)?;
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        while let Some(row) = rows.next().await.map_err(storage)? {
            if let (Ok(id), Ok(other)) = (row.get::<String>("id"), row.get::<String>("other")) {
                out.entry(id).or_default().push(other);
            }
        }
        Ok(out)
    }

    /// path → content hash (hex) of the files the database holds.
    async fn stored_files(&self) -> Result<HashMap<String, String>, KnowledgeError> {
        let mut rows = self
            .bolt
            .execute(query(
                "MATCH (f:KbFile) RETURN f.path AS path, f.hash AS hash",
            ))
            .await
            .map_err(storage)?;
        let mut out = HashMap::new();
        while let Some(row) = rows.next().await.map_err(storage)? {
            if let (Ok(p), Ok(h)) = (row.get::<String>("path"), row.get::<String>("hash")) {
                out.insert(p, h);
            }
        }
        Ok(out)
    }

    /// Make the database hold exactly `files`. `progress` is told (done, total) per file.
    pub async fn sync(
        &self,
        files: &BTreeMap<String, (ContentHash, Arc<FileKnowledge>)>,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<SyncSummary, KnowledgeError> {
        let stored = self.stored_files().await?;
        let mut summary = SyncSummary::default();
        let changed: Vec<(&String, String, &FileKnowledge)> = files
            .iter()
            .filter_map(|(path, (hash, k))| {
                let hex = hex(hash);
                match stored.get(path) {
                    Some(h) if *h == hex => {
                        summary.unchanged += 1;
                        None
                    }
                    Some(_) => {
                        summary.updated += 1;
                        Some((path, hex, k.as_ref()))
                    }
                    None => {
                        summary.created += 1;
                        Some((path, hex, k.as_ref()))
                    }
                }
            })
            .collect();
        let removed: Vec<&String> = stored.keys().filter(|p| !files.contains_key(*p)).collect();
        summary.deleted = removed.len();
        if changed.is_empty() && removed.is_empty() {
            return Ok(summary);
        }
        let total = changed.len() + removed.len();
        self.ensure_indexes().await?;
        let mut txn = self.bolt.start_txn().await.map_err(storage)?;
        let result = async {
            let mut writes = 0;
            for (i, path) in removed.iter().enumerate() {
                writes += remove_file(&mut txn, path).await?;
                progress(i + 1, total);
            }
            // Entities of every changed file first: a relation may point into another
            // changed file.
            for (path, _, k) in &changed {
                writes += write_entities(&mut txn, path, k).await?;
            }
            for (i, (path, hash, k)) in changed.iter().enumerate() {
                writes += write_relations_and_passages(&mut txn, path, k).await?;
                run(
                    &mut txn,
                    query("MERGE (f:KbFile {path: $path}) SET f.hash = $hash")
                        .param("path", path.as_str())
                        .param("hash", hash.as_str()),
                )
                .await?;
                progress(removed.len() + i + 1, total);
            }
            Ok::<usize, KnowledgeError>(writes)
        }
        .await;
        match result {
            Ok(writes) => {
                txn.commit().await.map_err(storage)?;
                summary.writes = writes;
                Ok(summary)
            }
            Err(e) => {
                let _ = txn.rollback().await;
                Err(e)
            }
        }
    }
}

fn hex(hash: &ContentHash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

async fn run(txn: &mut Txn, q: Query) -> Result<(), KnowledgeError> {
    txn.run(q).await.map_err(storage)
}

async fn remove_file(txn: &mut Txn, path: &str) -> Result<usize, KnowledgeError> {
    for cypher in [
        "MATCH ()-[r]->() WHERE r.file = $path DELETE r",
        "MATCH (e:Entity) WHERE e.file = $path DETACH DELETE e",
        "MATCH (p:Passage) WHERE p.file = $path DETACH DELETE p",
        "MATCH (f:KbFile) WHERE f.path = $path DELETE f",
    ] {
        run(txn, query(cypher).param("path", path)).await?;
    }
    Ok(1)
}

/// MERGE the file's entities by id (in place, so relations from other files survive), label
/// them by kind, and delete the ones the file no longer has.
async fn write_entities(
    txn: &mut Txn,
    path: &str,
    k: &FileKnowledge,
) -> Result<usize, KnowledgeError> {
    let ids: Vec<String> = k.entities.iter().map(|e| e.id.clone()).collect();
    run(
        txn,
        query("MATCH (e:Entity) WHERE e.file = $path AND NOT e.id IN $ids DETACH DELETE e")
            .param("path", path)
            .param("ids", ids),
    )
    .await?;
    let mut by_label: BTreeMap<Option<String>, Vec<HashMap<String, BoltType>>> = BTreeMap::new();
    for e in &k.entities {
        by_label.entry(label(&e.kind)).or_default().push(row(vec![
            ("id", e.id.clone().into()),
            ("name", e.name.clone().into()),
            ("kind", e.kind.clone().into()),
            ("aliases", e.aliases.clone().into()),
            ("summary", e.summary.clone().unwrap_or_default().into()),
            ("attrs", attrs_json(&e.attrs).into()),
            ("line", (e.source.line as i64).into()),
        ]));
    }
    for (label, rows) in by_label {
        let set_label = label.map(|l| format!(", e:{l}")).unwrap_or_default();
        let cypher = format!(
            "UNWIND $rows AS r MERGE (e:Entity {{id: r.id}}) \
             SET e.name = r.name, e.kind = r.kind, e.aliases = r.aliases, e.summary = r.summary, \
             e.attrs = r.attrs, e.file = $path, e.line = r.line{set_label}"
        );
        run(txn, query(&cypher).param("rows", rows).param("path", path)).await?;
    }
    Ok(k.entities.len())
}

async fn write_relations_and_passages(
    txn: &mut Txn,
    path: &str,
    k: &FileKnowledge,
) -> Result<usize, KnowledgeError> {
    run(
        txn,
        query("MATCH ()-[r]->() WHERE r.file = $path DELETE r").param("path", path),
    )
    .await?;
    let mut by_type: BTreeMap<String, Vec<HashMap<String, BoltType>>> = BTreeMap::new();
    for r in &k.relations {
        let Some(t) = relation_type(&r.rel) else {
            return Err(KnowledgeError::Graph(format!(
                "{}: relation type {:?} cannot be a graph relationship type (it is empty or holds control characters)",
                r.source, r.rel
            )));
        };
        by_type.entry(t).or_default().push(row(vec![
            ("from", r.from.clone().into()),
            ("to", r.to.clone().into()),
            ("name", r.rel.clone().into()),
            ("attrs", attrs_json(&r.attrs).into()),
            ("line", (r.source.line as i64).into()),
        ]));
    }
    for (t, rows) in by_type {
        let cypher = format!(
            "UNWIND $rows AS r MATCH (a:Entity {{id: r.from}}), (b:Entity {{id: r.to}}) \
             CREATE (a)-[:{t} {{name: r.name, file: $path, line: r.line, attrs: r.attrs}}]->(b)"
        );
        run(txn, query(&cypher).param("rows", rows).param("path", path)).await?;
    }
    run(
        txn,
        query("MATCH (p:Passage) WHERE p.file = $path DETACH DELETE p").param("path", path),
    )
    .await?;
    if !k.passages.is_empty() {
        let rows: Vec<HashMap<String, BoltType>> = k
            .passages
            .iter()
            .map(|p| {
                row(vec![
                    ("key", format!("{}:{}", p.source.file, p.source.line).into()),
                    ("title", p.title.clone().into()),
                    ("body", p.body.clone().into()),
                    ("about", p.about.clone().into()),
                    ("line", (p.source.line as i64).into()),
                ])
            })
            .collect();
        run(
            txn,
            query(
                "UNWIND $rows AS r CREATE (:Passage {key: r.key, title: r.title, body: r.body, \
                 about: r.about, file: $path, line: r.line})",
            )
            .param("rows", rows)
            .param("path", path),
        )
        .await?;
    }
    Ok(k.relations.len() + k.passages.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_enter_query_text_unquoted() {
        assert_eq!(cypher_name("sells"), Some("sells"));
        assert_eq!(cypher_name("part_of2"), Some("part_of2"));
        for bad in ["", "1x", "a b", "x`", "a]->(b) DETACH DELETE b //", "名字"] {
            assert_eq!(cypher_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn any_name_kb_check_accepts_becomes_one_quoted_identifier() {
        assert_eq!(label("product").as_deref(), Some("Product"));
        assert_eq!(relation_type("origin").as_deref(), Some("ORIGIN"));
        assert_eq!(
            relation_type("contains beans from").as_deref(),
            Some("`contains beans from`")
        );
        assert_eq!(relation_type("位于").as_deref(), Some("`位于`"));
        assert_eq!(label("coffee shop").as_deref(), Some("`coffee shop`"));
        assert_eq!(label("咖啡豆").as_deref(), Some("`咖啡豆`"));
        // A backtick cannot end the identifier: it is doubled.
        assert_eq!(
            relation_type("a`]->(b) DETACH DELETE b //").as_deref(),
            Some("`a``]->(b) DETACH DELETE b //`")
        );
        for bad in ["", "  ", "a\nb", "x\0"] {
            assert_eq!(relation_type(bad), None, "{bad:?}");
            assert_eq!(label(bad), None, "{bad:?}");
        }
    }
}
