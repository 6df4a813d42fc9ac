//! Automatic escalation for repeat offenders, off the review hot path.
//!
//! The review handler writes one JSON log line per decision. A CloudWatch Logs subscription
//! filter on its log group sends the denials here (gzipped and base64-encoded, as CloudWatch
//! Logs delivers them; [`aws_lambda_events::cloudwatch_logs::LogsEvent`]). For each denial this
//! function counts a **strike** for the sender in that room (an atomic, windowed counter in the
//! state table); when the strikes reach [`EscalationConfig::strikes`] within
//! [`EscalationConfig::window`], it takes the next step of the **ladder** (by default a 10-minute
//! timeout, then 24 hours, then a ban), counting steps within [`EscalationConfig::memory`]
//! (default one day). Each step writes a ban (banned by `escalation`), disconnects the user,
//! announces it to the room with SendEvent ([`EscalationConfig::event_name`]) and writes an
//! audit line.
//!
//! Duplicate deliveries are harmless: a denial's message id is claimed once (a nonce in the
//! state table) before it counts. Denials of banned senders (`rules` `ban…`) are not strikes.

#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::cloudwatch_logs::LogsEvent;
use function_startup::{ConfigError, ConfigReader, ConfigSource, ProcessEnv};
use ivschat_api::model::{DisconnectUserRequest, SendEventRequest};
use ivschat_api::{PacedChatClient, RoomArn};
use serde_json::Value;
use toolkit_state::{
    BanPrecondition, BanScope, BanWrite, Counter, NewBan, NonceClaim, StateError, StateTable,
};

/// The state table scope of denials already counted (their message ids).
pub const COUNTED_SCOPE: &str = "escalation";
/// Who escalation bans are recorded as.
pub const ACTOR: &str = "escalation";

/// One rung of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A timeout of this long.
    Timeout(Duration),
    /// A ban until lifted.
    Ban,
}

/// What the function reads at cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationConfig {
    /// The state table (`STATE_TABLE_NAME`, required).
    pub state_table_name: String,
    /// Region of the rooms (`AWS_REGION`).
    pub region: String,
    /// Account of the rooms (`AWS_ACCOUNT_ID`).
    pub account: String,
    /// Denials that make a step (`ESCALATION_STRIKES`, default 3, 1–100).
    pub strikes: u64,
    /// The window they must fall in (`ESCALATION_WINDOW_SECONDS`, default 300, 10–86400).
    pub window: Duration,
    /// The ladder (`ESCALATION_LADDER`, default `600,86400,ban`: comma-separated timeouts in
    /// seconds, 1–1209600, optionally ending in `ban`; the last rung repeats).
    pub ladder: Vec<Step>,
    /// How long steps taken are remembered (`ESCALATION_MEMORY_SECONDS`, default 86400,
    /// 60–2592000): a step within it climbs the ladder, after it the ladder starts again.
    pub memory: Duration,
    /// The SendEvent name announcing a step (`ESCALATION_EVENT_NAME`, default
    /// `app:moderation`; never `aws:…`).
    pub event_name: String,
}

impl std::fmt::Display for EscalationConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} strikes in {} s, ladder of {} steps, memory {} s",
            self.strikes,
            self.window.as_secs(),
            self.ladder.len(),
            self.memory.as_secs()
        )
    }
}

/// Longest timeout a ladder may hold: the toolkit's one limit, 14 days, as the moderation API.
pub use toolkit_state::MAX_TIMEOUT_SECONDS;

