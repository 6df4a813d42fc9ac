// The local demo page: sign in as a demo user, get a chat token from the token API (through the
// front, with the JWT), join the room on the emulator's messaging WebSocket, chat, and moderate
// through the moderation API: delete, disconnect, and ban, time out or unban a user (the table's
// records, which the token API and the review handler enforce). Plain JavaScript, no build step.
// Tokens are kept in memory only.
'use strict';

const state = {
  config: null,
  users: [],
  user: null, // { username, groups, description, sub }
  idToken: null,
  room: null,
  socket: null,
  pending: new Map(), // RequestId -> { text, sentAt }
  elements: new Map(), // message id -> <li>
  names: new Map(), // userId -> display name, from the messages seen
};

const $ = (id) => document.getElementById(id);

function logRequest(method, path, status, note) {
  const item = document.createElement('li');
  item.textContent = `${method} ${path} → ${status}${note ? `  ${note}` : ''}`;
  $('requests').prepend(item);
}

function isModerator() {
  return Boolean(state.user && state.user.groups.includes('moderator'));
}

async function loadSetup() {
  const config = await fetch('/_local/config').then((r) => r.json());
  state.config = config;
  const rooms = $('room-select');
  rooms.innerHTML = '';
  for (const room of config.rooms) {
    const option = document.createElement('option');
    option.value = room.id;
    const review = room.reviewed ? `reviewed, fallback ${room.fallbackResult}` : 'not reviewed';
    option.textContent = `${room.name} (${review})`;
    rooms.append(option);
  }
  if (!config.idpUrl) {
    $('signed-in').textContent = 'The front runs without an identity provider.';
    return;
  }
  const users = await fetch(`${config.idpUrl}/users`).then((r) => r.json());
  state.users = users.users;
  const select = $('user-select');
  select.innerHTML = '';
  for (const user of state.users) {
    const option = document.createElement('option');
    option.value = user.username;
    option.textContent = `${user.username} (${user.groups.join(', ')})`;
    select.append(option);
  }
  const describe = () => {
    const user = state.users.find((u) => u.username === select.value);
    $('user-description').textContent = user ? user.description : '';
  };
  select.addEventListener('change', describe);
  describe();
}

