//! Fault injection: throttling, internal errors and latency, per operation.
//!
//! A [`FaultRule`] applies to one operation (or `*`, all of them), either to the next N calls or
//! to every call, optionally only with some probability drawn from a seeded RNG so a test run is
//! reproducible. Rules are checked in the order they were added; latency from every matching
//! rule adds up, and the first matching error rule decides the error.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::routing::Operation;

/// What a fault does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum FaultKind {
    /// Answer 429 ThrottlingException.
    Throttle,
    /// Answer 500 InternalServerException.
    InternalError,
    /// Delay the call, then handle it normally.
    Latency {
        /// The added delay in milliseconds.
        millis: u64,
    },
}

/// Which calls a fault hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultTrigger {
    /// The next N matching calls (that pass the probability draw), then the rule is spent.
    NextCalls(u32),
    /// Every matching call.
    EveryCall,
}

/// One fault to inject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// Operation name (`CreateRoom`) or `*` for every operation.
    pub operation: String,
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Which calls it hits.
    pub trigger: FaultTrigger,
    /// Chance in [0, 1] that a matching call is hit; `None` means always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// Why a fault rule or fault specification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultSpecError {
    /// Not `OPERATION=KIND[:COUNT|:always][@PROBABILITY]`.
    #[error("fault `{spec}` is not OPERATION=KIND[:COUNT|:always][@PROBABILITY]")]
    Shape {
        /// The text given.
        spec: String,
    },
    /// The operation is not one of the service's 17 (or `*`).
    #[error("fault names unknown operation `{operation}` (use an IVS Chat operation name or *)")]
    UnknownOperation {
        /// The name given.
        operation: String,
    },
    /// The kind is not throttle, internal or latency=MS.
    #[error("fault kind `{kind}` is not throttle, internal or latency=MILLISECONDS")]
    UnknownKind {
        /// The kind given.
        kind: String,
    },
    /// The count is not a positive integer or `always`.
    #[error("fault count `{count}` is not a positive integer or `always`")]
    BadCount {
        /// The count given.
        count: String,
    },
    /// The probability is not a number in [0, 1].
    #[error("fault probability `{probability}` is not a number between 0 and 1")]
    BadProbability {
        /// The probability given.
        probability: String,
    },
}

impl FaultRule {
    /// Checks the operation name, the count and the probability.
    pub fn validate(&self) -> Result<(), FaultSpecError> {
        if self.operation != "*" && Operation::from_name(&self.operation).is_none() {
            return Err(FaultSpecError::UnknownOperation {
                operation: self.operation.clone(),
            });
        }
        if self.trigger == FaultTrigger::NextCalls(0) {
            return Err(FaultSpecError::BadCount { count: "0".into() });
        }
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(FaultSpecError::BadProbability {
                probability: p.to_string(),
            });
        }
        Ok(())
    }

    /// Parses the CLI form `OPERATION=KIND[:COUNT|:always][@PROBABILITY]`, where KIND is
    /// `throttle`, `internal` or `latency=MILLISECONDS`, and no count means every call.
    ///
    /// Examples: `CreateRoom=throttle:2`, `*=internal:always@0.1`, `GetRoom=latency=250`.
    pub fn parse(spec: &str) -> Result<Self, FaultSpecError> {
        let shape = || FaultSpecError::Shape {
            spec: spec.to_owned(),
        };
        let (operation, rest) = spec.split_once('=').ok_or_else(shape)?;
        let (rest, probability) = match rest.split_once('@') {
            Some((rest, p)) => {
                let value: f64 = p.parse().map_err(|_| FaultSpecError::BadProbability {
                    probability: p.to_owned(),
                })?;
                (rest, Some(value))
            }
            None => (rest, None),
        };
        let (kind_text, trigger) = match rest.split_once(':') {
            Some((kind, "always")) => (kind, FaultTrigger::EveryCall),
            Some((kind, count)) => {
                let n: u32 = count.parse().map_err(|_| FaultSpecError::BadCount {
                    count: count.to_owned(),
                })?;
                (kind, FaultTrigger::NextCalls(n))
            }
            None => (rest, FaultTrigger::EveryCall),
        };
        let kind = match kind_text {
            "throttle" => FaultKind::Throttle,
            "internal" => FaultKind::InternalError,
            other => match other.strip_prefix("latency=") {
                Some(ms) => FaultKind::Latency {
                    millis: ms.trim_end_matches("ms").parse().map_err(|_| {
                        FaultSpecError::UnknownKind {
                            kind: other.to_owned(),
                        }
                    })?,
                },
                None => {
                    return Err(FaultSpecError::UnknownKind {
                        kind: other.to_owned(),
                    });
                }
            },
        };
        if operation.is_empty() {
            return Err(shape());
        }
        let rule = Self {
            operation: operation.to_owned(),
            kind,
            trigger,
            probability,
        };
        rule.validate()?;
        Ok(rule)
    }

    fn matches(&self, operation: Operation) -> bool {
        self.operation == "*" || self.operation == operation.name()
    }
}

/// An error a fault turns a call into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectedError {
    /// 429 ThrottlingException.
    Throttle,
    /// 500 InternalServerException.
    InternalError,
}

/// What the faults decided for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultOutcome {
    /// Delay to add before answering.
    pub delay: Duration,
    /// Error to answer with instead of handling the call.
    pub error: Option<InjectedError>,
}

#[derive(Debug)]
struct FaultState {
    rules: Vec<FaultRule>,
    rng: StdRng,
}

/// The active fault rules and the seeded RNG their probabilities draw from.
#[derive(Debug)]
pub struct FaultInjector {
    state: Mutex<FaultState>,
}

