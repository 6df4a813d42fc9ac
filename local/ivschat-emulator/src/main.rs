//! `ivschat-emulator`: serve the IVS Chat control-plane API and messaging WebSocket locally.

use std::io::Write;
use std::process::ExitCode;

use ivschat_emulator::EmulatorBuilder;
use ivschat_emulator::cli::{self, CliCommand, USAGE};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let config = match cli::parse(std::env::args().skip(1)) {
        Ok(CliCommand::Run(config)) => *config,
        Ok(CliCommand::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(CliCommand::Version) => {
            println!("ivschat-emulator {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let emulator = match EmulatorBuilder::from_config(config).start().await {
            Ok(emulator) => emulator,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        let mut stdout = std::io::stdout();
        // One write, so a reader that stops after the first line still sees both.
        let lines = format!(
            "listening on {}\nmessaging on {}\n",
            emulator.url(),
            emulator.messaging_url()
        );
        if stdout
            .write_all(lines.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
        wait_for_stop_signal().await;
        tracing::info!("stopping");
        emulator.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn wait_for_stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
