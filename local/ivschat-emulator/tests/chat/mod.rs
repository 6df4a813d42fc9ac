//! A WebSocket chat client for the messaging tests: connects the way AWS's client does (the
//! chat token as the `Sec-WebSocket-Protocol` value) and reads frames as JSON.
#![allow(dead_code)]

use std::time::Duration;

use aws_sdk_ivschat::Client;
use aws_sdk_ivschat::types::{ChatTokenCapability, FallbackResult, MessageReviewHandler};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a frame that should come.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// One connected chat client.
pub struct ChatClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a connection attempt ended.
#[derive(Debug)]
pub enum Refusal {
    /// The handshake was answered with this HTTP status (and body).
    Http(StatusCode, String),
    /// Some other failure.
    Other(String),
}

fn request(url: &str, token: &str) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut request = url.into_client_request().expect("messaging URL is valid");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_str(token).expect("token is a valid header value"),
    );
    request
}

fn refusal(error: WsError) -> Refusal {
    match error {
        WsError::Http(response) => {
            let body = response
                .body()
                .as_ref()
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
                .unwrap_or_default();
            Refusal::Http(response.status(), body)
        }
        other => Refusal::Other(other.to_string()),
    }
}

impl ChatClient {
    /// Connects with `token`.
    pub async fn connect(url: &str, token: &str) -> Result<Self, Refusal> {
        let (ws, _) = tokio_tungstenite::connect_async(request(url, token))
            .await
            .map_err(refusal)?;
        Ok(Self { ws })
    }

    /// Connects over a socket with a tiny receive buffer, for a client that stops reading.
    pub async fn connect_with_small_buffer(
        url: &str,
        token: &str,
        addr: std::net::SocketAddr,
    ) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("buffer size");
        let stream = socket.connect(addr).await.expect("TCP connect");
        let (ws, _) =
            tokio_tungstenite::client_async(request(url, token), MaybeTlsStream::Plain(stream))
                .await
                .expect("handshake");
        Self { ws }
    }

    /// Sends a JSON frame.
    pub async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .expect("frame sent");
    }

    /// Sends raw text.
    pub async fn send_text(&mut self, text: String) -> Result<(), WsError> {
        self.ws.send(Message::text(text)).await
    }

    /// Sends SEND_MESSAGE with this content and request id.
    pub async fn say(&mut self, content: &str, request_id: &str) {
        self.send(json!({"Action": "SEND_MESSAGE", "Content": content, "RequestId": request_id}))
            .await;
    }

    /// The next text frame, as JSON; panics after [`PATIENCE`] or on a close.
    pub async fn next_frame(&mut self) -> Value {
        loop {
            let next = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("a frame arrives in time");
            match next {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str()).expect("frames are JSON");
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// Asserts that no text frame arrives within `within`.
    pub async fn expect_silence(&mut self, within: Duration) {
        if let Ok(Some(Ok(Message::Text(text)))) =
            tokio::time::timeout(within, self.ws.next()).await
        {
            panic!("expected no frame, got {text}");
        }
    }

    /// Reads until the server closes; returns the close frame (skipping text frames).
    pub async fn closed(&mut self) -> Option<CloseFrame> {
        loop {
            let next = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("the connection closes in time");
            match next {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }
}

/// Creates a room with optional limits and review handler; returns its ARN.
pub async fn room(
    client: &Client,
    rate: Option<i32>,
    length: Option<i32>,
    handler: Option<(&str, FallbackResult)>,
) -> String {
    let mut request = client.create_room();
    if let Some(rate) = rate {
        request = request.maximum_message_rate_per_second(rate);
    }
    if let Some(length) = length {
        request = request.maximum_message_length(length);
    }
    if let Some((uri, fallback)) = handler {
        request = request.message_review_handler(
            MessageReviewHandler::builder()
                .uri(uri)
                .fallback_result(fallback)
                .build(),
        );
    }
    request
        .send()
        .await
        .expect("CreateRoom succeeds")
        .arn()
        .expect("room has an ARN")
        .to_owned()
}

/// A chat token for `user` in `room` with these capabilities.
pub async fn token(
    client: &Client,
    room: &str,
    user: &str,
    capabilities: &[ChatTokenCapability],
) -> String {
    client
        .create_chat_token()
        .room_identifier(room)
        .user_id(user)
        .set_capabilities(Some(capabilities.to_vec()))
        .attributes("displayName", format!("{user} display"))
        .send()
        .await
        .expect("CreateChatToken succeeds")
        .token()
        .expect("a token")
        .to_owned()
}

/// Connects `user` to `room` with these capabilities.
pub async fn join(
    client: &Client,
    url: &str,
    room: &str,
    user: &str,
    capabilities: &[ChatTokenCapability],
) -> ChatClient {
    let token = token(client, room, user, capabilities).await;
    ChatClient::connect(url, &token).await.expect("connects")
}

/// The review handler ARN the tests attach.
pub const HANDLER: &str = "arn:aws:lambda:us-east-1:123456789012:function:review-handler";
