//! Colours carry meaning: green healthy, yellow needs a look, red broken.
//! Monochrome (`--mono` or NO_COLOR) keeps the meaning with bold and
//! reverse video, so nothing is told by colour alone.

use mq::proto::LagStatus;
use ratatui::style::{Color, Modifier, Style};

use crate::model::Health;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub mono: bool,
}

impl Theme {
    pub fn ok(self) -> Style {
        if self.mono {
            Style::default()
        } else {
            Style::default().fg(Color::Green)
        }
    }

    pub fn warn(self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(Color::Yellow)
        }
    }

    pub fn bad(self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
        }
    }

    pub fn dim(self) -> Style {
        Style::default().add_modifier(Modifier::DIM)
    }

    pub fn accent(self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(Color::Cyan)
        }
    }

    pub fn title(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn selected(self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD)
        }
    }

    pub fn banner(self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD)
        }
    }

    pub fn lag_status(self, s: LagStatus) -> Style {
        match s {
            LagStatus::Ok => self.ok(),
            LagStatus::Warning => self.warn(),
            LagStatus::Stalled | LagStatus::Stopped => self.bad(),
            LagStatus::Unspecified => Style::default(),
        }
    }

    pub fn health(self, h: Health) -> Style {
        match h {
            Health::Ok => self.ok(),
            Health::UnderReplicated => self.warn(),
            Health::Offline => self.bad(),
        }
    }

    pub fn severity(self, severity: &str) -> Style {
        match severity {
            "critical" => self.bad(),
            "warning" => self.warn(),
            _ => Style::default(),
        }
    }

    /// Style for a count that is bad when non-zero.
    pub fn count(self, n: usize, bad: Style) -> Style {
        if n == 0 {
            self.ok()
        } else {
            bad
        }
    }
}
