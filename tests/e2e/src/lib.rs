//! Harness for end-to-end tests: runs a function's `bootstrap`, exactly as `sam build` produced
//! it, under the AWS Lambda Runtime Interface Emulator (shipped inside the aws-sam-cli package)
//! on loopback, and invokes it over HTTP the way Lambda's Invoke API is called.
//!
//! Where things are found (override with environment variables):
//! - `E2E_BUILD_DIR`: the SAM build output, default `<workspace>/.aws-sam/build`; each function's
//!   binary is `<dir>/<LogicalId>/bootstrap`.
//! - `E2E_RIE`: the emulator binary, default the `aws-lambda-rie-x86_64` inside `<workspace>/.venv`.
//! - `E2E_NATIVE_REVIEW_HANDLER`: the review handler built for this machine's architecture,
//!   default `<workspace>/target/lambda-native/review-handler/bootstrap`, so the review
//!   handler's two contract tests of `through_the_runtime.rs` (the fixtures' replies, and the
//!   invalid-event failures) run on both architectures; its other end-to-end tests (live chat,
//!   escalation, log bytes) run the deployed arm64 build only.
//!
//! `sam build` builds the template's default architecture, arm64. On an x86_64 machine such a
//! `bootstrap` runs under user-mode emulation: the harness starts it through `qemu-aarch64`
//! (`E2E_QEMU_AARCH64`, default found on `PATH`) with the arm64 C library of `E2E_QEMU_SYSROOT`
//! (default `/usr/aarch64-linux-gnu`, Debian's `libc6-arm64-cross`).
//!
//! All of these are put in place by the README's test command (`scripts/test-all`), which installs
//! the pinned tools, the arm64 target and qemu, and runs the builds before these tests.

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

/// The review handler built natively for this machine, beside the `sam build` one.
pub fn native_review_handler_path() -> Result<PathBuf, HarnessError> {
    let path = std::env::var_os("E2E_NATIVE_REVIEW_HANDLER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            workspace_root()
                .join("target")
                .join("lambda-native")
                .join("review-handler")
                .join("bootstrap")
        });
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::Missing {
            what: "native review-handler bootstrap",
            path,
        })
    }
}

/// The processor architecture a binary was built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// x86_64 (ELF machine 62).
    X86_64,
    /// arm64 / aarch64 (ELF machine 183).
    Arm64,
}

impl Architecture {
    /// The architecture of the machine running the tests.
    pub fn host() -> Option<Self> {
        match std::env::consts::ARCH {
            "x86_64" => Some(Self::X86_64),
            "aarch64" => Some(Self::Arm64),
            _ => None,
        }
    }

    /// Reads the ELF header of `binary`.
    pub fn of_binary(binary: &Path) -> Result<Self, HarnessError> {
        let bytes = std::fs::read(binary)
            .map_err(|e| HarnessError::Start(format!("{}: {e}", binary.display())))?;
        let machine = (bytes.len() >= 20 && bytes.starts_with(b"\x7fELF"))
            .then(|| u16::from_le_bytes([bytes[18], bytes[19]]));
        match machine {
            Some(62) => Ok(Self::X86_64),
            Some(183) => Ok(Self::Arm64),
            other => Err(HarnessError::Start(format!(
                "{}: not an x86_64 or arm64 ELF executable (machine {other:?})",
                binary.display()
            ))),
        }
    }
}

/// The command that runs `bootstrap` on this machine: the file itself when it was built for this
/// architecture, else a small launcher that starts it under `qemu-aarch64` (the Runtime Interface
/// Emulator execs a single path, so the launcher is a script beside nothing else).
fn launcher_for(bootstrap: &Path) -> Result<PathBuf, HarnessError> {
    let built_for = Architecture::of_binary(bootstrap)?;
    if Some(built_for) == Architecture::host() {
        return Ok(bootstrap.to_path_buf());
    }
    if built_for != Architecture::Arm64 {
        return Err(HarnessError::Start(format!(
            "{} was built for {built_for:?}, which this machine cannot emulate",
            bootstrap.display()
        )));
    }
    let qemu = std::env::var_os("E2E_QEMU_AARCH64")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|dir| dir.join("qemu-aarch64"))
                .find(|candidate| candidate.is_file())
        })
        .ok_or(HarnessError::Missing {
            what: "qemu-aarch64 (Debian's qemu-user, installed by scripts/test-all)",
            path: PathBuf::from("qemu-aarch64"),
        })?;
    let sysroot = std::env::var_os("E2E_QEMU_SYSROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/aarch64-linux-gnu"));
    if !sysroot.join("lib").is_dir() {
        return Err(HarnessError::Missing {
            what: "the arm64 C library (Debian's libc6-arm64-cross, installed by scripts/test-all)",
            path: sysroot,
        });
    }
    let dir = std::env::temp_dir().join(format!(
        "e2e-qemu-{}-{}",
        std::process::id(),
        LAUNCHERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)
        .map_err(|e| HarnessError::Start(format!("{}: {e}", dir.display())))?;
    let launcher = dir.join("bootstrap");
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
    let script = format!(
        "#!/bin/sh\nexec {} -L {} {} \"$@\"\n",
        quote(&qemu),
        quote(&sysroot),
        quote(bootstrap)
    );
    std::fs::write(&launcher, script)
        .map_err(|e| HarnessError::Start(format!("{}: {e}", launcher.display())))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| HarnessError::Start(format!("{}: {e}", launcher.display())))?;
    Ok(launcher)
}

