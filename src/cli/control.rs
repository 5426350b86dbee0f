//! The control socket: while `herald run` holds the data folder (sled locks it), admin
//! commands — `report`, `kb gaps`, `export-user`, `forget-user` — are answered by the running
//! process through a Unix socket in the data folder (`control.sock`, owner-only), one JSON
//! request line and one JSON answer line per connection. With no herald running the command
//! opens the folder itself, so both paths give the same output.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;

use super::admin::{execute, AdminOutput, AdminRequest, AdminStores};

/// The socket's name in the data folder.
pub const SOCKET: &str = "control.sock";

/// The longest request line taken (requests are a few hundred bytes).
const MAX_REQUEST: u64 = 64 * 1024;

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET)
}

/// Serve admin requests on `<data dir>/control.sock` until `stop`; the socket is removed
/// when serving ends. Any file already there is a leftover (this process holds the folder's
/// lock), so it is replaced.
pub async fn serve(
    data_dir: &Path,
    stores: AdminStores,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let path = socket_path(data_dir);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)
        .with_context(|| format!("cannot create the control socket {}", path.display()))?;
    restrict(&path)?;
    let stores = Arc::new(stores);
    tracing::info!(socket = %path.display(), "admin commands are served on the control socket");
    Ok(tokio::spawn(async move {
        loop {
            let conn = tokio::select! {
                c = listener.accept() => c,
                _ = stop.wait_for(|s| *s) => break,
            };
            match conn {
                Ok((stream, _)) => {
                    tokio::spawn(answer(stream, stores.clone()));
                }
                Err(e) => tracing::warn!(error = %e, "control socket: accept failed"),
            }
        }
        let _ = std::fs::remove_file(&path);
    }))
}

/// Owner-only: the socket can erase members and read everything stored.
fn restrict(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {} to its owner", path.display()))?;
    }
    Ok(())
}

async fn answer(stream: UnixStream, stores: Arc<AdminStores>) {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let read = BufReader::new(read.take(MAX_REQUEST))
        .read_line(&mut line)
        .await;
    let output = match read.map(|_| serde_json::from_str::<AdminRequest>(line.trim())) {
        Ok(Ok(req)) => {
            tracing::info!(?req, "admin command through the control socket");
            tokio::task::spawn_blocking(move || execute(&req, &stores))
                .await
                .unwrap_or_else(|e| AdminOutput::failed(format!("the command failed: {e}")))
        }
        Ok(Err(e)) => AdminOutput {
            exit: 2,
            stderr: format!("error: not an admin request: {e}\n"),
            ..AdminOutput::default()
        },
        Err(e) => AdminOutput::failed(format!("could not read the request: {e}")),
    };
    let mut body = serde_json::to_vec(&output).unwrap_or_default();
    body.push(b'\n');
    if let Err(e) = write.write_all(&body).await {
        tracing::warn!(error = %e, "control socket: the answer could not be written");
    }
}

/// Ask the herald running on `data_dir`; `None` when none answers there (no socket, or a
/// socket left by a process that is gone).
pub async fn ask(data_dir: &Path, req: &AdminRequest) -> Option<anyhow::Result<AdminOutput>> {
    let path = socket_path(data_dir);
    let stream = UnixStream::connect(&path).await.ok()?;
    Some(exchange(stream, req).await.with_context(|| {
        format!(
            "the running herald did not answer on {} (see its log)",
            path.display()
        )
    }))
}

async fn exchange(mut stream: UnixStream, req: &AdminRequest) -> anyhow::Result<AdminOutput> {
    let mut line = serde_json::to_vec(req)?;
    line.push(b'\n');
    stream.write_all(&line).await?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).await?;
    Ok(serde_json::from_str(answer.trim())?)
}

/// Run an admin command: through the running herald when there is one, else on the folder.
pub async fn run_admin(
    config: &crate::config::Config,
    req: AdminRequest,
) -> anyhow::Result<AdminOutput> {
    if let Some(answer) = ask(&config.data.dir, &req).await {
        return answer;
    }
    let stores = AdminStores::open(config)?;
    Ok(tokio::task::spawn_blocking(move || execute(&req, &stores)).await?)
}
