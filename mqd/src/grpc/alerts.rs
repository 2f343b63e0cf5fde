//! Conversions for the alert calls of `mq.v1.Admin`.

use mq::proto::{Alert as ProtoAlert, AlertRule, AlertState as ProtoState};

use crate::alerts::rules::{format_duration, Rule, RuleText};
use crate::alerts::{Alert, AlertState};

pub fn alert(a: Alert) -> ProtoAlert {
    ProtoAlert {
        id: a.id,
        rule: a.rule,
        severity: a.severity.name().to_string(),
        subject: a.subject,
        state: state(a.state) as i32,
        since_ms: a.since_ms,
        value: a.value,
        threshold: a.threshold,
        message: a.message,
        ack_note: a.ack_note,
        fired_ms: a.fired_ms,
    }
}

pub fn state(s: AlertState) -> ProtoState {
    match s {
        AlertState::Pending => ProtoState::Pending,
        AlertState::Firing => ProtoState::Firing,
        AlertState::Acknowledged => ProtoState::Acknowledged,
        AlertState::Resolved => ProtoState::Resolved,
    }
}

/// The domain state asked for; None for "all".
pub fn state_filter(s: i32) -> Option<AlertState> {
    match ProtoState::try_from(s) {
        Ok(ProtoState::Pending) => Some(AlertState::Pending),
        Ok(ProtoState::Firing) => Some(AlertState::Firing),
        Ok(ProtoState::Acknowledged) => Some(AlertState::Acknowledged),
        Ok(ProtoState::Resolved) => Some(AlertState::Resolved),
        _ => None,
    }
}

pub fn rule_to_proto(r: &Rule) -> AlertRule {
    AlertRule {
        name: r.name.clone(),
        metric: r.metric.name().to_string(),
        threshold: r.threshold,
        r#for: format_duration(r.for_),
        severity: r.severity.name().to_string(),
    }
}

pub fn rule_from_proto(r: &AlertRule) -> Result<Rule, String> {
    Rule::parse(RuleText {
        name: &r.name,
        metric: &r.metric,
        threshold: r.threshold,
        for_: &r.r#for,
        severity: &r.severity,
    })
}