/// Numbers the launcher folders of one test process.
static LAUNCHERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

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
    /// Starts the function `sam build` built as `logical_id` with `env` (on top of static test
    /// credentials and region, so the SDK never looks for real ones).
    pub async fn start(logical_id: &str, env: &[(&str, &str)]) -> Result<Self, HarnessError> {
        Self::start_binary(&bootstrap_path(logical_id)?, logical_id, env).await
    }

    /// Starts the `bootstrap` at `binary` (either architecture; arm64 under qemu on an x86_64
    /// machine) as the function `name`, with `env`.
    pub async fn start_binary(
        binary: &Path,
        name: &str,
        env: &[(&str, &str)],
    ) -> Result<Self, HarnessError> {
        let bootstrap = launcher_for(binary)?;
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
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
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

    /// The base URL of this function's Runtime Interface Emulator, `http://127.0.0.1:PORT`: the
    /// short form `--review-endpoint FUNCTION=URL` takes (the IVS Chat emulator adds the RIE's
    /// one invoke path).
    pub fn base_url(&self) -> &str {
        self.invoke_url
            .split_once("/2015-03-31/")
            .map_or(self.invoke_url.as_str(), |(base, _)| base)
    }

    /// Whether the Runtime Interface Emulator process is still running (it exits when it
    /// crashes, as it does on an overlapping invocation).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Everything the emulator and the function have printed so far.
    pub fn output(&self) -> &CapturedOutput {
        &self.output
    }

    /// The Lambda Invoke API URL of this function, for callers that invoke it themselves (the
    /// IVS Chat emulator's message review, through `--review-endpoint` or `review_endpoint`).
    pub fn invoke_url(&self) -> &str {
        &self.invoke_url
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

/// The review handler's ARN as the emulator's rooms name it in the end-to-end chat tests.
pub const REVIEW_HANDLER_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:ReviewHandlerFunction";
/// Outside strict mode the emulator checks only the shape of the Authorization header.
const ANY_AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ivschat/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";

/// A chat client's WebSocket to the emulator's messaging endpoint.
pub type ChatSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Calls control-plane `operation` of `emulator` with `body` (JSON over HTTP, as the SDK sends
/// it) and returns the answer; panics on a refusal, naming the operation.
pub async fn control_plane_call(
    emulator: &ivschat_emulator::RunningEmulator,
    operation: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let response = reqwest::Client::new()
        .post(format!("{}/{operation}", emulator.url()))
        .header("authorization", ANY_AUTHORIZATION)
        .json(&body)
        .send()
        .await
        .expect("control plane answers");
    assert!(
        response.status().is_success(),
        "{operation}: {}",
        response.status()
    );
    response.json().await.expect("JSON body")
}

/// `user` joins `room` with a chat token that may send messages: their open WebSocket.
pub async fn join_chat(
    emulator: &ivschat_emulator::RunningEmulator,
    room: &str,
    user: &str,
) -> ChatSocket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let token = control_plane_call(
        emulator,
        "CreateChatToken",
        serde_json::json!({"roomIdentifier": room, "userId": user, "capabilities": ["SEND_MESSAGE"]}),
    )
    .await;
    let mut request = emulator
        .messaging_url()
        .into_client_request()
        .expect("messaging URL");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        tokio_tungstenite::tungstenite::http::HeaderValue::from_str(
            token["token"].as_str().unwrap_or_default(),
        )
        .expect("token header"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connects")
        .0
}
