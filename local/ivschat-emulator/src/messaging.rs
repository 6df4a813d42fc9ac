//! The Messaging (WebSocket) API: clients connect with their chat token as the
//! `Sec-WebSocket-Protocol` value, publish SEND_MESSAGE, DELETE_MESSAGE and DISCONNECT_USER,
//! and receive MESSAGE, EVENT and ERROR frames (docs/ivs-chat.md §4).
//!
//! A connection is refused before the upgrade, with an HTTP status, when the token is missing,
//! malformed, forged, expired or already used (401), its room no longer exists (404), or the
//! connection cap is reached (429). Once open, the connection lasts until the token's
//! sessionExpirationTime (then ERROR 401 and a close), a DisconnectUser, the room's deletion,
//! or the client falling too far behind on its frames. Where AWS documents nothing (how a
//! handshake is refused, what ends a session), docs/ivs-chat.md §4.6 records what this does.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use ivschat_api::review::ReviewResult;
use serde_json::json;
use time::OffsetDateTime;

use crate::arn::new_id;
use crate::chatlog::RecordType;
use crate::frames::{self, Action, ErrorCode, RequestError, SenderFrame};
use crate::hub::{AdmitError, CLOSE_NORMAL, Cutoff, Delivery, Outbound};
use crate::model::{Capability, JournalAction, Room};
use crate::operations::LiveEffect;
use crate::review::ReviewSubject;
use crate::service::Service;
use crate::store::JournalDraft;
use crate::tokens::{TokenError, VerifiedToken};

/// WebSocket close code for a frame over the size limit.
const CLOSE_TOO_BIG: u16 = 1009;
/// How long a closing connection's writer may take to flush its last frames.
const WRITER_GRACE: Duration = Duration::from_secs(5);
/// How long a cut-off connection gets to take its close frame.
const CUTOFF_GRACE: Duration = Duration::from_millis(100);

/// The messaging endpoint's app: a WebSocket upgrade on any path.
pub fn router(service: Arc<Service>) -> Router {
    Router::new().fallback(upgrade).with_state(service)
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "ErrorCode": status.as_u16(), "ErrorMessage": message })),
    )
        .into_response()
}

/// The chat token: the first `Sec-WebSocket-Protocol` value.
fn offered_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("sec-websocket-protocol")?.to_str().ok()?;
    value
        .split(',')
        .map(str::trim)
        .find(|token| !token.is_empty())
        .map(str::to_owned)
}

async fn upgrade(
    State(service): State<Arc<Service>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "this endpoint speaks the IVS Chat Messaging API: open a WebSocket with the chat token as its protocol",
        );
    };
    let Some(token) = offered_token(&headers) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the chat token is missing: send it as the Sec-WebSocket-Protocol value",
        );
    };
    let now = service.clock.now();
    let grant = match service.tokens.verify(&token, now) {
        Ok(grant) => grant,
        Err(TokenError::Expired { .. }) => {
            return refuse(StatusCode::UNAUTHORIZED, "the chat token has expired");
        }
        Err(TokenError::Malformed | TokenError::BadSignature) => {
            return refuse(StatusCode::UNAUTHORIZED, "the chat token is not valid");
        }
    };
    if service.store.get_room(&grant.room_arn).is_err() {
        return refuse(
            StatusCode::NOT_FOUND,
            &format!("room {} does not exist", grant.room_arn),
        );
    }
    let limits = &service.messaging;
    match service.hub.admit(
        &grant.token_id,
        grant.token_expiration_time,
        now,
        limits.max_connections,
    ) {
        Ok(()) => {}
        Err(AdmitError::TokenReused) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "the chat token was already used; each token is accepted once",
            );
        }
        Err(AdmitError::TooManyConnections) => {
            return refuse(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "the emulator already holds {} connections (--max-connections)",
                    limits.max_connections
                ),
            );
        }
    }
    tracing::info!(room = %grant.room_arn, user = %grant.user_id, peer = %peer, "chat connection opened");
    let on_failure = Arc::clone(&service);
    upgrade
        .protocols([token])
        .max_message_size(limits.max_frame_bytes)
        .max_frame_size(limits.max_frame_bytes)
        .on_failed_upgrade(move |_| on_failure.hub.release())
        .on_upgrade(move |socket| async move {
            let session = Session {
                service: Arc::clone(&service),
                grant,
                ip: peer.ip().to_string(),
                id: 0,
            };
            session.run(socket).await;
            service.hub.release();
        })
}

