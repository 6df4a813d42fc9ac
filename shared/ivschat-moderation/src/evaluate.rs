//! Measuring a policy on labelled chat: precision, recall and F1 per category and per language,
//! and the misses, for `ivschat-review --evaluate LABELLED.jsonl`.
//!
//! One JSON object per line (blank lines skipped):
//!
//! ```json
//! {"text": "what the fuck", "labels": ["profanity"], "language": "en"}
//! {"text": "das Buch ist sehr dick", "labels": [], "language": "de", "profile": "de"}
//! ```
//!
//! `text` (required) is the message; `labels` (default none) the categories the message should
//! be caught for, empty for a clean message; `language` (default `"und"`) groups the line in the
//! per-language table; `profile` or `room` (a room ARN or id) choose the profile, else the
//! policy's default profile. A category counts as predicted when any rule of that category fires
//! (whatever its action). Categories no line labels are not scored, so a file about profanity is
//! not charged for the link or spam rules.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::{MessageContext, PolicySet};

/// One labelled message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledMessage {
    /// The message text.
    pub text: String,
    /// Categories the message should be caught for (empty: a clean message).
    #[serde(default)]
    pub labels: Vec<String>,
    /// Language code for the per-language table (default `und`).
    #[serde(default)]
    pub language: Option<String>,
    /// Profile to decide with.
    #[serde(default)]
    pub profile: Option<String>,
    /// Room ARN or id whose profile decides (when `profile` is unset).
    #[serde(default)]
    pub room: Option<String>,
}

/// Why a labelled file could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    /// A line is not a labelled message.
    #[error("line {line}: invalid labelled message: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A line names a profile the policy does not have.
    #[error("line {line}: unknown profile \"{profile}\"")]
    UnknownProfile {
        /// 1-based line number.
        line: usize,
        /// The profile named.
        profile: String,
    },
}

/// True positives, false positives and false negatives of one row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Labelled and predicted.
    pub true_positives: u64,
    /// Predicted, not labelled.
    pub false_positives: u64,
    /// Labelled, not predicted.
    pub false_negatives: u64,
}

