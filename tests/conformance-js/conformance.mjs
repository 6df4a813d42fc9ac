// Conformance: AWS's own IVS Chat client (amazon-ivs-chat-messaging, pinned in package.json)
// against the local emulator. Run by local/ivschat-emulator/tests/conformance_js.rs, which starts the emulator
// with a review handler denying messages that contain "badword" (Reason "no bad words here")
// and passes its endpoints in IVSCHAT_ENDPOINT (control plane) and IVSCHAT_MESSAGING (ws://).
//
// Node 20 has a WebSocket global only behind --experimental-websocket (Node 22 has it by
// default); the client calls `new WebSocket(url, token)` and needs nothing else.

import assert from 'node:assert/strict';
import {
  ChatRoom,
  DeleteMessageRequest,
  DisconnectUserRequest,
  SendMessageRequest,
} from 'amazon-ivs-chat-messaging';

const endpoint = process.env.IVSCHAT_ENDPOINT;
const messaging = process.env.IVSCHAT_MESSAGING;
const handler = process.env.IVSCHAT_REVIEW_HANDLER;
assert.ok(endpoint && messaging && handler, 'set IVSCHAT_ENDPOINT, IVSCHAT_MESSAGING and IVSCHAT_REVIEW_HANDLER');
assert.equal(typeof WebSocket, 'function', 'run with node --experimental-websocket (Node 20)');

// The emulator wants a SigV4-shaped Authorization header; it checks signatures only in
// --strict-auth mode, so a well-formed dummy does for these control-plane calls.
const AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ivschat/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
  '0'.repeat(64);

async function call(operation, body) {
  const response = await fetch(`${endpoint}/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `${operation}: HTTP ${response.status} ${text}`);
  return JSON.parse(text);
}

function silentLogger() {
  const lines = [];
  const keep = (level) => (...args) => lines.push(`${level} ${args.map(String).join(' ')}`);
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** Connects `userId` to `roomArn` through the real client; resolves once connected. */
async function connect(roomArn, userId, capabilities) {
  const room = new ChatRoom({
    regionOrUrl: messaging,
    // A fresh token for every (re)connection: each token is accepted once.
    tokenProvider: async () => {
      const token = await call('CreateChatToken', {
        roomIdentifier: roomArn,
        userId,
        capabilities,
        attributes: { displayName: userId.toUpperCase() },
      });
      return {
        token: token.token,
        tokenExpirationTime: new Date(token.tokenExpirationTime),
        sessionExpirationTime: new Date(token.sessionExpirationTime),
      };
    },
  });
  room.logger = silentLogger();
  room.logLevel = 'error';
  const connected = once(room, 'connect');
  room.connect();
  await connected;
  return room;
}

function once(room, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      remove();
      reject(new Error(`timed out waiting for "${event}"`));
    }, timeoutMs);
    const remove = room.addListener(event, (value) => {
      clearTimeout(timer);
      remove();
      resolve(value);
    });
  });
}

async function rejection(promise) {
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (error) {
    return error;
  }
}

const results = [];
async function check(name, body) {
  await body();
  results.push(name);
  console.log(`ok - ${name}`);
}

const lobby = await call('CreateRoom', {
  name: 'conformance',
  messageReviewHandler: { uri: handler, fallbackResult: 'ALLOW' },
});
const moderator = await connect(lobby.arn, 'mod', ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER']);
const viewer = await connect(lobby.arn, 'viewer', ['SEND_MESSAGE']);

let sent;
await check('sendMessage resolves with the delivered message, and others receive it', async () => {
  const received = once(viewer, 'message');
  sent = await moderator.sendMessage(new SendMessageRequest('hello from the JS client', { colour: 'teal' }));
  assert.equal(sent.content, 'hello from the JS client');
  assert.deepEqual(sent.attributes, { colour: 'teal' });
  assert.equal(sent.sender.userId, 'mod');
  assert.deepEqual(sent.sender.attributes, { displayName: 'MOD' });
  assert.ok(sent.sendTime instanceof Date && !Number.isNaN(sent.sendTime.getTime()));
  const message = await received;
  assert.equal(message.id, sent.id);
  assert.equal(message.content, sent.content);
});

await check('deleteMessage resolves with the delete event, and others get messageDelete', async () => {
  const deleted = once(viewer, 'messageDelete');
  const event = await moderator.deleteMessage(new DeleteMessageRequest(sent.id, 'tidying up'));
  assert.equal(event.messageId, sent.id);
  assert.equal(event.reason, 'tidying up');
  const seen = await deleted;
  assert.equal(seen.messageId, sent.id);
});

await check('a message denied by review rejects with chat error 406 and the reason', async () => {
  const error = await rejection(viewer.sendMessage(new SendMessageRequest('this has a badword in it')));
  assert.equal(error.errorCode, 406);
  assert.equal(error.errorMessage, 'no bad words here');
});

await check('an event sent through the API reaches the event listener', async () => {
  const received = once(viewer, 'event');
  await call('SendEvent', { roomIdentifier: lobby.arn, eventName: 'app:poll', attributes: { question: 'tea?' } });
  const event = await received;
  assert.equal(event.eventName, 'app:poll');
  assert.deepEqual(event.attributes, { question: 'tea?' });
});

await check('a room over its message rate rejects with chat error 429', async () => {
  const slow = await call('CreateRoom', { name: 'slow', maximumMessageRatePerSecond: 1 });
  const chatter = await connect(slow.arn, 'chatter', ['SEND_MESSAGE']);
  const first = chatter.sendMessage(new SendMessageRequest('one'));
  const second = chatter.sendMessage(new SendMessageRequest('two'));
  assert.equal((await first).content, 'one');
  const error = await rejection(second);
  assert.equal(error.errorCode, 429);
  chatter.disconnect();
});

await check('disconnectUser resolves, and the target is disconnected by the server', async () => {
  const disconnected = once(viewer, 'disconnect');
  const event = await moderator.disconnectUser(new DisconnectUserRequest('viewer', 'time out'));
  assert.equal(event.userId, 'viewer');
  assert.equal(event.reason, 'time out');
  assert.equal(await disconnected, 'serverDisconnect');
  assert.equal(viewer.state, 'disconnected');
});

moderator.disconnect();
console.log(`conformance: ${results.length} checks passed`);
