//! mqd: flags -> config -> boot -> serve -> shutdown.

use std::process::ExitCode;

use clap::Parser;
use mqd::cli::{Cli, Command};
use mqd::config::DEFAULT_CONFIG;
use tokio_util::sync::CancellationToken;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::PrintDefaultConfig) => {
            print!("{DEFAULT_CONFIG}");
            return ExitCode::SUCCESS;
        }
        Some(Command::CheckConfig { file }) => {
            return match cli
                .resolve(file.as_ref())
                .and_then(|(c, origin)| c.validate(&origin))
            {
                Ok(_) => {
                    println!("config is valid");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("mqd: {e}");
                    ExitCode::from(2)
                }
            };
        }
        None => {}
    }
    let config = match cli
        .resolve(None)
        .and_then(|(c, origin)| c.validate(&origin))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mqd: {e}");
            return ExitCode::from(2);
        }
    };
    mqd::logging::init(&config.log_level, config.log_format);
    match run(cli, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, config: mqd::config::ValidConfig) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let shutdown = CancellationToken::new();
        tokio::spawn(watch_signals(shutdown.clone()));
        let (reloads, received) = tokio::sync::mpsc::channel(4);
        tokio::spawn(watch_hangups(cli, reloads));
        mqd::boot::run(config, shutdown, received).await?;
        Ok(())
    })
}

/// SIGHUP: read the config again (the same file, flags and environment as
/// at start) and hand it to the broker; a config that does not validate is
/// logged and changes nothing.
async fn watch_hangups(cli: Cli, reloads: tokio::sync::mpsc::Sender<mqd::config::ValidConfig>) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        tracing::error!("cannot install the SIGHUP handler; config reload is off");
        return;
    };
    while hup.recv().await.is_some() {
        tracing::info!("SIGHUP received: reloading the config");
        match cli
            .resolve(None)
            .and_then(|(c, origin)| c.validate(&origin))
        {
            Ok(config) => {
                if reloads.send(config).await.is_err() {
                    return;
                }
            }
            Err(e) => tracing::error!(error = %e, "config reload failed; the running config stays"),
        }
    }
}

/// First SIGTERM or SIGINT: graceful shutdown. A second: exit at once.
async fn watch_signals(shutdown: CancellationToken) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop mqd with SIGKILL");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = int.recv() => tracing::info!("SIGINT received"),
    }
    shutdown.cancel();
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::warn!("second signal: exiting now without a clean shutdown");
    std::process::exit(130);
}