async function signIn() {
  const username = $('user-select').value;
  const response = await fetch(`${state.config.idpUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  const body = await response.json();
  logRequest('POST', '/token (identity provider)', response.status, response.ok ? username : body.error_description);
  if (!response.ok) return;
  state.idToken = body.id_token;
  state.user = state.users.find((u) => u.username === username);
  $('moderation').hidden = !isModerator();
  $('signed-in').textContent = `Signed in as ${username} (${state.user.groups.join(', ')}).`;
  $('join').disabled = false;
}

async function apiPost(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${state.idToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body || {}),
  });
  let payload = null;
  try {
    payload = await response.json();
  } catch (_) {
    payload = null;
  }
  const note = response.ok ? '' : (payload && (payload.error ? `${payload.error.code}: ${payload.error.message}` : payload.message)) || '';
  logRequest('POST', path, response.status, note);
  return { response, payload };
}

// The error an API answer carries, for people: `CODE (field): message`, or the HTTP status.
function describeError(response, payload) {
  const error = payload && payload.error;
  if (!error) return `HTTP ${response.status}${payload && payload.message ? `: ${payload.message}` : ''}`;
  return `${error.code}${error.field ? ` (${error.field})` : ''}: ${error.message}`;
}

async function join() {
  if (state.socket) {
    state.socket.close(1000);
    state.socket = null;
  }
  const roomId = $('room-select').value;
  state.room = state.config.rooms.find((r) => r.id === roomId);
  const { response, payload } = await apiPost(`/rooms/${encodeURIComponent(roomId)}/tokens`, {});
  if (!response.ok) {
    $('connection').textContent = `No chat token: ${payload && payload.error ? payload.error.message : response.status}`;
    $('connection').dataset.state = 'refused';
    return;
  }
  const socket = new WebSocket(state.config.messagingUrl, payload.token);
  state.socket = socket;
  socket.addEventListener('open', () => {
    $('connection').textContent = `Connected to ${state.room.name} as ${state.user.username}.`;
    $('connection').dataset.state = 'connected';
    $('room-name').textContent = state.room.name;
    $('message-input').disabled = false;
    $('send').disabled = false;
    $('moderation').hidden = !isModerator();
  });
  socket.addEventListener('message', (event) => onFrame(JSON.parse(event.data)));
  socket.addEventListener('close', (event) => {
    if (state.socket !== socket) return;
    $('connection').textContent = `Disconnected (${event.code}${event.reason ? `: ${event.reason}` : ''}).`;
    $('connection').dataset.state = 'closed';
    $('message-input').disabled = true;
    $('send').disabled = true;
  });
}

function messageElement(id) {
  let element = state.elements.get(id);
  if (!element) {
    element = document.createElement('li');
    element.className = 'message';
    element.dataset.id = id;
    $('messages').append(element);
    state.elements.set(id, element);
  }
  return element;
}

function rememberName(userId, displayName) {
  if (!userId || state.names.has(userId)) return;
  state.names.set(userId, displayName || userId);
  const option = document.createElement('option');
  option.value = userId;
  option.textContent = displayName || userId;
  $('mod-user').append(option);
}

// A display name for a user id: from the messages seen, else the demo directory, else the id.
function nameOf(userId) {
  const known = state.users.find((u) => u.sub === userId);
  return state.names.get(userId) || (known && known.username) || userId;
}

function addSystemLine(text, kind) {
  const element = document.createElement('li');
  element.className = `message system${kind ? ` ${kind}` : ''}`;
  element.textContent = text;
  $('messages').append(element);
  element.scrollIntoView({ block: 'end' });
}

async function showReview(id, element, sentAt) {
  const meta = element.querySelector('.meta');
  const roundTrip = sentAt ? `, ${Math.round(performance.now() - sentAt)} ms round trip` : '';
  if (!state.room || !state.room.reviewed) {
    meta.textContent += `not reviewed${roundTrip}`;
    return;
  }
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const response = await fetch(`/_local/reviews/${encodeURIComponent(id)}`);
    if (response.ok) {
      const review = await response.json();
      const ms = (review.latencyMicros / 1000).toFixed(2);
      const fallback = review.fallbackApplied ? ` (fallback: ${review.failure})` : '';
      meta.textContent = `review ${review.result} in ${ms} ms${fallback}${roundTrip}`;
      element.dataset.reviewMs = ms;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

function renderMessage(frame) {
  const element = messageElement(frame.Id);
  const sender = frame.Sender || {};
  const attributes = sender.Attributes || {};
  const mine = state.user && sender.UserId === state.user.sub;
  const pending = frame.RequestId && state.pending.get(frame.RequestId);
  rememberName(sender.UserId, attributes.displayName);
  element.className = `message${mine ? ' mine' : ''}`;
  element.innerHTML = '';
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = attributes.displayName || sender.UserId;
  const role = document.createElement('span');
  role.className = 'role';
  role.textContent = attributes.role || '';
  const content = document.createElement('span');
  content.className = 'content';
  content.textContent = frame.Content;
  element.append(who, role, content);
  if (pending && pending.text !== frame.Content) {
    element.classList.add('masked');
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = 'masked by review';
    element.append(badge);
  }
  if (isModerator()) {
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'link delete';
    remove.textContent = 'delete';
    remove.addEventListener('click', () => moderate('delete', frame.Id, sender.UserId));
    element.append(remove);
    if (!mine) {
      const kick = document.createElement('button');
      kick.type = 'button';
      kick.className = 'link disconnect';
      kick.textContent = 'disconnect user';
      kick.addEventListener('click', () => moderate('disconnect', frame.Id, sender.UserId));
      const timeout = document.createElement('button');
      timeout.type = 'button';
      timeout.className = 'link timeout';
      timeout.textContent = 'time out';
      timeout.addEventListener('click', () => moderateUser('timeout', sender.UserId));
      const ban = document.createElement('button');
      ban.type = 'button';
      ban.className = 'link ban';
      ban.textContent = 'ban';
      ban.addEventListener('click', () => moderateUser('ban', sender.UserId));
      element.append(kick, timeout, ban);
    }
  }
  const meta = document.createElement('span');
  meta.className = 'meta';
  element.append(meta);
  element.scrollIntoView({ block: 'end' });
  if (pending) state.pending.delete(frame.RequestId);
  showReview(frame.Id, element, pending && pending.sentAt);
}

function renderDenied(frame) {
  const pending = frame.RequestId && state.pending.get(frame.RequestId);
  const element = messageElement(frame.Id);
  element.className = 'message mine denied';
  element.innerHTML = '';
  const content = document.createElement('span');
  content.className = 'content';
  content.textContent = pending ? pending.text : '';
  const reason = document.createElement('span');
  reason.className = 'reason';
  reason.textContent = `Not delivered: ${frame.ErrorMessage}`;
  const meta = document.createElement('span');
  meta.className = 'meta';
  element.append(content, reason, meta);
  element.scrollIntoView({ block: 'end' });
  if (pending) state.pending.delete(frame.RequestId);
  showReview(frame.Id, element, pending && pending.sentAt);
}

function onFrame(frame) {
  if (frame.Type === 'MESSAGE') {
    renderMessage(frame);
  } else if (frame.Type === 'ERROR') {
    if (frame.ErrorCode === 406) {
      renderDenied(frame);
    } else {
      const pending = frame.RequestId && state.pending.get(frame.RequestId);
      addSystemLine(`Error ${frame.ErrorCode}: ${frame.ErrorMessage}${pending ? ` (“${pending.text}”)` : ''}`);
    }
  } else if (frame.Type === 'EVENT') {
    const attributes = frame.Attributes || {};
    if (frame.EventName === 'aws:DELETE_MESSAGE') {
      const id = attributes.MessageID || attributes.MessageId;
      const element = state.elements.get(id);
      if (element) {
        element.className = 'message deleted';
        element.innerHTML = '';
        const content = document.createElement('span');
        content.className = 'content';
        content.textContent = `Message deleted by a moderator${attributes.Reason ? `: ${attributes.Reason}` : ''}`;
        element.append(content);
      }
    } else if (frame.EventName === 'aws:DISCONNECT_USER') {
      addSystemLine(`${nameOf(attributes.UserId)} was disconnected by a moderator${attributes.Reason ? `: ${attributes.Reason}` : ''}`);
    } else if (frame.EventName === 'app:moderation') {
      // The escalation function's announcement of a step: action, userId, reason, until.
      const what = attributes.action === 'timeout_user'
        ? `was timed out until ${attributes.until}`
        : attributes.action === 'ban_user' ? 'was banned' : attributes.action;
      addSystemLine(`${nameOf(attributes.userId)} ${what}${attributes.reason ? ` (${attributes.reason})` : ''}`, 'moderation');
    } else {
      addSystemLine(`Event ${frame.EventName}`);
    }
  }
}

async function moderate(action, messageId, userId) {
  const room = encodeURIComponent(state.room.id);
  if (action === 'delete') {
    await apiPost(`/rooms/${room}/messages/${encodeURIComponent(messageId)}/delete`, { reason: 'Removed by a moderator' });
  } else {
    await apiPost(`/rooms/${room}/users/${encodeURIComponent(userId)}/disconnect`, { reason: 'Disconnected by a moderator' });
  }
}

// Ban, time out or unban `userId` in the joined room through the moderation API, with the
// duration and reason of the moderation panel; the outcome, or the API's error, goes under it.
async function moderateUser(action, userId) {
  const status = $('mod-status');
  const name = nameOf(userId);
  if (!state.room) {
    status.textContent = 'Join a room first.';
    status.dataset.state = 'error';
    return;
  }
  const body = {};
  const reason = $('mod-reason').value.trim();
  if (reason) body.reason = reason;
  if (action === 'timeout') {
    const seconds = Number($('mod-duration').value);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 1209600) {
      status.textContent = 'Duration: whole seconds from 1 to 1209600 (14 days).';
      status.dataset.state = 'error';
      return;
    }
    body.durationSeconds = seconds;
  }
  const room = encodeURIComponent(state.room.id);
  const { response, payload } = await apiPost(`/rooms/${room}/users/${encodeURIComponent(userId)}/${action}`, body);
  if (!response.ok) {
    status.textContent = `Could not ${action === 'timeout' ? 'time out' : action} ${name}: ${describeError(response, payload)}`;
    status.dataset.state = 'error';
    return;
  }
  const ban = payload && payload.ban;
  status.textContent = action === 'unban'
    ? `${name} may chat again.`
    : `${name} is ${ban && ban.expiresAt ? `timed out until ${ban.expiresAt}` : 'banned until a moderator lifts the ban'}.`;
  status.dataset.state = 'done';
}

function selectedUser() {
  const userId = $('mod-user').value;
  if (!userId) {
    $('mod-status').textContent = 'Choose a user: anyone whose message this page has seen.';
    $('mod-status').dataset.state = 'error';
  }
  return userId;
}

function send(event) {
  event.preventDefault();
  const input = $('message-input');
  const text = input.value.trim();
  if (!text || !state.socket) return;
  const requestId = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now());
  state.pending.set(requestId, { text, sentAt: performance.now() });
  state.socket.send(JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: requestId, Content: text }));
  input.value = '';
}

$('sign-in').addEventListener('click', () => signIn().catch((e) => logRequest('POST', '/token', 'failed', String(e))));
$('join').addEventListener('click', () => join().catch((e) => logRequest('POST', 'tokens', 'failed', String(e))));
$('composer').addEventListener('submit', send);
for (const action of ['timeout', 'ban', 'unban']) {
  $(`mod-${action}`).addEventListener('click', () => {
    const userId = selectedUser();
    if (userId) moderateUser(action, userId).catch((e) => logRequest('POST', action, 'failed', String(e)));
  });
}
loadSetup().catch((e) => {
  $('signed-in').textContent = `Could not load the setup: ${e}`;
});