fn seconds_setting(
    config: &ConfigReader<'_>,
    name: &str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<u64, ConfigError> {
    let value = config.integer_in_range(name, default, min, max)?;
    u64::try_from(value).map_err(|_| ConfigError::new(name, "must be positive"))
}

/// Parses a ladder: comma-separated timeouts in seconds (1 to 14 days), optionally ending in
/// `ban`. Fails naming `variable` and the rule.
pub fn parse_ladder(variable: &str, text: &str) -> Result<Vec<Step>, ConfigError> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let mut ladder = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        if part.eq_ignore_ascii_case("ban") {
            if i + 1 != parts.len() {
                return Err(ConfigError::new(
                    variable,
                    "`ban` may only be the last step",
                ));
            }
            ladder.push(Step::Ban);
            continue;
        }
        let seconds: u64 = part.parse().map_err(|_| {
            ConfigError::new(
                variable,
                format!(
                    "step {}: must be seconds (1 to {MAX_TIMEOUT_SECONDS}) or `ban`",
                    i + 1
                ),
            )
        })?;
        if !(1..=MAX_TIMEOUT_SECONDS).contains(&seconds) {
            return Err(ConfigError::new(
                variable,
                format!(
                    "step {}: a timeout must be 1 to {MAX_TIMEOUT_SECONDS} seconds",
                    i + 1
                ),
            ));
        }
        ladder.push(Step::Timeout(Duration::from_secs(seconds)));
    }
    Ok(ladder)
}

impl EscalationConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    /// Reads `source` (see the fields for variables, defaults and rules).
    pub fn from_source(source: &dyn ConfigSource) -> Result<Self, ConfigError> {
        let config = ConfigReader::new(source);
        let state_table_name = StateTable::name_from_config(&config)?.ok_or_else(|| {
            ConfigError::new(
                toolkit_state::TABLE_NAME_VARIABLE,
                "is required: strikes and bans are kept there",
            )
        })?;
        let ladder = parse_ladder(
            "ESCALATION_LADDER",
            &config
                .optional("ESCALATION_LADDER")
                .unwrap_or_else(|| "600,86400,ban".to_owned()),
        )?;
        let event_name = config
            .optional("ESCALATION_EVENT_NAME")
            .unwrap_or_else(|| "app:moderation".to_owned());
        if event_name.to_ascii_lowercase().starts_with("aws:")
            || ivschat_api::validate::event_name("ESCALATION_EVENT_NAME", &event_name).is_err()
        {
            return Err(ConfigError::new(
                "ESCALATION_EVENT_NAME",
                "must be 1 to 100 characters and not start with aws:",
            ));
        }
        Ok(Self {
            state_table_name,
            region: config.aws_region()?,
            account: config.aws_account_id()?,
            strikes: seconds_setting(&config, "ESCALATION_STRIKES", 3, 1, 100)?,
            window: Duration::from_secs(seconds_setting(
                &config,
                "ESCALATION_WINDOW_SECONDS",
                300,
                10,
                86_400,
            )?),
            ladder,
            memory: Duration::from_secs(seconds_setting(
                &config,
                "ESCALATION_MEMORY_SECONDS",
                86_400,
                60,
                2_592_000,
            )?),
            event_name,
        })
    }

    /// The step for the `level`-th offence (1-based; the last rung repeats).
    pub fn step(&self, level: u64) -> Step {
        let index = usize::try_from(level.saturating_sub(1)).unwrap_or(usize::MAX);
        self.ladder
            .get(index)
            .or(self.ladder.last())
            .copied()
            .unwrap_or(Step::Ban)
    }
}

/// A denial read from a review handler decision line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The denied message's id.
    pub message_id: String,
    /// The room id.
    pub room_id: String,
    /// The sender.
    pub user_id: String,
    /// The rules that fired.
    pub rules: String,
}

/// The denial in one log line, if it is a review decision that denied a message and counts
/// as a strike (not a banned sender's message). Reads both the JSON of `tracing`'s formatter
/// (`fields.*`) and flat lines.
pub fn denial(line: &str) -> Option<Denial> {
    let value: Value = serde_json::from_str(line).ok()?;
    let fields = value
        .get("fields")
        .filter(|f| f.is_object())
        .unwrap_or(&value);
    let text = |name: &str| fields.get(name).and_then(Value::as_str);
    if text("message")? != "review decision" || text("result")? != "DENY" {
        return None;
    }
    let rules = text("rules").unwrap_or_default();
    if text("categories") == Some("ban") || rules.starts_with("ban") {
        return None;
    }
    Some(Denial {
        message_id: text("message_id")?.to_owned(),
        room_id: text("room_id")?.to_owned(),
        user_id: text("user_id")?.to_owned(),
        rules: rules.to_owned(),
    })
}