struct Session {
    service: Arc<Service>,
    grant: VerifiedToken,
    ip: String,
    id: u64,
}

async fn write_frames(
    mut sink: futures::stream::SplitSink<WebSocket, Message>,
    mut outbound: tokio::sync::mpsc::Receiver<Outbound>,
    mut cutoff: tokio::sync::watch::Receiver<Option<Cutoff>>,
) {
    // The hub drops its end of `cutoff` when it removes the connection; then only the queue
    // matters (it ends with the close frame the hub queued, or simply ends).
    let mut watching = true;
    loop {
        tokio::select! {
            biased;
            changed = cutoff.changed(), if watching => {
                if changed.is_err() {
                    watching = false;
                    continue;
                }
                let stop = cutoff.borrow_and_update().clone();
                if let Some(stop) = stop {
                    // Best effort: a client that stopped reading may never take this frame.
                    let close = Message::Close(Some(CloseFrame { code: stop.code, reason: stop.reason.into() }));
                    let _ = tokio::time::timeout(CUTOFF_GRACE, sink.send(close)).await;
                    return;
                }
            }
            item = outbound.recv() => match item {
                Some(Outbound::Frame(text)) => {
                    if sink.send(Message::Text(text)).await.is_err() {
                        return;
                    }
                }
                Some(Outbound::Close { code, reason }) => {
                    let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    return;
                }
                None => {
                    let _ = sink.close().await;
                    return;
                }
            },
        }
    }
}