impl FaultInjector {
    /// An injector with `rules`, drawing probabilities from an RNG seeded with `seed`.
    pub fn new(rules: Vec<FaultRule>, seed: u64) -> Self {
        Self {
            state: Mutex::new(FaultState {
                rules,
                rng: StdRng::seed_from_u64(seed),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a rule after the existing ones.
    pub fn add(&self, rule: FaultRule) {
        self.lock().rules.push(rule);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// The rules still active (a `NextCalls` count shows the calls left).
    pub fn rules(&self) -> Vec<FaultRule> {
        self.lock().rules.clone()
    }

    /// Decides the faults for one call of `operation`, spending counted rules.
    pub fn decide(&self, operation: Operation) -> FaultOutcome {
        let mut state = self.lock();
        let FaultState { rules, rng } = &mut *state;
        let mut outcome = FaultOutcome::default();
        for rule in rules.iter_mut() {
            if !rule.matches(operation) {
                continue;
            }
            if let Some(p) = rule.probability
                && rng.random::<f64>() >= p
            {
                continue;
            }
            if let FaultTrigger::NextCalls(n) = &mut rule.trigger {
                *n = n.saturating_sub(1);
            }
            match rule.kind {
                FaultKind::Latency { millis } => {
                    outcome.delay += Duration::from_millis(millis);
                }
                FaultKind::Throttle => {
                    outcome.error.get_or_insert(InjectedError::Throttle);
                }
                FaultKind::InternalError => {
                    outcome.error.get_or_insert(InjectedError::InternalError);
                }
            }
        }
        rules.retain(|rule| rule.trigger != FaultTrigger::NextCalls(0));
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_cli_forms() {
        // GIVEN the documented spellings WHEN parsed THEN each yields its rule
        let counted = FaultRule::parse("CreateRoom=throttle:2").expect("valid");
        assert_eq!(counted.kind, FaultKind::Throttle);
        assert_eq!(counted.trigger, FaultTrigger::NextCalls(2));
        let every = FaultRule::parse("*=internal:always@0.25").expect("valid");
        assert_eq!(every.trigger, FaultTrigger::EveryCall);
        assert_eq!(every.probability, Some(0.25));
        let latency = FaultRule::parse("GetRoom=latency=250ms").expect("valid");
        assert_eq!(latency.kind, FaultKind::Latency { millis: 250 });
    }

    #[test]
    fn rejects_unknown_operations_kinds_counts_and_probabilities() {
        // GIVEN malformed specs WHEN parsed THEN each names what is wrong
        assert!(matches!(
            FaultRule::parse("MakeRoom=throttle"),
            Err(FaultSpecError::UnknownOperation { .. })
        ));
        assert!(matches!(
            FaultRule::parse("GetRoom=explode"),
            Err(FaultSpecError::UnknownKind { .. })
        ));
        assert!(matches!(
            FaultRule::parse("GetRoom=throttle:zero"),
            Err(FaultSpecError::BadCount { .. })
        ));
        assert!(matches!(
            FaultRule::parse("GetRoom=throttle@2"),
            Err(FaultSpecError::BadProbability { .. })
        ));
        assert!(matches!(
            FaultRule::parse("GetRoom"),
            Err(FaultSpecError::Shape { .. })
        ));
    }

    #[test]
    fn reads_the_admin_json_forms_of_a_rule() {
        // GIVEN the JSON forms the admin endpoint documents
        let every: FaultRule = serde_json::from_str(
            r#"{"operation":"GetRoom","kind":"internalError","trigger":"everyCall","probability":0.5}"#,
        )
        .expect("valid json");
        let counted: FaultRule = serde_json::from_str(
            r#"{"operation":"*","kind":"latency","millis":250,"trigger":{"nextCalls":3}}"#,
        )
        .expect("valid json");
        // THEN each yields the rule it describes
        assert_eq!(every.kind, FaultKind::InternalError);
        assert_eq!(every.trigger, FaultTrigger::EveryCall);
        assert_eq!(every.probability, Some(0.5));
        assert_eq!(counted.kind, FaultKind::Latency { millis: 250 });
        assert_eq!(counted.trigger, FaultTrigger::NextCalls(3));
        assert_eq!(counted.probability, None);
    }

    #[test]
    fn a_counted_fault_hits_exactly_the_next_n_calls_of_its_operation() {
        // GIVEN two throttles for CreateRoom
        let injector = FaultInjector::new(vec![], 7);
        injector.add(FaultRule::parse("CreateRoom=throttle:2").expect("valid"));
        // WHEN other and matching operations are called
        let other = injector.decide(Operation::GetRoom);
        let hits: Vec<_> = (0..3)
            .map(|_| injector.decide(Operation::CreateRoom).error)
            .collect();
        // THEN only the next two CreateRoom calls fail and the rule is spent
        assert_eq!(other.error, None);
        assert_eq!(
            hits,
            vec![
                Some(InjectedError::Throttle),
                Some(InjectedError::Throttle),
                None
            ]
        );
        assert!(injector.rules().is_empty());
    }

    #[test]
    fn probabilistic_faults_repeat_with_the_same_seed() {
        // GIVEN two injectors with the same seed and a 50% fault
        let draw = |seed| {
            let injector = FaultInjector::new(
                vec![FaultRule::parse("*=internal@0.5").expect("valid")],
                seed,
            );
            (0..64)
                .map(|_| injector.decide(Operation::ListRooms).error.is_some())
                .collect::<Vec<_>>()
        };
        // WHEN each decides 64 calls
        let first = draw(42);
        // THEN the sequences match and mix hits and misses
        assert_eq!(first, draw(42));
        assert!(first.iter().any(|hit| *hit) && first.iter().any(|hit| !*hit));
    }
}
