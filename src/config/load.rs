//! Loading the config: the file (`--config`, else `HERALD_CONFIG`, else `./config.toml`) and
//! the environment's secrets — each `HERALD_<NAME>` also as `HERALD_<NAME>_FILE`, the path of a
//! file holding it (systemd credentials, Docker and Kubernetes secrets), so a token never
//! has to sit in the config file or in a unit's environment.

use std::path::{Path, PathBuf};

use super::{Config, ConfigError};

/// The config file `HERALD_CONFIG` names, when set and not empty.
fn config_path() -> Option<PathBuf> {
    std::env::var_os("HERALD_CONFIG")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// The secret `name` from `<name>_FILE` (the file's content, trimmed) or `<name>`; `None`
/// when neither is set or it is empty. A `_FILE` that cannot be read is an error: starting
/// without the secret would fail later and less clearly.
fn secret(name: &str) -> Result<Option<String>, ConfigError> {
    let file_var = format!("{name}_FILE");
    if let Some(path) = std::env::var_os(&file_var).filter(|p| !p.is_empty()) {
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::SecretFile {
            var: file_var,
            path: PathBuf::from(&path).display().to_string(),
            source,
        })?;
        let value = text.trim().to_string();
        return Ok((!value.is_empty()).then_some(value));
    }
    Ok(std::env::var(name).ok().filter(|v| !v.is_empty()))
}

impl Config {
    /// Read `path`, else the file `HERALD_CONFIG` names, else `config.toml` in the working
    /// folder when it exists, else defaults; then apply the environment's secrets.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let from_env = config_path();
        let (path, required) = match (path, from_env) {
            (Some(p), _) => (p.to_path_buf(), true),
            (None, Some(p)) => (p, true),
            (None, None) => (PathBuf::from("config.toml"), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Config::default().with_env()
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        Config::parse(&path.display().to_string(), &text).and_then(Config::with_env)
    }

    /// Apply the environment's secrets over the file's values.
    pub(super) fn with_env(mut self) -> Result<Config, ConfigError> {
        if let Some(key) = secret("HERALD_MEMBER_KEY")? {
            self.engagement.member_key = key;
        }
        if let Some(key) = secret("HERALD_LLM_API_KEY")? {
            self.llm.api_key = key;
        }
        if let (Some(h), Some(keys)) = (&mut self.http, secret("HERALD_HTTP_KEYS")?) {
            let keys = key_list(&keys);
            if !keys.is_empty() {
                h.keys = keys;
            }
        }
        if let Some(keys) = secret("HERALD_DASHBOARD_KEYS")? {
            let keys = key_list(&keys);
            if !keys.is_empty() {
                self.dashboard.keys = keys;
            }
        }
        if let (Some(n), Some(p)) = (&mut self.neo4j, secret("HERALD_NEO4J_PASSWORD")?) {
            n.password = p;
        }
        if let (Some(d), Some(token)) = (&mut self.discord, secret("HERALD_DISCORD_TOKEN")?) {
            d.token = token;
        }
        if let Some(t) = &mut self.telegram {
            if let Some(token) = secret("HERALD_TELEGRAM_TOKEN")? {
                t.token = token;
            }
            if let (Some(w), Some(s)) = (&mut t.webhook, secret("HERALD_TELEGRAM_WEBHOOK_SECRET")?)
            {
                w.secret_token = s;
            }
        }
        Ok(self)
    }
}

/// Keys given as one value: separated by commas or lines, blanks dropped.
fn key_list(value: &str) -> Vec<String> {
    value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(String::from)
        .collect()
}
