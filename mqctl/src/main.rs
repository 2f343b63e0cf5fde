//! mqctl: the operator's scripting CLI for mq. One module per noun; each
//! verb prints a table for people or, with `-o json`, a stable document for
//! scripts, and exits with a code that says what happened (see `--help`).

mod alert;
mod apply;
mod bench;
mod cli;
mod cluster;
mod consume;
mod context;
mod error;
mod group;
mod output;
mod produce;
mod session;
mod stats;
mod topic;

use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};
use crate::error::CliError;
use crate::output::Printer;
use crate::session::Session;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let server = cli.global.server.clone().map(|s| {
        let source = match matches.value_source("server") {
            Some(ValueSource::EnvVariable) => "MQ_SERVER",
            _ => "--server",
        };
        (s, source)
    });
    let printer = Printer::new(cli.global.output, cli.global.quiet, cli.global.no_color);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&CliError::Other(format!("cannot start the runtime: {e}"))),
    };
    let result = runtime.block_on(run(cli, server, printer));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &CliError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(e.exit() as u8)
}

async fn run(cli: Cli, server: Option<(String, &str)>, out: Printer) -> error::Result<()> {
    let context = cli.global.context.as_deref();
    match cli.command {
        Command::Context(c) => context::run(c, &out),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "mqctl", &mut std::io::stdout());
            Ok(())
        }
        Command::Man { dir } => write_man_pages(&dir),
        command => {
            let target = context::resolve(server, context)?;
            let session = Session::new(target, cli.global.timeout, out);
            match command {
                Command::Topic(c) => topic::run(&session, c).await,
                Command::Produce(args) => produce::run(&session, args).await,
                Command::Consume(args) => consume::run(&session, args).await,
                Command::Group(c) => group::run(&session, c).await,
                Command::Bench(args) => bench::run(&session, args).await,
                Command::Alert(c) => alert::run(&session, c).await,
                Command::Cluster(c) => cluster::run(&session, c).await,
                Command::Broker(cli::BrokerCommand::SafeToStop { id }) => {
                    cluster::safe_to_stop(&session, id).await
                }
                Command::Broker(cli::BrokerCommand::SetLogLevel { level, dry_run }) => {
                    set_log_level(&session, &level, dry_run).await
                }
                Command::Stats { watch, interval } => stats::run(&session, watch, interval).await,
                Command::Diff { file, prune } => apply::diff(&session, &file, prune).await,
                Command::Apply {
                    file,
                    prune,
                    dry_run,
                } => apply::apply(&session, &file, prune, dry_run).await,
                Command::Context(_) | Command::Completions { .. } | Command::Man { .. } => Ok(()),
            }
        }
    }
}

async fn set_log_level(s: &Session, level: &str, dry_run: bool) -> error::Result<()> {
    if !dry_run {
        s.target.check_writable("broker set-log-level")?;
    }
    let client = s.client().await?;
    let request = mq::proto::SetLogLevelRequest {
        level: level.to_string(),
        dry_run,
    };
    let answer = s.rpc(client.admin_raw().set_log_level(request)).await?;
    let mut table = output::Table::new(["BEFORE", "AFTER"]);
    table.row([
        answer.previous.clone(),
        if answer.applied {
            answer.current.clone()
        } else {
            level.to_string()
        },
    ]);
    if !answer.applied {
        s.out.note("dry run: nothing changed");
    }
    s.out.emit(
        &table,
        &serde_json::json!({ "previous": answer.previous, "current": answer.current, "applied": answer.applied }),
    )
}

fn write_man_pages(dir: &std::path::Path) -> error::Result<()> {
    let fail =
        |e: std::io::Error| CliError::Other(format!("writing man pages to {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let cmd = Cli::command();
    write_page(dir, &cmd, "mqctl").map_err(fail)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("mqctl-{}", sub.get_name());
        write_page(dir, sub, &name).map_err(fail)?;
    }
    Ok(())
}

fn write_page(dir: &std::path::Path, cmd: &clap::Command, name: &str) -> std::io::Result<()> {
    let cmd = cmd.clone().name(name.to_string().leak() as &'static str);
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    std::fs::write(dir.join(format!("{name}.1")), buf)
}
