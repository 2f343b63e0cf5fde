//! mqtop's flags. `--server`, `--context` and their environment variables
//! mean what they mean in mqctl (the contexts file is shared).

use std::time::Duration;

use clap::Parser;

use crate::ui_state::ViewId;

/// The live terminal dashboard of an mq cluster: backlog, consumer lag,
/// replica health and alerts. Press ? inside for every key.
#[derive(Debug, Parser)]
#[command(name = "mqtop", version)]
pub struct Cli {
    /// Broker address, or a comma-separated bootstrap list [default: the
    /// context's, else http://127.0.0.1:7420]
    #[arg(long, env = "MQ_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Named context from the contexts file (see `mqctl context`)
    #[arg(long, env = "MQ_CONTEXT", value_name = "NAME")]
    pub context: Option<String>,
    /// Seconds between updates (0.2 to 60)
    #[arg(long, value_name = "SECONDS", default_value = "1", value_parser = parse_interval)]
    pub interval: Duration,
    /// Open on this view: overview, topics, groups, partitions, brokers,
    /// alerts (or its number) [default: the view open at the last quit]
    #[arg(long, value_name = "VIEW", value_parser = parse_view)]
    pub view: Option<ViewId>,
    /// No colours; meaning is kept with bold and reverse video (also when
    /// NO_COLOR is set)
    #[arg(long)]
    pub mono: bool,
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds; try 1 or 0.5"))?;
    if !(0.2..=60.0).contains(&secs) {
        return Err(format!(
            "{secs} s is outside 0.2..=60 (the broker's Watch limits)"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn parse_view(s: &str) -> Result<ViewId, String> {
    ViewId::parse(s).ok_or_else(|| {
        format!("no view {s:?}; choose overview, topics, groups, partitions, brokers or alerts")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// contrib/man/mqtop.1 is what the .deb installs;
    /// `UPDATE_MAN=1 cargo test -p mqtop man_page` rewrites it.
    #[test]
    fn man_page_in_the_repository_is_current() {
        use clap::CommandFactory;
        let path =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../contrib/man/mqtop.1");
        let mut rendered = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut rendered)
            .expect("render");
        if std::env::var_os("UPDATE_MAN").is_some() {
            std::fs::write(&path, &rendered).expect("write");
        }
        let stored = std::fs::read(&path).unwrap_or_default();
        assert!(
            stored == rendered,
            "{} is out of date; run UPDATE_MAN=1 cargo test -p mqtop man_page",
            path.display()
        );
    }

    #[test]
    fn flags_are_validated_with_a_way_out() {
        assert_eq!(parse_interval("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_interval("0.1").unwrap_err().contains("0.2..=60"));
        assert!(parse_interval("soon").unwrap_err().contains("try 1"));
        assert_eq!(parse_view("Groups"), Ok(ViewId::Groups));
        assert!(parse_view("lag").unwrap_err().contains("choose"));
        let cli = Cli::try_parse_from(["mqtop", "--view", "4", "--interval", "2"]).expect("parse");
        assert_eq!(cli.view, Some(ViewId::Partitions));
        assert_eq!(cli.interval, Duration::from_secs(2));
    }
}
