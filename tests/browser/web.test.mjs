// The web app in a real browser (headless Debian chromium through playwright-core) against a
// real `parley serve`: two people chatting, history as you scroll up, the token status through
// about-to-expire, renewing and renewed, expiry when the operator's backend refuses a renewal,
// a renewal that succeeds after expiry, the reconnect banner across a server crash and restart,
// and signing in while the server is down. A screenshot at each step goes to the folder printed
// first (PARLEY_SCREENSHOTS chooses it).
//
//   node --test-reporter=spec tests/browser/web.test.mjs build/src/cli/parley

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  KEY, ParleyServer, TokenBackend, freePort, launchBrowser, screenshotFolder, tempDir,
} from './harness.mjs';

const binary = process.argv[2] ?? process.env.PARLEY_BINARY;
assert.ok(binary, 'usage: node --test web.test.mjs PATH/TO/parley');

// Operator tokens live 20 s and are about to expire for their last 15: about-to-expire comes 5 s
// after each token, renewal soon after, and a refused renewal runs out within the test.
const TTL = 20;
const WINDOW = 15;
const WAIT = { timeout: 45000 };

const shots = screenshotFolder();
let step = 0;
async function shot(page, name) {
  step += 1;
  await page.screenshot({ path: join(shots, `${String(step).padStart(2, '0')}-${name}.png`) });
}

async function signIn(page, server, identity) {
  await page.goto(`${server.url}/`);
  await page.waitForSelector('body[data-loaded="true"]');
  await page.fill('#identity', identity);
  await page.click('#sign-in-button');
  await page.waitForSelector('#chat-view[data-ready="true"]', WAIT);
}

async function createChannel(page, name, { isPrivate = false } = {}) {
  await page.fill('#new-channel', name);
  if (isPrivate) await page.check('#new-private');
  await page.click('#create-form button[type="submit"]');
  await page.locator('#channel-title', { hasText: name }).waitFor(WAIT);
}

async function openChannel(page, name) {
  await page.click('#refresh-channels');
  await page.locator('.channel-list button', { hasText: name }).click(WAIT);
  await page.locator('#channel-title', { hasText: name }).waitFor(WAIT);
}

async function send(page, text) {
  await page.fill('#message-body', text);
  await page.press('#message-body', 'Enter');
  await messageShown(page, text);
}

function messageShown(page, text) {
  return page.locator('#message-list .body', { hasText: text }).first().waitFor(WAIT);
}

function tokenState(page, state) {
  return page.waitForSelector(`#token-status[data-state="${state}"]`, WAIT);
}

// Records every state (and its text) the token status passes through, so a state that lasts a
// moment (the AccessManager may renew right at the start of the window) is not missed.
async function recordTokenStates(page) {
  await page.evaluate(() => {
    window.tokenStates = [];
    const status = document.getElementById('token-status');
    const record = () => {
      const last = window.tokenStates.at(-1);
      if (last?.state !== status.dataset.state) {
        window.tokenStates.push({ state: status.dataset.state, text: status.textContent });
      }
    };
    record();
    new MutationObserver(record).observe(status,
      { attributes: true, childList: true, characterData: true, subtree: true });
  });
}

// Waits until the status has passed through `states`, in this order; returns what it recorded.
async function passedThrough(page, states) {
  await page.waitForFunction((wanted) => {
    let next = 0;
    for (const { state } of window.tokenStates) if (state === wanted[next]) next += 1;
    return next === wanted.length;
  }, states, WAIT);
  return page.evaluate(() => window.tokenStates);
}

// Counts every time the reconnect banner is shown, so a test can say it never was.
async function watchBanner(page) {
  await page.evaluate(() => {
    window.bannerShown = 0;
    const banner = document.getElementById('banner');
    new MutationObserver(() => { if (!banner.hidden) window.bannerShown += 1; })
      .observe(banner, { attributes: true, attributeFilter: ['hidden'] });
  });
}

