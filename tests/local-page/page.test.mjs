// The chat page of the local stack, in a real browser: Debian's Chromium, headless, driven by
// playwright-core (pinned in package-lock.json; it downloads no browser of its own). Two demo
// users join the same room: a clean message is delivered to both, a denied one is explained to
// its sender only, a masked one arrives masked, and the moderator's delete removes a message
// from the other page. Then bans and escalation: the moderator times a user out from the page,
// and the token API refuses that user a token, saying until when, until the moderator lifts it;
// a user whose third message in five minutes is denied is timed out by the escalation function
// (fed the review handler's denials by scripts/forward-denials), which the room sees as an
// application event. Screenshots go to $SCREENSHOT_DIR (default target/local-page/).
//
// Needs the stack up: ./scripts/run-local (tests/local-page/run.sh starts and stops it).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const FRONT = process.env.FRONT_URL ?? 'http://127.0.0.1:4500';
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? 'target/local-page';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// Arm64 functions run under qemu in CI: allow for slow first invocations.
const WAIT = { timeout: 60_000 };

let browser;

before(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
});

async function signInAs(username) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${username}] page error: ${error}`));
  await page.goto(FRONT);
  await page.waitForSelector(`#user-select option[value="${username}"]`, { state: 'attached', ...WAIT });
  await page.selectOption('#user-select', username);
  await page.click('#sign-in');
  await page.waitForFunction(
    (name) => document.querySelector('#signed-in').textContent.includes(`Signed in as ${name}`),
    username,
    WAIT,
  );
  const lobby = await page.$eval('#room-select', (select) =>
    [...select.options].find((o) => o.textContent.startsWith('lobby'))?.value);
  assert.ok(lobby, 'the room provisioner created the lobby room from examples/rooms.toml');
  await page.selectOption('#room-select', lobby);
  return page;
}

async function joinAs(username) {
  const page = await signInAs(username);
  await page.click('#join');
  await page.waitForSelector('#connection[data-state="connected"]', WAIT);
  return page;
}

