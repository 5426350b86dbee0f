//! herald's HTTP API for a benchmark: a bot served on a loopback port.

use herald::config::HttpConfig;
use herald::http::{router, HttpState};
use herald::App;

/// Serve `app` on a loopback port with no rate limit; returns the API base (`…/v1`).
pub async fn serve(app: &App) -> String {
    let config = HttpConfig {
        rate_per_minute: 0,
        ..HttpConfig::default()
    };
    let app = router(
        HttpState::new(app.http_parts(), &config),
        config.max_body_bytes,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/v1")
}
