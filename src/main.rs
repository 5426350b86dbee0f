//! The `herald` binary: parse the command line, set up logging, run.

use clap::Parser;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use herald::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    // Long-running service: info; one-shot commands: only warnings, so stdout stays clean.
    let default = match cli.command {
        Command::Run => "info,llama-cpp-2=warn,llama_cpp_2=warn",
        _ => "warn,llama-cpp-2=error,llama_cpp_2=error",
    };
    let filter = EnvFilter::try_from_env("HERALD_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    // The log goes to stderr; its warnings and errors are also kept for the dashboard.
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(herald::metrics::recent::layer())
        .init();

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match runtime.block_on(herald::cli::main(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    // Model and sled threads are done; do not wait on the stdin reader thread.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    std::process::exit(code);
}