describe('web app in chromium', () => {
  let browser;
  let dev; // the development setup: tokens from POST /v1/dev/token
  let operator; // a configured key, tokens from the operator's backend
  let backend;
  const folders = [];

  before(async () => {
    folders.push(tempDir('parley-web-dev-'), tempDir('parley-web-op-'));
    dev = new ParleyServer(binary, { port: await freePort(), dataDir: folders[0] });
    backend = new TokenBackend(binary, { ttl: TTL });
    await backend.start();
    operator = new ParleyServer(binary, {
      port: await freePort(),
      dataDir: folders[1],
      args: ['--account-sid', KEY.accountSid, '--api-key', KEY.apiKey, '--api-secret', KEY.apiSecret,
        '--web-token-url', backend.url, '--about-to-expire-window', String(WINDOW)],
    });
    await Promise.all([dev.start(), operator.start()]);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await Promise.all([dev?.stop(), operator?.stop()]);
    await backend?.stop();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  test('two people chat, in public and private channels', async () => {
    const alice = await browser.context.newPage();
    const bob = await browser.context.newPage();
    await alice.goto(`${dev.url}/`);
    await alice.waitForSelector('body[data-loaded="true"]');
    await shot(alice, 'sign-in');
    // The keyboard alone: the name field has the focus, Enter signs in.
    await alice.keyboard.type('alice');
    await alice.keyboard.press('Enter');
    await alice.waitForSelector('#chat-view[data-ready="true"]', WAIT);
    const unlabelled = await alice.$$eval('input, textarea', (fields) => fields
      .filter((field) => field.labels.length === 0 && !field.getAttribute('aria-label'))
      .map((field) => field.id));
    assert.deepEqual(unlabelled, [], 'every field has a label');
    await createChannel(alice, 'general');
    await signIn(bob, dev, 'bob');
    await openChannel(bob, 'general');
    await bob.click('#join');
    await bob.waitForSelector('#send-form:not([hidden])', WAIT);
    await send(alice, 'hello bob');
    await messageShown(bob, 'hello bob');
    await send(bob, 'hi alice, all good here');
    await messageShown(alice, 'hi alice, all good here');
    await shot(alice, 'chat-alice');
    await shot(bob, 'chat-bob');

    await createChannel(alice, 'plans', { isPrivate: true });
    await alice.click('#members-toggle');
    await alice.fill('#add-member', 'bob');
    await alice.press('#add-member', 'Enter');
    await alice.locator('#member-list li', { hasText: 'bob' }).waitFor(WAIT);
    await send(alice, 'just between us');
    await shot(alice, 'private-channel-members');
    await bob.click('#refresh-channels');
    await bob.locator('#my-channels button', { hasText: 'plans' }).click(WAIT);
    await messageShown(bob, 'just between us');
    await alice.close();
    await bob.close();
  });

  test('history loads as you scroll up', async () => {
    const alice = await browser.context.newPage();
    await signIn(alice, dev, 'alice');
    await openChannel(alice, 'general');
    for (let i = 1; i <= 40; i += 1) await send(alice, `message ${i}`);
    const bob = await browser.context.newPage();
    await signIn(bob, dev, 'bob');
    await openChannel(bob, 'general');
    await messageShown(bob, 'message 40');
    assert.equal(await bob.locator('#message-list li[data-index="0"]').count(), 0,
      'only the latest page at first');
    await bob.evaluate(() => { document.getElementById('messages').scrollTop = 0; });
    await bob.locator('#message-list li[data-index="0"]').waitFor(WAIT);
    await shot(bob, 'history-scrolled-up');
    const indexes = await bob.$$eval('#message-list li', (items) => items.map((li) => Number(li.dataset.index)));
    assert.deepEqual(indexes, [...indexes].sort((a, b) => a - b), 'oldest first, no repeats');
    assert.equal(new Set(indexes).size, indexes.length);
    await bob.setViewportSize({ width: 390, height: 760 });
    await shot(bob, 'phone-conversation');
    await bob.click('#back');
    await shot(bob, 'phone-channels');
    await alice.close();
    await bob.close();
  });

  test('a reply that comes after switching channels stays in its own channel', async () => {
    const alice = await browser.context.newPage();
    await signIn(alice, dev, 'alice');
    await openChannel(alice, 'general');
    await alice.fill('#message-body', 'sent from general');
    // Send and switch in one task, so the reply surely comes after the switch.
    await alice.evaluate(() => {
      document.getElementById('send-form').requestSubmit();
      [...document.querySelectorAll('.channel-list button')]
        .find((button) => button.textContent.includes('plans')).click();
    });
    await alice.locator('#channel-title', { hasText: 'plans' }).waitFor(WAIT);
    await alice.waitForFunction(() => document.getElementById('message-body').value === '', null, WAIT);
    await messageShown(alice, 'just between us'); // the channel's own history is there
    assert.equal(await alice.locator('#message-list .body', { hasText: 'sent from general' }).count(), 0,
      'not in the channel opened meanwhile');
    await openChannel(alice, 'general');
    await messageShown(alice, 'sent from general');
    await alice.close();
  });

  let carol; // stays signed in (and renewing) until the restart test
  test('about to expire, then renewed silently by the AccessManager', async () => {
    carol = await browser.context.newPage();
    await signIn(carol, operator, 'carol');
    await watchBanner(carol);
    await recordTokenStates(carol);
    await tokenState(carol, 'ok');
    await createChannel(carol, 'ops');
    backend.mode = 'slow'; // holds the renewal for a moment, so "renewing…" can be seen
    // Renewal may start right at the window's start: either state will do for the picture.
    await carol.waitForSelector(
      '#token-status[data-state="expiring"], #token-status[data-state="renewing"]', WAIT);
    await shot(carol, 'token-about-to-expire');
    await passedThrough(carol, ['ok', 'expiring', 'renewing']);
    await shot(carol, 'token-renewing');
    const states = await passedThrough(carol, ['ok', 'expiring', 'renewing', 'ok']);
    backend.mode = 'ok';
    const texts = Object.fromEntries(states.map(({ state, text }) => [state, text]));
    assert.match(texts.expiring, /^expires in 0:\d\d$/);
    assert.equal(texts.renewing, 'renewing…');
    assert.match(texts.ok, /^session ok · token until /);
    assert.ok(backend.renewalsFor('carol') >= 2, 'the sign-in and at least one renewal');
    await send(carol, 'still here after the renewal');
    await shot(carol, 'token-renewed');
    assert.equal(await carol.evaluate(() => window.bannerShown), 0, 'no disconnect');
  });

  test('the session expires when the backend refuses to renew', async () => {
    const dave = await browser.context.newPage();
    await signIn(dave, operator, 'dave');
    backend.refuse = 'dave';
    await tokenState(dave, 'failed');
    await shot(dave, 'renewal-refused');
    await tokenState(dave, 'expired');
    assert.equal(await dave.textContent('#token-status'), 'session expired — sign in again');
    await shot(dave, 'session-expired');
    const refused = backend.requests.filter((r) => r.identity === 'dave' && r.refused).length;
    assert.equal(refused, 1, 'a refusal is terminal: asked once, not retried');
    await dave.click('#sign-out');
    await dave.waitForSelector('#sign-in-view:not([hidden])');
    await dave.close();
  });

  test('a renewal that succeeds after expiry makes the session usable again', async () => {
    const frank = await browser.context.newPage();
    await signIn(frank, operator, 'frank');
    await openChannel(frank, 'ops');
    await frank.click('#join');
    await frank.waitForSelector('#send-form:not([hidden])', WAIT);
    backend.hold = 'frank'; // the renewal is asked for, but answered only after the expiry
    await backend.heldRequest();
    await tokenState(frank, 'expired');
    assert.equal(await frank.isDisabled('#message-body'), true, 'no sending while expired');
    assert.equal(await frank.textContent('#sign-out'), 'Sign in again');
    await shot(frank, 'expired-renewal-pending');
    backend.release();
    await tokenState(frank, 'ok');
    await frank.waitForSelector('#send-form button:not([disabled])', WAIT);
    assert.equal(await frank.isDisabled('#message-body'), false);
    assert.equal(await frank.textContent('#sign-out'), 'Sign out');
    await send(frank, 'back after a late renewal');
    await shot(frank, 'renewed-after-expiry');
    await frank.close();
  });

  test('reconnects after the server restarts', async () => {
    const erin = await browser.context.newPage();
    await signIn(erin, operator, 'erin');
    await openChannel(erin, 'ops');
    await erin.click('#join');
    await erin.waitForSelector('#send-form:not([hidden])', WAIT);
    await operator.stop('SIGKILL');
    // Both see the banner before the restart, so its going away below means something.
    await carol.waitForSelector('#banner:not([hidden])', WAIT);
    await erin.waitForSelector('#banner:not([hidden])', WAIT);
    assert.match(await carol.textContent('#banner'), /reconnecting/);
    assert.match(await erin.textContent('#banner'), /reconnecting/);
    await shot(carol, 'reconnecting');
    await operator.start();
    await carol.waitForSelector('#banner[hidden]', { ...WAIT, state: 'attached' });
    await erin.waitForSelector('#banner[hidden]', { ...WAIT, state: 'attached' });
    await send(carol, 'back after the restart');
    await messageShown(erin, 'back after the restart');
    assert.equal(await erin.locator('#message-list .body', { hasText: 'back after the restart' }).count(), 1);
    await shot(erin, 'reconnected');
    await carol.close();
    await erin.close();
  });

  test('signing in while the server is down: retrying, Cancel, then connected when it is back', async () => {
    const gina = await browser.context.newPage();
    await gina.goto(`${operator.url}/`);
    await gina.waitForSelector('body[data-loaded="true"]');
    await operator.stop(); // the token backend still answers: only the WebSocket fails
    await gina.fill('#identity', 'gina');
    await gina.click('#sign-in-button');
    await gina.locator('#sign-in-status', { hasText: "Can't reach the server — retrying…" }).waitFor(WAIT);
    assert.equal(await gina.isDisabled('#sign-in-button'), true, 'one sign-in at a time');
    await shot(gina, 'sign-in-unreachable');
    await gina.click('#sign-in-cancel');
    await gina.waitForSelector('#sign-in-button:not([disabled])', WAIT);
    assert.equal(await gina.textContent('#sign-in-status'), '');
    assert.equal(await gina.textContent('#sign-in-error'), '', 'a cancel is not an error');
    assert.equal(await gina.isHidden('#sign-in-cancel'), true);
    // Again, and this time the server comes back while the page retries.
    await gina.click('#sign-in-button');
    await gina.locator('#sign-in-status', { hasText: 'retrying' }).waitFor(WAIT);
    await operator.start();
    await gina.waitForSelector('#chat-view[data-ready="true"]', WAIT);
    await gina.close();
  });
});