/// Resolves when the session's expiry passes on the (advanceable) clock.
async fn session_end(service: &Service, expiry: OffsetDateTime) {
    let mut changes = service.clock.subscribe();
    loop {
        let wait = service.clock.until(expiry);
        if wait.is_zero() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            changed = changes.changed() => {
                if changed.is_err() {
                    // The clock is gone with the emulator; fall back to plain waiting.
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

impl Session {
    fn room_arn(&self) -> &str {
        &self.grant.room_arn
    }

    async fn run(mut self, socket: WebSocket) {
        let membership = self
            .service
            .hub
            .join(&self.grant.room_arn, &self.grant.user_id);
        self.id = membership.id;
        let mut cutoff = membership.cutoff.clone();
        let (sink, mut stream) = socket.split();
        let mut writer = tokio::spawn(write_frames(sink, membership.outbound, membership.cutoff));
        let mut writer_done = false;
        let mut expired = false;
        let mut watching = true;
        let mut cut_off = false;
        let expiry = self.grant.session_expiration_time;
        loop {
            tokio::select! {
                _ = &mut writer, if !writer_done => {
                    writer_done = true;
                    break;
                }
                changed = cutoff.changed(), if watching => match changed {
                    Ok(()) if cutoff.borrow_and_update().is_some() => {
                        cut_off = true;
                        break;
                    }
                    Ok(()) => {}
                    Err(_) => watching = false,
                },
                _ = session_end(&self.service, expiry), if !expired => {
                    expired = true;
                    self.send_error(&new_id(), None, RequestError::new(
                        ErrorCode::Unauthorized,
                        "the connection has expired (the chat token's sessionExpirationTime passed)",
                    ));
                    self.service.hub.close_connection(self.room_arn(), self.id, CLOSE_NORMAL, "session expired");
                }
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(text))) => self.handle(text.as_str()).await,
                    Some(Ok(Message::Binary(_))) => self.send_error(&new_id(), None, RequestError::new(
                        ErrorCode::BadRequest,
                        "requests must be JSON text frames, not binary frames",
                    )),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_))) | None => break,
                    Some(Err(error)) => {
                        let reason = if error.to_string().to_ascii_lowercase().contains("size") {
                            format!("frame larger than {} bytes", self.service.messaging.max_frame_bytes)
                        } else {
                            "protocol error".to_owned()
                        };
                        tracing::info!(room = %self.grant.room_arn, user = %self.grant.user_id, %error, "chat connection failed");
                        self.service.hub.close_connection(self.room_arn(), self.id, CLOSE_TOO_BIG, &reason);
                        break;
                    }
                },
            }
        }
        self.service.hub.leave(self.room_arn(), self.id);
        // A cut-off client may not be reading at all: its writer gets only the cutoff's grace.
        let grace = if cut_off {
            CUTOFF_GRACE * 2
        } else {
            WRITER_GRACE
        };
        if !writer_done && tokio::time::timeout(grace, &mut writer).await.is_err() {
            writer.abort();
        }
        tracing::info!(room = %self.grant.room_arn, user = %self.grant.user_id, "chat connection closed");
    }

    fn send_error(&self, id: &str, request_id: Option<&str>, error: RequestError) {
        self.service.hub.send_to(
            self.room_arn(),
            self.id,
            frames::error(id, request_id, &error),
        );
    }

    fn require(&self, capability: Capability) -> Result<(), RequestError> {
        if self.grant.capabilities.contains(&capability) {
            Ok(())
        } else {
            Err(RequestError::new(
                ErrorCode::Forbidden,
                format!(
                    "the chat token lacks the {} capability",
                    capability.as_str()
                ),
            ))
        }
    }

    fn current_room(&self) -> Result<Room, RequestError> {
        self.service.store.get_room(self.room_arn()).map_err(|_| {
            RequestError::new(
                ErrorCode::NotFound,
                format!("room {} does not exist", self.room_arn()),
            )
        })
    }

    async fn handle(&self, text: &str) {
        let object = match frames::read_object(text) {
            Ok(object) => object,
            Err(error) => return self.send_error(&new_id(), None, error),
        };
        let request_id = frames::request_id_of(&object);
        let request_id = request_id.as_deref();
        let needed = match frames::action_of(&object) {
            Some("SEND_MESSAGE") => Some(Capability::SendMessage),
            Some("DELETE_MESSAGE") => Some(Capability::DeleteMessage),
            Some("DISCONNECT_USER") => Some(Capability::DisconnectUser),
            _ => None,
        };
        let checked = needed
            .map_or(Ok(()), |capability| self.require(capability))
            .and_then(|()| frames::parse_publish(&object));
        let publish = match checked {
            Ok(publish) => publish,
            Err(error) => return self.send_error(&new_id(), request_id, error),
        };
        let outcome = match publish.action {
            Action::SendMessage {
                content,
                attributes,
            } => self.send_message(request_id, content, attributes).await,
            Action::DeleteMessage { id, reason } => {
                self.delete_message(request_id, &id, reason.as_deref())
            }
            Action::DisconnectUser { user_id, reason } => {
                self.disconnect_user(request_id, &user_id, reason.as_deref())
            }
        };
        if let Err((id, error)) = outcome {
            self.send_error(&id, request_id, error);
        }
    }

    fn deliver(&self, frame: String, kind: RecordType, received: OffsetDateTime) {
        let hub = &self.service.hub;
        let destinations = if hub.logging_enabled() {
            self.service.store.log_destinations(self.room_arn())
        } else {
            Vec::new()
        };
        hub.deliver(
            self.room_arn(),
            &Delivery {
                frame,
                kind,
                received,
            },
            &destinations,
        );
    }

    async fn send_message(
        &self,
        request_id: Option<&str>,
        content: String,
        attributes: BTreeMap<String, String>,
    ) -> Result<(), (String, RequestError)> {
        let message_id = new_id();
        let fail = |error: RequestError| (message_id.clone(), error);
        let room = self.current_room().map_err(fail)?;
        let maximum_length = usize::try_from(room.maximum_message_length).unwrap_or(usize::MAX);
        let length = content.chars().count();
        if length > maximum_length {
            return Err(fail(RequestError::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "Content: must be at most {maximum_length} code points (the room's maximumMessageLength); got {length}"
                ),
            )));
        }
        let rate = usize::try_from(room.maximum_message_rate_per_second).unwrap_or(usize::MAX);
        if self.service.messaging.enforce_message_rate
            && !self.service.hub.try_send_slot(self.room_arn(), rate)
        {
            return Err(fail(RequestError::new(
                ErrorCode::TooManyRequests,
                format!("the room's maximumMessageRatePerSecond ({rate}) is exceeded"),
            )));
        }
        let received = self.service.clock.now();
        let (content, attributes) = match &room.message_review_handler {
            None => (content, attributes),
            Some(handler) => {
                let request = json!({
                    "Content": content,
                    "MessageId": message_id,
                    "RoomArn": room.arn,
                    "Attributes": attributes,
                    "Sender": {
                        "Attributes": self.grant.attributes,
                        "UserId": self.grant.user_id,
                        "Ip": self.ip,
                    },
                });
                let outcome = self
                    .service
                    .reviews
                    .review(ReviewSubject {
                        function_arn: &handler.uri,
                        fallback: handler.fallback_result,
                        maximum_length,
                        request,
                        content: &content,
                        attributes: &attributes,
                    })
                    .await;
                // The room may have been deleted meanwhile; then there is nothing to journal.
                let _ = self.service.store.record(JournalDraft {
                    action: JournalAction::ReviewMessage,
                    room_arn: room.arn.clone(),
                    user_id: Some(self.grant.user_id.clone()),
                    message_id: Some(message_id.clone()),
                    event_name: None,
                    reason: outcome.reason.clone(),
                    attributes: BTreeMap::new(),
                    review: Some(outcome.record.clone()),
                });
                if outcome.result == ReviewResult::Deny {
                    let message = match (&outcome.reason, &outcome.record.failure) {
                        (Some(reason), _) => reason.clone(),
                        (None, Some(failure)) => format!(
                            "The message was rejected: review failed ({failure}) and the room's fallbackResult is DENY"
                        ),
                        (None, None) => "The message was rejected during message review".to_owned(),
                    };
                    return Err(fail(RequestError::new(ErrorCode::NotAcceptable, message)));
                }
                (outcome.content, outcome.attributes)
            }
        };
        let frame = frames::message(
            &message_id,
            request_id,
            &content,
            &attributes,
            SenderFrame {
                user_id: &self.grant.user_id,
                attributes: &self.grant.attributes,
            },
            received,
        );
        self.deliver(frame, RecordType::Message, received);
        Ok(())
    }

    fn delete_message(
        &self,
        request_id: Option<&str>,
        message_id: &str,
        reason: Option<&str>,
    ) -> Result<(), (String, RequestError)> {
        let id = new_id();
        self.current_room().map_err(|error| (id.clone(), error))?;
        let received = self.service.clock.now();
        let frame = frames::event(
            &id,
            request_id,
            frames::DELETE_MESSAGE_EVENT,
            &frames::delete_message_attributes(message_id, reason),
            received,
        );
        self.deliver(frame, RecordType::Event, received);
        Ok(())
    }

    fn disconnect_user(
        &self,
        request_id: Option<&str>,
        user_id: &str,
        reason: Option<&str>,
    ) -> Result<(), (String, RequestError)> {
        let id = new_id();
        self.current_room().map_err(|error| (id.clone(), error))?;
        let received = self.service.clock.now();
        let frame = frames::event(
            &id,
            request_id,
            frames::DISCONNECT_USER_EVENT,
            &frames::disconnect_user_attributes(user_id, reason),
            received,
        );
        self.deliver(frame, RecordType::Event, received);
        self.service.hub.disconnect_user(
            self.room_arn(),
            user_id,
            reason.unwrap_or("disconnected by a moderator"),
        );
        Ok(())
    }
}

