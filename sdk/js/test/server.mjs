// Runs the real `parley serve` for the integration tests: on an ephemeral loopback port, in a
// fresh data directory, with a fixed test key; kill -9 and a restart on the same port and data.
// Tokens come from `parley token mint` (and, for an already-expired one, are signed here with the
// same key, since mint only makes tokens that start now).
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLI = process.argv[2] || process.env.PARLEY_CLI || '';
if (!CLI || !existsSync(CLI)) {
    console.error(`usage: node --test ${process.argv[1]} PATH/TO/parley  (or set PARLEY_CLI); got '${CLI}'`);
    process.exit(2);
}

export const KEY = {
    accountSid: 'AC0123456789abcdef0123456789abcdef',
    apiKey: 'SKfedcba9876543210fedcba9876543210',
    secret: 'pArLeY-browser-sdk-secret-012345',
};
export const CHAT_SERVICE = 'IS11111111111111111111111111111111';

/** `parley token mint` for `identity`, `ttl` seconds from now (any length from 1 s). */
export function mint(identity, ttl) {
    const run = spawnSync(CLI, ['token', 'mint', '--account-sid', KEY.accountSid, '--api-key', KEY.apiKey,
        '--api-secret', KEY.secret, '--identity', identity, '--ttl', String(ttl), '--min-ttl', '1',
        '--chat-service', CHAT_SERVICE], { encoding: 'utf8', timeout: 15000 });
    if (run.status !== 0) throw new Error(`parley token mint failed: ${run.stderr}`);
    return run.stdout.trim();
}

/** A token signed with the test key that expired `agoSeconds` ago. */
export function expiredToken(identity, agoSeconds) {
    const now = Math.floor(Date.now() / 1000);
    const segment = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const head = segment({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' });
    const body = segment({ jti: `${KEY.apiKey}-expired-${now}`, iss: KEY.apiKey, sub: KEY.accountSid,
        iat: now - agoSeconds - 600, exp: now - agoSeconds, grants: { identity, chat: { service_sid: CHAT_SERVICE } } });
    const signature = createHmac('sha256', KEY.secret).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${signature}`;
}

export class Server {
    /** @param {string[]} extra more `serve` flags (e.g. --about-to-expire-window 2) */
    constructor(extra = []) {
        this.extra = extra;
        this.data = mkdtempSync(join(tmpdir(), 'parley-js-sdk-'));
        this.port = 0;
        this.child = null;
        this.output = '';
    }

    get url() { return `ws://127.0.0.1:${this.port}/v1/ws`; }

    /** Starts it (on the port it had before, after a restart) and waits until it listens. */
    start() {
        const args = ['serve', '--listen', `127.0.0.1:${this.port}`, '--data', join(this.data, 'db'),
            '--threads', '2', '--account-sid', KEY.accountSid, '--api-key', KEY.apiKey,
            '--api-secret', KEY.secret, ...this.extra];
        const child = spawn(CLI, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        this.child = child;
        this.output = '';
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`parley serve did not start in 10 s:\n${this.output}`)), 10_000);
            const read = (chunk) => {
                this.output += chunk;
                const found = /Health: https?:\/\/127\.0\.0\.1:(\d+)\/healthz/.exec(this.output);
                if (found) {
                    clearTimeout(timer);
                    this.port = Number(found[1]);
                    resolve(this);
                }
            };
            child.stdout.setEncoding('utf8').on('data', read);
            child.stderr.setEncoding('utf8').on('data', read);
            child.once('exit', (code) => {
                clearTimeout(timer);
                reject(new Error(`parley serve exited (${code}) at start:\n${this.output}`));
            });
        });
    }

    /** POST /v1/revocations with the REST credentials; resolves with the answer's JSON (201). */
    async revoke(body) {
        const auth = Buffer.from(`${KEY.apiKey}:${KEY.secret}`).toString('base64');
        const answer = await fetch(`http://127.0.0.1:${this.port}/v1/revocations`, {
            method: 'POST', body: JSON.stringify(body),
            headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
        });
        if (answer.status !== 201) throw new Error(`revocation refused: ${answer.status} ${await answer.text()}`);
        return answer.json();
    }

    /** kill -9, and wait until it is gone. */
    kill() {
        const child = this.child;
        this.child = null;
        if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        return new Promise((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
        });
    }

    async stop() {
        await this.kill();
        rmSync(this.data, { recursive: true, force: true });
    }
}

/** Resolves when `predicate()` holds; rejects after `ms` (a deadline, not an assertion on time). */
export async function waitFor(predicate, what, ms = 15_000) {
    const deadline = Date.now() + ms;
    while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
}

/** The next `name` event of `target` (a ChatClient or AccessManager), with a deadline. */
export function nextEvent(target, name, ms = 15_000) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { off(); reject(new Error(`no ${name} event within ${ms} ms`)); }, ms);
        const off = target.on(name, (payload) => { clearTimeout(timer); off(); resolve(payload); });
    });
}
