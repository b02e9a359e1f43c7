// The web app served by `parley serve` at /: sign in, then chat through the browser SDK. The
// AccessManager renews the token silently through the token endpoint the server names in
// /web/config.json; the header shows the token's state and a banner shows reconnects.

import { ChatClient, AccessManager, ConnectionState, inspectToken } from '/sdk/parley.js';
import { ChatView } from './chat_view.js';
import { TokenStatus } from './token_status.js';
import { fetchToken, loadConfig } from './token_source.js';

const $ = (id) => document.getElementById(id);
const status = new TokenStatus($('token-status'), $('token-announce'));
let config = { tokenUrl: null, aboutToExpireWindow: 180 };
let session = null; // {client, accessManager, view, identity, offs}
let signingIn = null; // {cancel} while a sign-in waits for the server

// Cancel during sign-in: not a failure to report.
class SignInCancelled extends Error {}

function webSocketUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
}

function errorText(error) {
  return error?.code ? `${error.message} (${error.code})` : String(error?.message ?? error);
}

function showBanner(text) {
  $('banner').textContent = text;
  $('banner').hidden = !text;
}

function showView(signedIn) {
  $('sign-in-view').hidden = signedIn;
  $('chat-view').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
  $('who').hidden = !signedIn;
}

async function signIn(event) {
  event.preventDefault();
  const identity = $('identity').value.trim();
  const pasted = $('pasted-token').value.trim();
  $('sign-in-error').textContent = '';
  if (config.tokenUrl && !identity) {
    $('sign-in-error').textContent = 'Enter your name.';
    $('identity').focus();
    return;
  }
  $('sign-in-button').disabled = true;
  try {
    const token = config.tokenUrl ? await fetchToken(config.tokenUrl, identity) : pasted;
    await start(token);
  } catch (error) {
    if (!(error instanceof SignInCancelled)) {
      $('sign-in-error').textContent = `Could not sign in: ${errorText(error)}`;
    }
  } finally {
    signingIn = null;
    $('sign-in-status').textContent = '';
    $('sign-in-cancel').hidden = true;
    $('sign-in-button').disabled = false;
  }
}

// ChatClient.create settles only when connected or when the token is refused: while the server
// cannot be reached, or refuses init for another reason, the client keeps retrying quietly. The
// page says so and offers Cancel, which shuts the client down.
function connect(token) {
  const client = new ChatClient(token,
    { url: webSocketUrl(), aboutToExpireWindow: config.aboutToExpireWindow });
  return new Promise((resolve, reject) => {
    const retrying = () => {
      $('sign-in-status').textContent = "Can't reach the server — retrying…";
      $('sign-in-cancel').hidden = false;
    };
    // A failed first attempt announces no event (disconnected needs a connection or a refused
    // init), so the attempts are counted too.
    const poll = setInterval(() => { if (client.stats().connectAttempts > 1) retrying(); }, 250);
    const offs = [];
    let settled = false;
    const settle = (fn) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      for (const off of offs) off();
      fn();
    };
    const fail = (error) => settle(() => { client.shutdown().finally(() => reject(error)); });
    offs.push(
      client.on('connected', () => settle(() => resolve(client))),
      client.on('tokenError', fail),
      client.on('disconnected', retrying),
      client.on('connectionStateChanged', (state) => {
        // No usable token left (it ran out while the server was away): nothing more to try.
        if (state === ConnectionState.WAITING_FOR_TOKEN) fail(new Error('the token expired'));
        else if (state === ConnectionState.RECONNECTING) retrying();
      }),
    );
    signingIn = { cancel: () => fail(new SignInCancelled('cancelled')) };
  });
}

async function start(token) {
  const window = config.aboutToExpireWindow;
  const client = await connect(token);
  const identity = client.identity;
  const tokenProvider = config.tokenUrl ? async () => {
    status.renewing();
    return fetchToken(config.tokenUrl, identity);
  } : undefined;
  const accessManager = new AccessManager(token, { tokenProvider, aboutToExpireWindow: window });
  accessManager.attach(client);
  const view = new ChatView(client, identity);
  session = { client, accessManager, view, identity, offs: [] };
  status.ok(inspectToken(token).expiresAt); // the client has accepted it: well formed
  watch(session);
  $('who').textContent = `Signed in as ${identity}`;
  showView(true);
  $('chat-view').dataset.ready = 'false';
  await view.refresh();
  $('chat-view').dataset.ready = 'true';
}

// The token's and the connection's states, as the header and the banner show them.
function watch(current) {
  const { client, accessManager } = current;
  const mine = (fn) => (...args) => { if (session === current) fn(...args); };
  current.offs.push(
    accessManager.on('tokenWillExpire', mine((info) => status.expiring(info.expiresAt))),
    accessManager.on('tokenUpdated', mine((info) => {
      status.ok(info.expiresAt);
      resumed();
    })),
    accessManager.on('error', mine((error) => {
      if (status.state !== 'expired') status.failed(errorText(error));
    })),
    accessManager.on('tokenExpired', mine(() => expired())),
    client.on('tokenExpired', mine(() => expired())),
    client.on('disconnected', mine((event) => {
      if (event.willReconnect) showBanner('Connection lost — reconnecting…');
    })),
    client.on('connectionStateChanged', mine((state) => {
      if (state === 'reconnecting') showBanner('Connection lost — reconnecting…');
    })),
    client.on('connected', mine((info) => {
      showBanner('');
      resumed();
      // The SDK catches up on the channels it follows; the lists may have changed meanwhile.
      if (info.reconnected) current.view.refresh().catch(() => {});
    })),
  );
}

function setSendEnabled(enabled) {
  $('send-form').querySelectorAll('input, button').forEach((element) => { element.disabled = !enabled; });
}

function expired() {
  status.expired();
  showBanner('');
  setSendEnabled(false);
  $('sign-out').textContent = 'Sign in again';
}

// The inverse of expired(): the AccessManager keeps renewing after expiry, and once a token is
// accepted (or the client is connected again) the session is usable without signing in again.
function resumed() {
  setSendEnabled(true);
  $('sign-out').textContent = 'Sign out';
}

async function signOut() {
  const current = session;
  session = null;
  if (current) {
    for (const off of current.offs) off();
    current.view.dispose();
    current.accessManager.shutdown();
    await current.client.shutdown().catch(() => {});
  }
  status.clear();
  showBanner('');
  resumed();
  document.body.classList.remove('conversation-open');
  showView(false);
  $('identity').focus();
}

async function main() {
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('sign-in-cancel').addEventListener('click', () => signingIn?.cancel());
  try {
    config = await loadConfig();
  } catch (error) {
    $('sign-in-error').textContent = `Could not reach the server: ${errorText(error)}`;
  }
  // Without a token endpoint, a person pastes a token minted elsewhere.
  $('identity-row').hidden = !config.tokenUrl;
  $('token-row').hidden = Boolean(config.tokenUrl);
  document.body.dataset.loaded = 'true';
}

main();
