//! Starting the emulator in-process and inspecting it while it runs.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use rand::RngCore;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::admin;
use crate::arn::ServiceIdentity;
use crate::chatlog::ChatLog;
use crate::clock::Clock;
use crate::config::{ConfigError, EmulatorConfig, ReviewEndpoint};
use crate::error::ApiError;
use crate::faults::{FaultInjector, FaultRule, FaultSpecError};
use crate::hub::ChatHub;
use crate::messaging;
use crate::model::{JournalEntry, LoggingConfiguration, LoggingConfigurationState, Room};
use crate::pagination::PageTokenCodec;
use crate::persistence::{self, StateFile, StateFileError};
use crate::pool::InstancePool;
use crate::review::{ReviewFunction, ReviewRouter, ReviewTarget};
use crate::server;
use crate::service::{MessagingLimits, Service};
use crate::sigv4::AuthPolicy;
use crate::store::{StateData, StateStore};
use crate::tokens::{ChatTokenSigner, TokenError, VerifiedToken};

/// How long [`RunningEmulator::shutdown`] waits for open connections before dropping them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Why the emulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A configuration value cannot work.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// The state file could not be read.
    #[error(transparent)]
    StateFile(#[from] StateFileError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Entry point: `Emulator::builder()…start().await`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults (127.0.0.1:0, us-east-1, account 123456789012).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configures and starts an emulator.
#[derive(Debug, Clone, Default)]
pub struct EmulatorBuilder {
    config: EmulatorConfig,
    review_functions: Vec<(String, ReviewFunction)>,
}

impl EmulatorBuilder {
    /// A builder starting from a complete configuration (what the CLI does).
    pub fn from_config(config: EmulatorConfig) -> Self {
        Self {
            config,
            review_functions: Vec::new(),
        }
    }

    /// Address to listen on (port 0 for any free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.config.bind = addr;
        self
    }

    /// Region in ARNs and, in strict mode, in signatures.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config.region = region.into();
        self
    }

    /// Account id in ARNs.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.config.account_id = account_id.into();
        self
    }

    /// Most rooms before CreateRoom answers 402.
    pub fn room_quota(mut self, rooms: usize) -> Self {
        self.config.quotas.rooms = rooms;
        self
    }

    /// Most logging configurations before CreateLoggingConfiguration answers 402.
    pub fn logging_configuration_quota(mut self, configurations: usize) -> Self {
        self.config.quotas.logging_configurations = configurations;
        self
    }

    /// Verify SigV4 signatures (default: only require a SigV4 Authorization header).
    pub fn strict_auth(mut self, strict: bool) -> Self {
        self.config.strict_auth = strict;
        self
    }

    /// Replaces the accepted credentials with this single access key and secret.
    pub fn credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.config.credentials.clear();
        self.config
            .credentials
            .insert(access_key_id.into(), secret_access_key.into());
        self
    }

    /// A fault active from the start.
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.config.faults.push(rule);
        self
    }

    /// Seed for probabilistic faults.
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.config.fault_seed = seed;
        self
    }

    /// Load state from `path` at start and save it there after every change.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.state_file = Some(path.into());
        self
    }

    /// Address of the messaging (WebSocket) endpoint (default: the control plane's IP, port 0).
    pub fn messaging_bind(mut self, addr: SocketAddr) -> Self {
        self.config.messaging_bind = Some(addr);
        self
    }

    /// Plugs in a review handler for `function` (a Lambda function ARN, or `*` for every
    /// function): it receives the IVS review request payload and returns the reply document, or
    /// `Err` for a function error, exactly as the Lambda would. It wins over a
    /// [`review_endpoint`](Self::review_endpoint) for the same function.
    pub fn review_function<F, Fut>(mut self, function: impl Into<String>, handler: F) -> Self
    where
        F: Fn(serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<serde_json::Value, String>> + Send + 'static,
    {
        self.review_functions
            .push((function.into(), ReviewFunction::new(handler)));
        self
    }

    /// Invokes `function` (a Lambda function ARN, or `*`) through the Lambda Invoke API at
    /// `url`: `http://HOST:PORT` (the Runtime Interface Emulator's
    /// [`RIE_INVOKE_PATH`](crate::RIE_INVOKE_PATH) is added), or a full `…/invocations` URL. Each
    /// URL is one instance that takes one invocation at a time; call this again with the same
    /// `function` to give it a pool of instances (each review goes to an idle one, or waits in
    /// line within the 200 ms).
    pub fn review_endpoint(mut self, function: impl Into<String>, url: impl Into<String>) -> Self {
        self.config.review_endpoints.push(ReviewEndpoint {
            function: function.into(),
            url: url.into(),
        });
        self
    }

    /// Write chat logs for rooms with logging configurations under `dir`.
    pub fn log_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.log_dir = Some(dir.into());
        self
    }

    /// Most open WebSocket connections (default 10,000); more are refused with HTTP 429.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.config.max_connections = connections;
        self
    }

    /// Largest WebSocket frame accepted (default 64 KiB); a larger one closes the connection
    /// with code 1009.
    pub fn max_frame_bytes(mut self, bytes: usize) -> Self {
        self.config.max_frame_bytes = bytes;
        self
    }

    /// Frames queued for one client before it is cut off as too slow (default 4096).
    pub fn client_queue_frames(mut self, frames: usize) -> Self {
        self.config.client_queue_frames = frames;
        self
    }

    /// Whether rooms' maximumMessageRatePerSecond is enforced (default true; turn it off only
    /// to benchmark delivery).
    pub fn enforce_message_rate(mut self, enforce: bool) -> Self {
        self.config.enforce_message_rate = enforce;
        self
    }

    /// Validates the configuration, loads the state file, binds and starts serving.
    pub async fn start(self) -> Result<RunningEmulator, StartError> {
        let config = self.config;
        config.validate()?;
        let loaded = match &config.state_file {
            Some(path) => persistence::load(path)?
                .map(|snapshot| snapshot.into_parts(path))
                .transpose()?,
            None => None,
        };
        let (data, signing_key) = loaded.unwrap_or_else(|| {
            let mut key = vec![0u8; 32];
            rand::rng().fill_bytes(&mut key);
            (StateData::default(), key)
        });
        let identity = ServiceIdentity {
            region: config.region.clone(),
            account_id: config.account_id.clone(),
        };
        let mut review_targets: Vec<(String, ReviewTarget)> = self
            .review_functions
            .into_iter()
            .map(|(function, handler)| (function, ReviewTarget::InProcess(handler)))
            .collect();
        // One pool per function, of its endpoints in the order given.
        let mut pools: Vec<(String, Vec<String>)> = Vec::new();
        for endpoint in &config.review_endpoints {
            match pools
                .iter_mut()
                .find(|(function, _)| *function == endpoint.function)
            {
                Some((_, urls)) => urls.push(endpoint.invoke_url()),
                None => pools.push((endpoint.function.clone(), vec![endpoint.invoke_url()])),
            }
        }
        review_targets.extend(pools.into_iter().map(|(function, urls)| {
            (
                function,
                ReviewTarget::Endpoints(Arc::new(InstancePool::new(urls))),
            )
        }));
        let auth = if config.strict_auth {
            AuthPolicy::Strict {
                credentials: config.credentials.clone(),
                region: config.region.clone(),
            }
        } else {
            AuthPolicy::RequireSignature
        };
        let service = Arc::new(Service {
            store: StateStore::with_data(identity, config.quotas, data),
            faults: FaultInjector::new(config.faults.clone(), config.fault_seed),
            tokens: ChatTokenSigner::new(&signing_key),
            pages: PageTokenCodec::new(&signing_key),
            auth,
            state_file: config
                .state_file
                .clone()
                .map(|path| StateFile::new(path, &signing_key)),
            clock: Clock::default(),
            hub: ChatHub::new(
                config.client_queue_frames,
                ChatLog::new(config.log_dir.clone()),
            ),
            reviews: ReviewRouter::new(review_targets),
            messaging: MessagingLimits {
                max_connections: config.max_connections,
                max_frame_bytes: config.max_frame_bytes,
                enforce_message_rate: config.enforce_message_rate,
            },
        });
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.bind,
            source,
        })?;
        let messaging_bind = config
            .messaging_bind
            .unwrap_or_else(|| SocketAddr::new(config.bind.ip(), 0));
        let messaging_listener = tokio::net::TcpListener::bind(messaging_bind)
            .await
            .map_err(|source| StartError::Bind {
                addr: messaging_bind,
                source,
            })?;
        let messaging_addr =
            messaging_listener
                .local_addr()
                .map_err(|source| StartError::Bind {
                    addr: messaging_bind,
                    source,
                })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let (stop_messaging, messaging_stopped) = oneshot::channel::<()>();
        let app = server::router(admin::routes(), Arc::clone(&service));
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        let messaging_app = messaging::router(Arc::clone(&service))
            .into_make_service_with_connect_info::<SocketAddr>();
        // Chat frames are small and latency-bound: send each at once rather than wait for
        // Nagle's algorithm to batch it behind an unacknowledged one.
        let messaging_listener = messaging_listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::warn!(%error, "cannot disable Nagle's algorithm on a chat connection");
            }
        });
        let messaging_task = tokio::spawn(async move {
            axum::serve(messaging_listener, messaging_app)
                .with_graceful_shutdown(async {
                    let _ = messaging_stopped.await;
                })
                .await
        });
        Ok(RunningEmulator {
            url: format!("http://{addr}"),
            addr,
            messaging_url: format!("ws://{messaging_addr}"),
            messaging_addr,
            service,
            stop: Some(stop),
            stop_messaging: Some(stop_messaging),
            task: Some(task),
            messaging_task: Some(messaging_task),
        })
    }
}

