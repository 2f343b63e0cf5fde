use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use mqtop::app::App;
use mqtop::cli::Cli;
use mqtop::ui_state::{self, Settings};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mqtop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let server = cli.server.clone().map(|s| {
        let origin = if std::env::var("MQ_SERVER").ok().as_deref() == Some(s.as_str()) {
            "MQ_SERVER"
        } else {
            "--server"
        };
        (s, origin)
    });
    let target = mq::contexts::resolve(server, cli.context.as_deref())?;
    // A mistyped address is refused now; an unreachable one is retried.
    mq::Client::check_servers(&target.address)
        .map_err(|e| anyhow::anyhow!("{e} (from {})", target.source))?;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!("stdout is not a terminal; mqtop is interactive (for scripts use `mqctl stats --watch -o json`)");
    }
    let path = ui_state::path();
    let (mut settings, problem) = Settings::load(&path);
    if let Some(view) = cli.view {
        settings.view = view;
    }
    // A context's name says more than its address (the Brokers view
    // shows addresses).
    let label = target
        .context
        .clone()
        .unwrap_or_else(|| target.address.clone());
    let mut app = App::new(label, cli.interval, settings, mq::record::now_ms());
    app.mono = cli.mono || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    app.read_only_context = target.read_only_context.clone();
    app.message = problem.map(|p| (p, app.now_ms));
    let app = mqtop::run::run(app, target.address.clone()).await?;
    if let Err(e) = app.settings.save(&path) {
        eprintln!(
            "mqtop: could not keep the view settings in {}: {e}",
            path.display()
        );
    }
    Ok(())
}
