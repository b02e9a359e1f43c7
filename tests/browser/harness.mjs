// What the browser tests stand on: a real `parley serve` on a free port, an operator's token
// backend (the --web-token-url the page calls) that mints with the `parley` CLI and can be told
// to refuse or to answer slowly, and headless Debian chromium driven by playwright-core.

import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);

/** The key the operator-backed server verifies and the backend signs with. */
export const KEY = {
  accountSid: 'AC22222222222222222222222222222222',
  apiKey: 'SK11111111111111111111111111111111',
  apiSecret: 'browser-test-secret-0123456789abcdef',
  chatService: 'IS33333333333333333333333333333333',
};

/** A port nothing listens on right now. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `parley serve` as a child process; start() waits until it answers /healthz. */
export class ParleyServer {
  constructor(binary, { args = [], port, dataDir }) {
    this.binary = binary;
    this.args = args;
    this.port = port;
    this.dataDir = dataDir;
    this.output = '';
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    this.child = spawn(this.binary, ['serve', '--listen', `127.0.0.1:${this.port}`,
      '--data', this.dataDir, '--log-level', 'warn', ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.exited = exited;
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream.on('data', (chunk) => { this.output += chunk; });
    }
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const status = await Promise.race([exited.then(() => 'exited'), this.healthy()]);
      if (status === 'exited') throw new Error(`parley serve exited:\n${this.output}`);
      if (status) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`parley serve did not answer /healthz in time:\n${this.output}`);
  }

  async healthy() {
    try {
      return (await fetch(`${this.url}/healthz`)).ok;
    } catch {
      return false;
    }
  }

  /** Stops it with `signal` (SIGKILL: as a crash) and waits for the exit. */
  async stop(signal = 'SIGTERM') {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    await this.exited;
  }
}

/** The operator's token endpoint: POST {"identity"} -> {"token"}, with CORS for the page. */
export class TokenBackend {
  constructor(binary, { ttl }) {
    this.binary = binary;
    this.ttl = ttl;
    this.mode = 'ok'; // 'ok' | 'slow' (answers after 1.5 s) | 'refuse' (403 for everyone)
    this.refuse = null; // an identity refused whatever the mode
    this.hold = null; // an identity whose requests wait until release() (then get a fresh token)
    this.held = []; // the held requests' resolvers
    this.heldWaiters = [];
    this.requests = [];
  }

  async start() {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}/token`;
  }

  async handle(request, response) {
    const origin = request.headers.origin ?? '*';
    response.setHeader('access-control-allow-origin', origin);
    response.setHeader('access-control-allow-credentials', 'true');
    response.setHeader('access-control-allow-headers', 'content-type');
    response.setHeader('access-control-allow-methods', 'POST');
    if (request.method === 'OPTIONS') return response.end();
    let body = '';
    for await (const chunk of request) body += chunk;
    const { identity } = JSON.parse(body || '{}');
    const refused = this.mode === 'refuse' || this.refuse === identity;
    this.requests.push({ identity, refused, at: Date.now() });
    response.setHeader('content-type', 'application/json');
    if (refused) {
      response.statusCode = 403;
      return response.end(JSON.stringify({ message: 'this user may no longer sign in' }));
    }
    if (this.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 1500));
    if (this.hold !== null && this.hold === identity) {
      await new Promise((resolve) => {
        this.held.push(resolve);
        for (const waiter of this.heldWaiters.splice(0)) waiter();
      });
    }
    response.end(JSON.stringify({ token: await this.mint(identity) }));
  }

  async mint(identity) {
    const { stdout } = await run(this.binary, ['token', 'mint', '--account-sid', KEY.accountSid,
      '--api-key', KEY.apiKey, '--api-secret', KEY.apiSecret, '--identity', identity,
      '--ttl', String(this.ttl), '--min-ttl', '1', '--chat-service', KEY.chatService]);
    return stdout.trim();
  }

  /** Stops holding: the held requests are answered (minted now, so the tokens are fresh). */
  release() {
    this.hold = null;
    for (const resolve of this.held.splice(0)) resolve();
  }

  /** Resolves once a request is being held. */
  heldRequest() {
    if (this.held.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.heldWaiters.push(resolve));
  }

  renewalsFor(identity) {
    return this.requests.filter((r) => r.identity === identity && !r.refused).length;
  }

  async stop() {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Headless chromium with a fresh profile; screenshots go to `shots`. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Two pages in one window: the one behind must keep its timers and sockets running.
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows'],
    viewport: { width: 1100, height: 720 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A folder for this run's screenshots, printed so a person can look at them. */
export function screenshotFolder() {
  const folder = process.env.PARLEY_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'parley-web-shots-'));
  mkdirSync(folder, { recursive: true });
  console.log(`screenshots: ${folder}`);
  return folder;
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}