/// What one batch did, for the function's answer and the tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchSummary {
    /// Log lines in the batch.
    pub lines: usize,
    /// Denials counted as strikes.
    pub strikes: usize,
    /// Denials already counted (a repeated delivery).
    pub duplicates: usize,
    /// Steps taken: `timeout_user` or `ban_user`, with room and user.
    pub steps: Vec<StepTaken>,
}

/// One escalation step carried out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepTaken {
    /// `timeout_user` or `ban_user`.
    pub action: &'static str,
    /// The room id.
    pub room_id: String,
    /// The user.
    pub user_id: String,
    /// The rung (1-based).
    pub level: u64,
    /// When the timeout ends, unix seconds; `None` for a ban.
    pub until: Option<u64>,
}

/// Why a batch failed (Lambda then retries the whole batch; counted denials are not counted
/// twice).
#[derive(Debug, thiserror::Error)]
pub enum EscalationError {
    /// The state table failed.
    #[error(transparent)]
    State(#[from] StateError),
}

impl From<EscalationError> for lambda_runtime::Diagnostic {
    fn from(error: EscalationError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: "StateTableUnavailable".to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// The escalation function, built once at cold start.
pub struct Escalation {
    config: EscalationConfig,
    state: StateTable,
    chat: PacedChatClient,
}

impl Escalation {
    /// Escalation with `config`, counting in `state`, acting through `chat`.
    pub fn new(config: EscalationConfig, state: StateTable, chat: PacedChatClient) -> Self {
        Self {
            config,
            state,
            chat,
        }
    }

    /// Handles one CloudWatch Logs subscription batch at `now`: every denial counts once; a
    /// strike that reaches the threshold takes the next step.
    pub async fn handle(
        &self,
        event: &LogsEvent,
        now: SystemTime,
    ) -> Result<BatchSummary, EscalationError> {
        let mut summary = BatchSummary::default();
        for entry in &event.aws_logs.data.log_events {
            summary.lines += 1;
            let Some(denial) = denial(&entry.message) else {
                continue;
            };
            if toolkit_state::bans::MAX_USER_ID_CHARS < denial.user_id.chars().count()
                || denial.message_id.contains('#')
                || denial.room_id.contains('#')
            {
                continue;
            }
            let remember_until = toolkit_state::unix_seconds(now) + self.config.memory.as_secs();
            match self
                .state
                .claim_nonce(COUNTED_SCOPE, &denial.message_id, remember_until, now)
                .await?
            {
                NonceClaim::Replayed => {
                    summary.duplicates += 1;
                    continue;
                }
                NonceClaim::Fresh => {}
            }
            summary.strikes += 1;
            let count = self
                .state
                .increment(
                    Counter::Strikes,
                    &denial.room_id,
                    &denial.user_id,
                    self.config.window,
                    now,
                )
                .await?;
            // Exactly one increment sees the threshold, however many instances count at once.
            if count != self.config.strikes {
                continue;
            }
            self.state
                .reset(Counter::Strikes, &denial.room_id, &denial.user_id)
                .await?;
            let level = self
                .state
                .increment(
                    Counter::Offences,
                    &denial.room_id,
                    &denial.user_id,
                    self.config.memory,
                    now,
                )
                .await?;
            if let Some(step) = self.take_step(&denial, level, now).await? {
                summary.steps.push(step);
            }
        }
        Ok(summary)
    }

    async fn take_step(
        &self,
        denial: &Denial,
        level: u64,
        now: SystemTime,
    ) -> Result<Option<StepTaken>, EscalationError> {
        let step = self.config.step(level);
        let until = match step {
            Step::Timeout(length) => Some(toolkit_state::unix_seconds(now) + length.as_secs()),
            Step::Ban => None,
        };
        let action = if until.is_some() {
            "timeout_user"
        } else {
            "ban_user"
        };
        let minutes = self.config.window.as_secs().div_ceil(60);
        let reason = format!(
            "automatic: {} messages denied within {minutes} minutes (step {level})",
            self.config.strikes
        );
        let ban = NewBan {
            scope: BanScope::Room(denial.room_id.clone()),
            user_id: denial.user_id.clone(),
            reason: Some(reason.clone()),
            banned_by: ACTOR.to_owned(),
            expires_at: until,
        };
        let written = match self
            .state
            .put_ban(&ban, BanPrecondition::NoActiveBan, now)
            .await?
        {
            BanWrite::Applied(_) => true,
            // A ban stands already: replace it only if this step lasts longer.
            BanWrite::Conflict(Some(current)) => {
                let longer = match (until, current.expires_at) {
                    (_, None) => false,
                    (None, Some(_)) => true,
                    (Some(new), Some(old)) => new > old,
                };
                longer
                    && matches!(
                        self.state
                            .put_ban(&ban, BanPrecondition::Version(current.version), now)
                            .await?,
                        BanWrite::Applied(_)
                    )
            }
            BanWrite::Conflict(None) => false,
        };
        let outcome = if written { "succeeded" } else { "kept" };
        tracing::info!(
            target: "audit",
            actor = ACTOR,
            action,
            room = %denial.room_id,
            target = %denial.user_id,
            reason = %reason,
            level,
            until = until.map(toolkit_state::bans::rfc3339).unwrap_or_else(|| "-".to_owned()),
            outcome,
            "moderation action"
        );
        if !written {
            return Ok(None);
        }
        match RoomArn::from_parts(&self.config.region, &self.config.account, &denial.room_id) {
            Ok(room) => self.announce(room, denial, action, until, &reason).await,
            Err(violation) => {
                tracing::warn!(%violation, "escalated, but the room id is not a room's");
            }
        }
        Ok(Some(StepTaken {
            action,
            room_id: denial.room_id.clone(),
            user_id: denial.user_id.clone(),
            level,
            until,
        }))
    }

    /// DisconnectUser, then SendEvent announcing the step. Failures are logged; the ban stands.
    async fn announce(
        &self,
        room: RoomArn,
        denial: &Denial,
        action: &'static str,
        until: Option<u64>,
        reason: &str,
    ) {
        let disconnected = self
            .chat
            .disconnect_user(&DisconnectUserRequest {
                room: room.clone(),
                user_id: denial.user_id.clone(),
                reason: Some(reason.to_owned()),
            })
            .await;
        if let Err(error) = disconnected.result {
            tracing::warn!(
                upstream_error = error.kind(),
                "escalated, but DisconnectUser failed"
            );
        }
        let mut attributes = BTreeMap::from([
            ("action".to_owned(), action.to_owned()),
            ("userId".to_owned(), denial.user_id.clone()),
            ("reason".to_owned(), reason.to_owned()),
        ]);
        if let Some(end) = until {
            attributes.insert("until".to_owned(), toolkit_state::bans::rfc3339(end));
        }
        let sent = self
            .chat
            .send_event(&SendEventRequest {
                room,
                event_name: self.config.event_name.clone(),
                attributes,
            })
            .await;
        if let Err(error) = sent.result {
            tracing::warn!(
                upstream_error = error.kind(),
                "escalated, but SendEvent failed"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tracing_json_decision_lines_and_skips_the_rest() {
        let line = r#"{"timestamp":"2026-01-01T00:00:00Z","level":"INFO","fields":{"message":"review decision","message_id":"A1b2C3d4E5f6","room_id":"ManagedRoom1","user_id":"viewer-1","profile":"default","result":"DENY","rewritten":false,"rules":"profanity-strong:deny[0..4]","categories":"profanity","decision_us":3.2},"target":"review_handler"}"#;
        assert_eq!(
            denial(line),
            Some(Denial {
                message_id: "A1b2C3d4E5f6".into(),
                room_id: "ManagedRoom1".into(),
                user_id: "viewer-1".into(),
                rules: "profanity-strong:deny[0..4]".into(),
            })
        );
        assert_eq!(denial(&line.replace("DENY", "ALLOW")), None);
        assert_eq!(
            denial(&line.replace("profanity-strong:deny[0..4]", "ban")),
            None,
            "a banned sender's message is no strike"
        );
        assert_eq!(denial("START RequestId: 1 Version: $LATEST"), None);
    }

    #[test]
    fn settings_default_as_documented_and_fail_outside_their_ranges_naming_the_variable() {
        let base = [
            ("STATE_TABLE_NAME", "per-test-table"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCOUNT_ID", "123456789012"),
        ];
        let read = |extra: &[(&'static str, &'static str)]| {
            let env: BTreeMap<&str, &str> = base.iter().chain(extra).copied().collect();
            EscalationConfig::from_source(&env)
        };
        // GIVEN only the required variables THEN the README's defaults apply
        let config = read(&[]).expect("valid");
        assert_eq!(config.strikes, 3);
        assert_eq!(config.window, Duration::from_secs(300));
        assert_eq!(config.memory, Duration::from_secs(86_400));
        assert_eq!(config.event_name, "app:moderation");
        assert_eq!(config.step(1), Step::Timeout(Duration::from_secs(600)));
        assert_eq!(config.step(2), Step::Timeout(Duration::from_secs(86_400)));
        assert_eq!(config.step(3), Step::Ban);
        // GIVEN a value just outside each documented range THEN the cold start names it
        for (variable, value) in [
            ("ESCALATION_STRIKES", "0"),
            ("ESCALATION_STRIKES", "101"),
            ("ESCALATION_WINDOW_SECONDS", "9"),
            ("ESCALATION_WINDOW_SECONDS", "86401"),
            ("ESCALATION_MEMORY_SECONDS", "59"),
            ("ESCALATION_MEMORY_SECONDS", "2592001"),
            ("ESCALATION_EVENT_NAME", "aws:moderation"),
        ] {
            let error = read(&[(variable, value)]).expect_err(value);
            assert_eq!(error.variable, variable, "{value}");
        }
        // AND the bounds themselves are accepted
        for (variable, value) in [
            ("ESCALATION_STRIKES", "100"),
            ("ESCALATION_WINDOW_SECONDS", "10"),
            ("ESCALATION_MEMORY_SECONDS", "2592000"),
        ] {
            read(&[(variable, value)]).expect(variable);
        }
    }

    #[test]
    fn ladders_are_checked_and_the_last_rung_repeats() {
        let ladder = parse_ladder("L", "600, 86400, ban").expect("valid");
        assert_eq!(
            ladder,
            vec![
                Step::Timeout(Duration::from_secs(600)),
                Step::Timeout(Duration::from_secs(86_400)),
                Step::Ban
            ]
        );
        for bad in ["ban,600", "0", "ten", "1209601"] {
            assert_eq!(parse_ladder("L", bad).expect_err(bad).variable, "L");
        }
        let config = EscalationConfig {
            state_table_name: "t".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            strikes: 3,
            window: Duration::from_secs(300),
            ladder,
            memory: Duration::from_secs(86_400),
            event_name: "app:moderation".into(),
        };
        assert_eq!(config.step(1), Step::Timeout(Duration::from_secs(600)));
        assert_eq!(config.step(3), Step::Ban);
        assert_eq!(config.step(9), Step::Ban);
    }
}
