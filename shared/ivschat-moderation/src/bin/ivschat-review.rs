//! `ivschat-review`: review JSON Lines of IVS Chat review requests with the same engine (and the
//! same reply) as the review-handler Lambda, except for senders that Lambda denies from its ban
//! check, which the CLI does not run (it reads no state table).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use ivschat_api::review::{ReviewRequest, ReviewResult};
use ivschat_moderation::evaluate::evaluate;
use ivschat_moderation::{POLICY_PATH_ENV, PolicySet, Review, Verdict};
use serde_json::{Value, json};

const USAGE: &str = "\
Usage: ivschat-review [--policy FILE] [--explain]
       ivschat-review [--policy FILE] --evaluate LABELLED.jsonl

Reads IVS Chat message review requests as JSON Lines on stdin (one request per line, as IVS
sends them to the review Lambda) and writes, in order, one JSON line per request with exactly
the response the review-handler Lambda would return.

Options:
  --policy FILE  Policy document (TOML). Default: the file named by REVIEW_POLICY_PATH, else the
                 built-in default policy (the same choice the Lambda makes).
  --explain      Add an \"Explain\" object to each line: profile, verdict, decision time and the
                 rules that fired with category, severity, action and byte span.
  --evaluate LABELLED.jsonl
                 Instead of reviewing stdin, decide every labelled message of the file and
                 print precision, recall and F1 per category and per language, then the
                 misses. One JSON object per line: {\"text\": \"...\", \"labels\":
                 [\"profanity\"], \"language\": \"en\"} plus optional \"profile\" or \"room\";
                 empty labels for a clean message (see shared/ivschat-moderation/README.md).
  -h, --help     Show this help.

Blank lines are skipped. A line that is not a valid review request is reported on stderr with
its line number and skipped; the exit status is then 1. A summary (counts by result and
category, median and p99 decision time) is printed on stderr at the end.

Example:
  echo '{\"Content\":\"hello\",\"MessageId\":\"m1\",\"RoomArn\":\"arn:aws:ivschat:us-east-1:123456789012:room/abc\",\"Sender\":{\"UserId\":\"u1\"}}' | ivschat-review --explain
";

struct Options {
    policy: Option<PathBuf>,
    explain: bool,
    evaluate: Option<PathBuf>,
}

enum Command {
    Run(Options),
    Help,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut options = Options {
        policy: None,
        explain: false,
        evaluate: None,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--explain" => options.explain = true,
            "--policy" => {
                let path = args
                    .next()
                    .ok_or_else(|| "--policy needs a FILE argument".to_string())?;
                options.policy = Some(PathBuf::from(path));
            }
            "--evaluate" => {
                let path = args
                    .next()
                    .ok_or_else(|| "--evaluate needs a LABELLED.jsonl argument".to_string())?;
                options.evaluate = Some(PathBuf::from(path));
            }
            other => match other.strip_prefix("--policy=") {
                Some(path) => options.policy = Some(PathBuf::from(path)),
                None => return Err(format!("unknown argument {other:?}")),
            },
        }
    }
    Ok(Command::Run(options))
}

#[derive(Default)]
struct Summary {
    allowed: u64,
    rewritten: u64,
    denied: u64,
    bad_lines: u64,
    by_category: BTreeMap<String, u64>,
    decision_nanos: Vec<u64>,
}

impl Summary {
    fn record(&mut self, review: &Review, nanos: u64) {
        match (&review.response.review_result, &review.decision.verdict) {
            (ReviewResult::Deny, _) => self.denied += 1,
            (ReviewResult::Allow, Verdict::Rewrite { .. }) => {
                self.allowed += 1;
                self.rewritten += 1;
            }
            (ReviewResult::Allow, _) => self.allowed += 1,
        }
        for category in review.decision.categories_fired() {
            *self.by_category.entry(category.to_string()).or_default() += 1;
        }
        self.decision_nanos.push(nanos);
    }

    fn print(&mut self, err: &mut impl Write) -> std::io::Result<()> {
        let reviewed = self.allowed + self.denied;
        writeln!(
            err,
            "reviewed {reviewed} messages: ALLOW {} ({} rewritten), DENY {}; bad lines {}",
            self.allowed, self.rewritten, self.denied, self.bad_lines
        )?;
        if !self.by_category.is_empty() {
            let parts: Vec<String> = self
                .by_category
                .iter()
                .map(|(category, count)| format!("{category} {count}"))
                .collect();
            writeln!(err, "messages by category: {}", parts.join(", "))?;
        }
        if !self.decision_nanos.is_empty() {
            self.decision_nanos.sort_unstable();
            let median = percentile(&self.decision_nanos, 50);
            let p99 = percentile(&self.decision_nanos, 99);
            writeln!(
                err,
                "decision time: median {:.2} µs, p99 {:.2} µs",
                median as f64 / 1000.0,
                p99 as f64 / 1000.0
            )?;
        }
        Ok(())
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], percent: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

fn explain(review: &Review, content: &str, nanos: u64) -> Value {
    let rules: Vec<Value> = review
        .decision
        .hits
        .iter()
        .map(|hit| {
            json!({
                "rule": hit.rule.as_ref(),
                "kind": hit.kind.as_str(),
                "category": hit.category.as_ref(),
                "severity": hit.severity.as_str(),
                "action": hit.action.as_str(),
                "start": hit.span.start,
                "end": hit.span.end,
                "text": content.get(hit.span.clone()).unwrap_or(""),
                "pattern": hit.pattern.as_deref(),
            })
        })
        .collect();
    let verdict = match review.decision.verdict {
        Verdict::Allow => "allow",
        Verdict::Rewrite { .. } => "rewrite",
        Verdict::Deny { .. } => "deny",
    };
    json!({
        "profile": review.decision.profile.as_ref(),
        "verdict": verdict,
        "decisionMicros": nanos as f64 / 1000.0,
        "rules": rules,
    })
}

/// The policy file to load: `--policy`, else the file named by [`POLICY_PATH_ENV`] when it is set
/// and non-empty, else none (the built-in policy): the same choice the Lambda makes.
fn policy_path(flag: Option<&Path>, env_value: Option<OsString>) -> Option<PathBuf> {
    match flag {
        Some(path) => Some(path.to_path_buf()),
        None => env_value
            .filter(|value| !value.is_empty())
            .map(PathBuf::from),
    }
}

fn run(options: &Options) -> Result<bool, String> {
    let path = policy_path(options.policy.as_deref(), std::env::var_os(POLICY_PATH_ENV));
    let policy =
        PolicySet::load(path.as_deref()).map_err(|error| format!("cannot load policy: {error}"))?;
    if let Some(labelled) = &options.evaluate {
        let text = std::fs::read_to_string(labelled)
            .map_err(|error| format!("{}: cannot read: {error}", labelled.display()))?;
        let evaluation =
            evaluate(&policy, &text).map_err(|error| format!("{}: {error}", labelled.display()))?;
        print!("{}", evaluation.report());
        return Ok(true);
    }

    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    let mut err = std::io::stderr().lock();
    let mut summary = Summary::default();
    let write_failed = |error: std::io::Error| format!("cannot write output: {error}");

    for (index, line) in stdin.split(b'\n').enumerate() {
        let number = index + 1;
        let line = line.map_err(|error| format!("cannot read stdin: {error}"))?;
        let Ok(text) = std::str::from_utf8(&line) else {
            summary.bad_lines += 1;
            writeln!(err, "line {number}: not valid UTF-8").map_err(write_failed)?;
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        let request: ReviewRequest = match serde_json::from_str(text) {
            Ok(request) => request,
            Err(error) => {
                summary.bad_lines += 1;
                writeln!(err, "line {number}: invalid review request: {error}")
                    .map_err(write_failed)?;
                continue;
            }
        };
        let started = Instant::now();
        let review = policy.review(&request);
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        summary.record(&review, nanos);
        let json = if options.explain {
            let mut value = serde_json::to_value(&review.response)
                .map_err(|error| format!("line {number}: cannot encode response: {error}"))?;
            if let Value::Object(map) = &mut value {
                map.insert(
                    "Explain".to_string(),
                    explain(&review, &request.content, nanos),
                );
            }
            value.to_string()
        } else {
            serde_json::to_string(&review.response)
                .map_err(|error| format!("line {number}: cannot encode response: {error}"))?
        };
        writeln!(out, "{json}").map_err(write_failed)?;
    }
    out.flush().map_err(write_failed)?;
    summary.print(&mut err).map_err(write_failed)?;
    Ok(summary.bad_lines == 0)
}

fn main() -> ExitCode {
    let command = match parse_args(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("ivschat-review: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Command::Run(options) => match run(&options) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(message) => {
                eprintln!("ivschat-review: {message}");
                ExitCode::from(2)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn parses_policy_and_explain_flags() {
        let Ok(Command::Run(options)) = parse_args(args(&["--policy", "p.toml", "--explain"]))
        else {
            panic!("expected run options");
        };
        assert_eq!(options.policy, Some(PathBuf::from("p.toml")));
        assert!(options.explain);
    }

    #[test]
    fn parses_evaluate_with_its_file_and_rejects_it_without() {
        let Ok(Command::Run(options)) = parse_args(args(&["--evaluate", "l.jsonl"])) else {
            panic!("expected run options");
        };
        assert_eq!(options.evaluate, Some(PathBuf::from("l.jsonl")));
        assert!(parse_args(args(&["--evaluate"])).is_err());
    }

    #[test]
    fn rejects_unknown_arguments_and_a_missing_policy_path() {
        assert!(parse_args(args(&["--frobnicate"])).is_err());
        assert!(parse_args(args(&["--policy"])).is_err());
        assert!(matches!(parse_args(args(&["--help"])), Ok(Command::Help)));
    }

    #[test]
    fn policy_flag_wins_over_the_environment_and_an_empty_variable_means_built_in() {
        let env = || Some(OsString::from("env.toml"));
        assert_eq!(
            policy_path(Some(Path::new("flag.toml")), env()),
            Some(PathBuf::from("flag.toml"))
        );
        assert_eq!(policy_path(None, env()), Some(PathBuf::from("env.toml")));
        assert_eq!(policy_path(None, Some(OsString::new())), None);
        assert_eq!(policy_path(None, None), None);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50), 50);
        assert_eq!(percentile(&values, 99), 99);
        assert_eq!(percentile(&[7], 99), 7);
    }
}
