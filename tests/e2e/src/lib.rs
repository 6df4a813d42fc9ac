//! Harness for end-to-end tests: runs a function's `bootstrap`, exactly as `sam build` produced
//! it, under the AWS Lambda Runtime Interface Emulator (shipped inside the aws-sam-cli package)
//! on loopback, and invokes it over HTTP the way Lambda's Invoke API is called.
//!
//! Where things are found (override with environment variables):
//! - `E2E_BUILD_DIR`: the SAM build output, default `<workspace>/.aws-sam/build`; each function's
//!   binary is `<dir>/<LogicalId>/bootstrap`.
//! - `E2E_RIE`: the emulator binary, default the `aws-lambda-rie-x86_64` inside `<workspace>/.venv`.
//!
//! Both are put in place by the README's test command (`scripts/test-all`), which installs the
//! pinned tools and runs `sam build` before these tests.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// Why a function could not be started or invoked.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A prerequisite (the build output or the emulator binary) is missing.
    #[error(
        "{what} not found at {path}: run scripts/test-all (it installs the tools and runs sam build)"
    )]
    Missing {
        /// What was looked for.
        what: &'static str,
        /// Where.
        path: PathBuf,
    },
    /// The emulator process failed to start or its port never opened.
    #[error("could not start the runtime emulator: {0}")]
    Start(String),
    /// The invoke request failed.
    #[error("invoke failed: {0}")]
    Invoke(String),
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where `sam build` put the function with this logical id's `bootstrap`.
pub fn bootstrap_path(logical_id: &str) -> Result<PathBuf, HarnessError> {
    let dir = std::env::var_os("E2E_BUILD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".aws-sam").join("build"));
    let path = dir.join(logical_id).join("bootstrap");
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::Missing {
            what: "function bootstrap",
            path,
        })
    }
}

/// The Runtime Interface Emulator binary from the aws-sam-cli package in `.venv`.
pub fn rie_path() -> Result<PathBuf, HarnessError> {
    if let Some(path) = std::env::var_os("E2E_RIE") {
        return Ok(PathBuf::from(path));
    }
    let lib = workspace_root().join(".venv").join("lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|entries| {
        entries.flatten().find_map(|entry| {
            let candidate = entry
                .path()
                .join("site-packages/samcli/local/rapid/aws-lambda-rie-x86_64");
            candidate.is_file().then_some(candidate)
        })
    });
    found.ok_or(HarnessError::Missing {
        what: "aws-lambda-rie-x86_64 (from the aws-sam-cli package)",
        path: lib,
    })
}

fn free_port() -> Result<u16, HarnessError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| HarnessError::Start(format!("no free port: {e}")))
}

/// What one invocation returned at the HTTP level.
#[derive(Debug, Clone)]
pub struct RawInvocation {
    /// The HTTP status of the invoke call.
    pub status: u16,
    /// The response body as text (empty when the runtime died before answering).
    pub body: String,
}

/// Everything the emulator and the function printed, for assertions on logs.
#[derive(Debug, Clone, Default)]
pub struct CapturedOutput(Arc<Mutex<String>>);

impl CapturedOutput {
    /// The output so far.
    pub fn text(&self) -> String {
        self.0.lock().map(|t| t.clone()).unwrap_or_default()
    }

    fn pump(&self, stream: impl AsyncRead + Unpin + Send + 'static) {
        let sink = self.0.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("{line}");
                if let Ok(mut text) = sink.lock() {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        });
    }
}

/// One function binary running under the Runtime Interface Emulator on loopback. The process is
/// killed when this is dropped.
pub struct LambdaUnderRie {
    child: Child,
    invoke_url: String,
    http: reqwest::Client,
    output: CapturedOutput,
}

impl LambdaUnderRie {
    /// Starts the function built as `logical_id` with `env` (on top of static test credentials
    /// and region, so the SDK never looks for real ones).
    pub async fn start(logical_id: &str, env: &[(&str, &str)]) -> Result<Self, HarnessError> {
        let bootstrap = bootstrap_path(logical_id)?;
        let rie = rie_path()?;
        let invoke_port = free_port()?;
        let runtime_api_port = free_port()?;
        let mut command = Command::new(&rie);
        command
            .arg("--runtime-interface-emulator-address")
            .arg(format!("127.0.0.1:{invoke_port}"))
            .arg("--runtime-api-address")
            .arg(format!("127.0.0.1:{runtime_api_port}"))
            .arg(&bootstrap)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_LAMBDA_FUNCTION_NAME", logical_id)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .map_err(|e| HarnessError::Start(format!("{}: {e}", rie.display())))?;
        let output = CapturedOutput::default();
        if let Some(stdout) = child.stdout.take() {
            output.pump(stdout);
        }
        if let Some(stderr) = child.stderr.take() {
            output.pump(stderr);
        }
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, invoke_port));
        let mut opened = false;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(address).await.is_ok() {
                opened = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if !opened {
            return Err(HarnessError::Start(format!(
                "port {invoke_port} never opened"
            )));
        }
        Ok(Self {
            child,
            invoke_url: format!(
                "http://127.0.0.1:{invoke_port}/2015-03-31/functions/function/invocations"
            ),
            http: reqwest::Client::new(),
            output,
        })
    }

    /// Everything the emulator and the function have printed so far.
    pub fn output(&self) -> &CapturedOutput {
        &self.output
    }

    /// Invokes the function with `event` and returns the raw HTTP outcome.
    pub async fn invoke_raw(
        &self,
        event: &serde_json::Value,
    ) -> Result<RawInvocation, HarnessError> {
        let response = self
            .http
            .post(&self.invoke_url)
            .json(event)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| HarnessError::Invoke(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| HarnessError::Invoke(e.to_string()))?;
        Ok(RawInvocation { status, body })
    }

    /// Invokes the function with `event` and returns what it returned (or, for a function
    /// error, the runtime's `{errorType, errorMessage}` document).
    pub async fn invoke(
        &self,
        event: &serde_json::Value,
    ) -> Result<serde_json::Value, HarnessError> {
        let raw = self.invoke_raw(event).await?;
        serde_json::from_str(&raw.body).map_err(|e| {
            HarnessError::Invoke(format!(
                "HTTP {}: response is not JSON ({e}): {}",
                raw.status, raw.body
            ))
        })
    }

    /// Invokes the function with the JSON fixture at `events/<relative>`.
    pub async fn invoke_fixture(&self, relative: &str) -> Result<serde_json::Value, HarnessError> {
        let path = workspace_root().join("events").join(relative);
        let text = std::fs::read_to_string(&path).map_err(|_| HarnessError::Missing {
            what: "event fixture",
            path: path.clone(),
        })?;
        let event: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| HarnessError::Invoke(format!("{}: {e}", path.display())))?;
        self.invoke(&event).await
    }

    /// Stops the function's process.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