// Joining again is refused with the token API's 403, which says until when.
async function assertTokenRefusedUntil(page, until) {
  await page.click('#join');
  await page.waitForSelector('#connection[data-state="refused"]', WAIT);
  const text = await page.locator('#connection').textContent();
  assert.match(text, /No chat token: you are timed out in this room until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  if (until) assert.ok(text.includes(until), `${text} names ${until}`);
  return text;
}

async function send(page, text) {
  await page.fill('#message-input', text);
  await page.click('#send');
}

function messageWith(page, text) {
  return page.locator('#messages .message', { hasText: text });
}

test('two demo users chat in one room and see moderation happen live', async () => {
  const cathy = await joinAs('cathy');
  const mona = await joinAs('mona');

  // A clean message reaches both pages, with the review's latency.
  await send(cathy, 'hello everyone');
  await messageWith(mona, 'hello everyone').waitFor(WAIT);
  const mine = messageWith(cathy, 'hello everyone');
  await mine.waitFor(WAIT);
  await cathy.waitForFunction(
    () => [...document.querySelectorAll('#messages .message .meta')].some((m) => /review ALLOW in [0-9.]+ ms/.test(m.textContent)),
    null,
    WAIT,
  );

  // A denied message is explained to its sender and never reaches the other page.
  await send(cathy, 'this is shit');
  const denied = cathy.locator('#messages .message.denied');
  await denied.waitFor(WAIT);
  assert.match(await denied.locator('.reason').textContent(), /Please keep the chat friendly\./);
  // A masked message arrives masked, on both pages.
  await send(cathy, 'what a crap stream');
  const masked = messageWith(mona, 'what a **** stream');
  await masked.waitFor(WAIT);
  await cathy.locator('#messages .message.masked', { hasText: 'what a **** stream' }).waitFor(WAIT);
  const monaText = await mona.locator('#messages').textContent();
  assert.ok(!monaText.includes('this is shit'), 'the denied message reached nobody else');
  assert.ok(!monaText.includes('crap'), 'only the masked text was delivered');

  // The moderator deletes the first message through the moderation API: it goes on cathy's page.
  await messageWith(mona, 'hello everyone').locator('button.delete').click();
  await cathy
    .locator('#messages .message.deleted', { hasText: 'Message deleted by a moderator' })
    .waitFor(WAIT);
  assert.equal(await messageWith(cathy, 'hello everyone').count(), 0);

  await cathy.screenshot({ path: join(SCREENSHOT_DIR, 'chat-cathy.png'), fullPage: true });
  await mona.screenshot({ path: join(SCREENSHOT_DIR, 'chat-mona.png'), fullPage: true });

  // And disconnects cathy, whose page says so.
  await messageWith(mona, 'what a **** stream').locator('button.disconnect').click();
  await cathy.waitForSelector('#connection[data-state="closed"]', WAIT);
});

test('a moderator times a user out from the page, and lifts it', async () => {
  const mona = await joinAs('mona');
  const cathy = await joinAs('cathy');
  await send(cathy, 'hi mona');
  const line = messageWith(mona, 'hi mona');
  await line.waitFor(WAIT);

  // A timeout longer than 14 days is refused with the API's error, naming the field and rule.
  await mona.fill('#mod-duration', '1209601');
  await mona.selectOption('#mod-user', { label: 'cathy' });
  await mona.click('#mod-timeout');
  await mona.waitForSelector('#mod-status[data-state="error"]', WAIT);
  assert.match(await mona.locator('#mod-status').textContent(), /1 to 1209600/);

  // Ten minutes, from cathy's message: cathy is disconnected at once.
  await mona.fill('#mod-duration', '600');
  await mona.fill('#mod-reason', 'cool down');
  await line.locator('button.timeout').click();
  await mona.waitForSelector('#mod-status[data-state="done"]', WAIT);
  const status = await mona.locator('#mod-status').textContent();
  const until = status.match(/timed out until (\S+Z)/)?.[1];
  assert.ok(until, `the page says until when: ${status}`);
  const minutes = (Date.parse(until) - Date.now()) / 60_000;
  assert.ok(minutes > 8 && minutes <= 10, `${until} is about ten minutes away`);
  await cathy.waitForSelector('#connection[data-state="closed"]', WAIT);

  // Her new token is refused, saying until when.
  await assertTokenRefusedUntil(cathy, until);
  // A second timeout over the standing one is a conflict the page explains.
  await mona.click('#mod-timeout');
  await mona.waitForSelector('#mod-status[data-state="error"]', WAIT);
  assert.match(await mona.locator('#mod-status').textContent(), /Could not time out cathy: BanConflict/);
  await mona.screenshot({ path: join(SCREENSHOT_DIR, 'timeout-mona.png'), fullPage: true });
  await cathy.screenshot({ path: join(SCREENSHOT_DIR, 'timeout-cathy.png'), fullPage: true });

  // Lifted from the page: she joins again and chats.
  await mona.click('#mod-unban');
  await mona.waitForFunction(() => document.querySelector('#mod-status').textContent === 'cathy may chat again.', null, WAIT);
  await cathy.click('#join');
  await cathy.waitForSelector('#connection[data-state="connected"]', WAIT);
  await send(cathy, 'thanks mona');
  await messageWith(mona, 'thanks mona').waitFor(WAIT);
});

test('three denied messages escalate to a timeout the room sees', async () => {
  const mona = await joinAs('mona');
  const chris = await joinAs('chris');
  // Three messages of a new user denied within five minutes (the default ladder's first step).
  for (const text of ['this is shit', 'shit, still shit', 'what the fuck']) {
    await send(chris, text);
    await chris.locator('#messages .message.denied', { hasText: text }).waitFor(WAIT);
  }
  // The escalation function times chris out, disconnects him and tells the room.
  const announced = mona.locator('#messages .message.system.moderation', { hasText: 'chris was timed out until' });
  await announced.waitFor(WAIT);
  const text = await announced.textContent();
  assert.match(text, /automatic: 3 messages denied within 5 minutes/);
  const until = text.match(/until (\S+Z)/)?.[1];
  assert.ok(until, `the event says until when: ${text}`);
  await chris.waitForSelector('#connection[data-state="closed"]', WAIT);
  // His new token is refused until then.
  await assertTokenRefusedUntil(chris, until);
  await mona.screenshot({ path: join(SCREENSHOT_DIR, 'escalation-mona.png'), fullPage: true });
  await chris.screenshot({ path: join(SCREENSHOT_DIR, 'escalation-chris.png'), fullPage: true });
});