/// A started emulator: its URL, and a window onto its state. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningEmulator {
    url: String,
    addr: SocketAddr,
    messaging_url: String,
    messaging_addr: SocketAddr,
    service: Arc<Service>,
    stop: Option<oneshot::Sender<()>>,
    stop_messaging: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    messaging_task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningEmulator {
    /// The endpoint URL, `http://HOST:PORT`, to give an SDK as its endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The messaging (WebSocket) endpoint, `ws://HOST:PORT`: connect with a chat token from
    /// CreateChatToken as the `Sec-WebSocket-Protocol` value.
    pub fn messaging_url(&self) -> &str {
        &self.messaging_url
    }

    /// The messaging endpoint's bound address.
    pub fn messaging_addr(&self) -> SocketAddr {
        self.messaging_addr
    }

    /// The number of open chat connections.
    pub fn chat_connection_count(&self) -> usize {
        self.service.hub.connection_count()
    }

    /// Moves the emulator's clock forward by `by`, so chat tokens and sessions expire without
    /// waiting (CreateChatToken also issues tokens against the moved clock).
    pub fn advance_clock(&self, by: Duration) {
        self.service.clock.advance(by);
    }

    /// All rooms, by id.
    pub fn rooms(&self) -> Vec<Room> {
        self.service.store.snapshot().rooms.into_values().collect()
    }

    /// Creates a room with a chosen 12-character id and these tags, for fixtures that name their
    /// rooms. Fails on a malformed id (400) or one already taken (409).
    pub fn create_room_with_id(
        &self,
        id: &str,
        name: &str,
        tags: BTreeMap<String, String>,
    ) -> Result<Room, ApiError> {
        let room = self.service.create_room_with_id(id, name, tags)?;
        Ok(room)
    }

    /// All logging configurations, by id.
    pub fn logging_configurations(&self) -> Vec<LoggingConfiguration> {
        self.service
            .store
            .snapshot()
            .logging_configurations
            .into_values()
            .collect()
    }

    /// The DeleteMessage / DisconnectUser / SendEvent journal, oldest first.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.service.store.journal()
    }

    /// Adds a fault after the active ones.
    pub fn set_fault(&self, rule: FaultRule) -> Result<(), FaultSpecError> {
        rule.validate()?;
        self.service.faults.add(rule);
        Ok(())
    }

    /// The active faults.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.service.faults.rules()
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.service.faults.clear();
    }

    /// Forgets all resources, the journal and the faults, and closes every chat connection.
    pub fn reset(&self) {
        self.service.hub.close_all("emulator reset");
        self.service.store.reset();
        self.service.faults.clear();
        self.service.persist();
    }

    /// Puts a logging configuration into `state`, to emulate one caught mid-change (the API
    /// itself always leaves configurations ACTIVE). Fails if it does not exist.
    pub fn set_logging_configuration_state(
        &self,
        arn: &str,
        state: LoggingConfigurationState,
    ) -> Result<(), ApiError> {
        self.service
            .store
            .set_logging_configuration_state(arn, state)?;
        self.service.persist();
        Ok(())
    }

    /// Verifies a chat token this emulator issued: signature, then expiry against the clock.
    pub fn verify_chat_token(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        self.service.tokens.verify(token, self.service.clock.now())
    }

    /// Stops accepting requests, lets in-flight ones finish (up to [`SHUTDOWN_GRACE`]) and
    /// waits for the server to end.
    pub async fn shutdown(mut self) {
        self.service.hub.close_all("emulator stopping");
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stop) = self.stop_messaging.take() {
            let _ = stop.send(());
        }
        for mut task in [self.task.take(), self.messaging_task.take()]
            .into_iter()
            .flatten()
        {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stop) = self.stop_messaging.take() {
            let _ = stop.send(());
        }
        self.service.hub.close_all("emulator stopping");
    }
}