/// Applies a control-plane call's effect to live connections: DeleteMessage, DisconnectUser and
/// SendEvent deliver their event to everyone in the room (DisconnectUser then closes the user's
/// connections); DeleteRoom closes the room's connections.
pub fn apply_live_effect(service: &Service, effect: LiveEffect) {
    match effect {
        LiveEffect::Event {
            room_arn,
            id,
            event_name,
            attributes,
        } => deliver_api_event(service, &room_arn, &id, &event_name, &attributes),
        LiveEffect::Disconnect {
            room_arn,
            id,
            user_id,
            reason,
        } => {
            let attributes = frames::disconnect_user_attributes(&user_id, reason.as_deref());
            deliver_api_event(
                service,
                &room_arn,
                &id,
                frames::DISCONNECT_USER_EVENT,
                &attributes,
            );
            service.hub.disconnect_user(
                &room_arn,
                &user_id,
                reason
                    .as_deref()
                    .unwrap_or("disconnected by DisconnectUser"),
            );
        }
        LiveEffect::RoomDeleted { room_arn } => service.hub.close_room(&room_arn, "room deleted"),
    }
}

fn deliver_api_event(
    service: &Service,
    room_arn: &str,
    id: &str,
    event_name: &str,
    attributes: &BTreeMap<String, String>,
) {
    let received = service.clock.now();
    let frame = frames::event(id, None, event_name, attributes, received);
    let destinations = if service.hub.logging_enabled() {
        service.store.log_destinations(room_arn)
    } else {
        Vec::new()
    };
    service.hub.deliver(
        room_arn,
        &Delivery {
            frame,
            kind: RecordType::Event,
            received,
        },
        &destinations,
    );
}