impl Counts {
    /// TP / (TP + FP), or `None` with nothing predicted.
    pub fn precision(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// TP / (TP + FN), or `None` with nothing labelled.
    pub fn recall(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// Harmonic mean of precision and recall (`None` when either is undefined or both are 0).
    pub fn f1(&self) -> Option<f64> {
        let (p, r) = (self.precision()?, self.recall()?);
        if p + r == 0.0 {
            None
        } else {
            Some(2.0 * p * r / (p + r))
        }
    }

    fn add(&mut self, other: Counts) {
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.false_negatives += other.false_negatives;
    }
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// A message the policy got wrong in at least one scored category.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// 1-based line number.
    pub line: usize,
    /// Language of the line.
    pub language: String,
    /// The message.
    pub text: String,
    /// Labelled categories that no rule caught.
    pub missed: Vec<String>,
    /// Predicted categories that are not labelled.
    pub unexpected: Vec<String>,
    /// The rules that fired (`rule (category)`).
    pub rules: Vec<String>,
}

/// The result of evaluating a labelled file.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Messages evaluated.
    pub messages: usize,
    /// Counts per scored category.
    pub by_category: BTreeMap<String, Counts>,
    /// Counts per language, over every scored category.
    pub by_language: BTreeMap<String, Counts>,
    /// Counts over everything.
    pub total: Counts,
    /// Every message with a false negative or false positive, in file order.
    pub misses: Vec<Miss>,
}

/// Decides every labelled message of `jsonl` with `policy` and scores the result.
///
/// Fails on the first line that is not a labelled message or names an unknown profile.
pub fn evaluate(policy: &PolicySet, jsonl: &str) -> Result<Evaluation, EvaluateError> {
    let mut parsed = Vec::new();
    for (index, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let message: LabelledMessage =
            serde_json::from_str(line).map_err(|error| EvaluateError::Line {
                line: index + 1,
                message: error.to_string(),
            })?;
        parsed.push((index + 1, message));
    }
    let scored: BTreeSet<&str> = parsed
        .iter()
        .flat_map(|(_, m)| m.labels.iter().map(String::as_str))
        .collect();
    let attributes = BTreeMap::new();
    let mut evaluation = Evaluation::default();
    for (line, message) in &parsed {
        let profile = match (&message.profile, &message.room) {
            (Some(name), _) => {
                policy
                    .profile(name)
                    .ok_or_else(|| EvaluateError::UnknownProfile {
                        line: *line,
                        profile: name.clone(),
                    })?
            }
            (None, Some(room)) => policy.profile_for_room(room),
            (None, None) => policy.profile_for_room(""),
        };
        let decision = profile.decide(&MessageContext {
            content: &message.text,
            user_id: "evaluation",
            sender_attributes: &attributes,
        });
        let predicted: BTreeSet<&str> = decision
            .hits
            .iter()
            .map(|hit| hit.category.as_ref())
            .filter(|category| scored.contains(category))
            .collect();
        let labelled: BTreeSet<&str> = message.labels.iter().map(String::as_str).collect();
        let language = message
            .language
            .clone()
            .unwrap_or_else(|| "und".to_string());
        let mut line_counts = Counts::default();
        for &category in &scored {
            let counts = match (labelled.contains(category), predicted.contains(category)) {
                (true, true) => Counts {
                    true_positives: 1,
                    ..Counts::default()
                },
                (false, true) => Counts {
                    false_positives: 1,
                    ..Counts::default()
                },
                (true, false) => Counts {
                    false_negatives: 1,
                    ..Counts::default()
                },
                (false, false) => Counts::default(),
            };
            evaluation
                .by_category
                .entry(category.to_string())
                .or_default()
                .add(counts);
            line_counts.add(counts);
        }
        evaluation
            .by_language
            .entry(language.clone())
            .or_default()
            .add(line_counts);
        evaluation.total.add(line_counts);
        evaluation.messages += 1;
        if line_counts.false_positives + line_counts.false_negatives > 0 {
            evaluation.misses.push(Miss {
                line: *line,
                language,
                text: message.text.clone(),
                missed: labelled
                    .difference(&predicted)
                    .map(|c| c.to_string())
                    .collect(),
                unexpected: predicted
                    .difference(&labelled)
                    .map(|c| c.to_string())
                    .collect(),
                rules: decision
                    .hits
                    .iter()
                    .map(|hit| format!("{} ({})", hit.rule, hit.category))
                    .collect(),
            });
        }
    }
    Ok(evaluation)
}

impl Evaluation {
    /// The report `ivschat-review --evaluate` prints: one table per category and per language,
    /// then the misses.
    pub fn report(&self) -> String {
        let mut out = format!("evaluated {} messages\n\n", self.messages);
        let table = |out: &mut String, title: &str, rows: &BTreeMap<String, Counts>| {
            out.push_str(&format!(
                "{title:<14} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}\n",
                "TP", "FP", "FN", "precision", "recall", "F1"
            ));
            for (name, counts) in rows {
                out.push_str(&row(name, counts));
            }
        };
        table(&mut out, "category", &self.by_category);
        out.push_str(&row("all", &self.total));
        out.push('\n');
        table(&mut out, "language", &self.by_language);
        out.push_str(&format!("\nmisses: {}\n", self.misses.len()));
        for miss in &self.misses {
            out.push_str(&format!(
                "line {} [{}] {:?}: missed {:?}, unexpected {:?}, rules {:?}\n",
                miss.line, miss.language, miss.text, miss.missed, miss.unexpected, miss.rules
            ));
        }
        out
    }
}

fn row(name: &str, counts: &Counts) -> String {
    let show = |value: Option<f64>| value.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
    format!(
        "{name:<14} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}\n",
        counts.true_positives,
        counts.false_positives,
        counts.false_negatives,
        show(counts.precision()),
        show(counts.recall()),
        show(counts.f1())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_recall_and_f1_follow_their_definitions() {
        let counts = Counts {
            true_positives: 3,
            false_positives: 1,
            false_negatives: 2,
        };
        assert_eq!(counts.precision(), Some(0.75));
        assert_eq!(counts.recall(), Some(0.6));
        let f1 = counts.f1().expect("defined");
        assert!((f1 - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        assert_eq!(Counts::default().precision(), None);
    }
}
