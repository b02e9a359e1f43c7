// The AccessManager on a manual clock (rules 6, 10, 11, 12): single flight, the renewal point,
// transient vs terminal provider failures, re-checking a late token.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { AccessManager, TokenProviderError } from '../access_manager.js';
import { manual, record, token } from './helpers.mjs';

const T0 = 1_800_000_000;
const EVENTS = ['tokenWillExpire', 'tokenExpired', 'tokenUpdated', 'error'];

// A provider the test answers by hand.
function handProvider() {
    const calls = [];
    const provider = () => new Promise((resolve, reject) => calls.push({ resolve, reject }));
    return { calls, provider };
}

// Lets provider promises settle (their reactions are microtasks), then runs due work.
async function settle(scheduler) {
    for (let i = 0; i < 5; i += 1) {
        await Promise.resolve();
        scheduler.runDue();
    }
}

function fakeClient() {
    const tokens = [];
    return { tokens, updateToken: async (jwt) => { tokens.push(jwt); return {}; } };
}

function manager(options = {}) {
    const scheduler = manual(T0 * 1000);
    const am = new AccessManager(options.token ?? token('alice', T0 + 600),
        { aboutToExpireWindow: 180, scheduler, random: () => 0.5, ...options });
    const log = record(am, EVENTS);
    return { am, scheduler, log };
}

describe('AccessManager', () => {
    test('without a provider: tokenWillExpire at exp - W, tokenExpired at exp', () => {
        const { scheduler, log } = manager();
        scheduler.advanceTo((T0 + 420) * 1000);
        assert.deepEqual(log.names(), ['tokenWillExpire']);
        scheduler.advanceTo((T0 + 600) * 1000);
        assert.deepEqual(log.names(), ['tokenWillExpire', 'tokenExpired']);
    });

    test('one provider call per renewal however many clients (single flight)', async () => {
        const { calls, provider } = handProvider();
        const { am, scheduler, log } = manager({ tokenProvider: provider });
        const clients = [fakeClient(), fakeClient(), fakeClient()];
        for (const client of clients) am.attach(client);
        scheduler.advanceTo((T0 + 600 - 150) * 1000); // past the renewal point (exp - W + 22.5 s)
        assert.equal(calls.length, 1);
        assert.equal(am.providerCalls, 1);
        const renewed = token('alice', T0 + 1200);
        calls[0].resolve(renewed);
        await settle(scheduler);
        for (const client of clients) assert.deepEqual(client.tokens, [renewed]);
        assert.equal(am.token, renewed);
        assert.deepEqual(log.names(), ['tokenWillExpire', 'tokenUpdated']);
        assert.equal(calls.length, 1);
    });

    test('renewal starts at a random point early in the window', () => {
        for (const [random, offsetMs] of [[0, 0], [0.5, 22_500], [0.999999, 44_999]]) {
            const { calls, provider } = handProvider();
            const { scheduler } = manager({ tokenProvider: provider, random: () => random });
            const start = (T0 + 420) * 1000; // exp - W
            scheduler.advanceTo(start + offsetMs - 1);
            assert.equal(calls.length, 0, `random ${random}`);
            scheduler.advanceTo(start + offsetMs);
            assert.equal(calls.length, 1, `random ${random}`);
        }
    });

    test('a token shorter than W is renewed within the first part of what it has left', () => {
        const { calls, provider } = handProvider();
        const { scheduler } = manager({ token: token('alice', T0 + 40), tokenProvider: provider, random: () => 0.999999 });
        scheduler.advanceTo(T0 * 1000 + 9_999); // 25 % of 40 s
        assert.equal(calls.length, 1);
    });

    test('renewalSpread is capped at half of the time left', () => {
        const { calls, provider } = handProvider();
        const { scheduler } = manager({ tokenProvider: provider, random: () => 0.999999, renewalSpread: 5 });
        scheduler.advanceTo((T0 + 420 + 90) * 1000);
        assert.equal(calls.length, 1);
    });

    test('transient failures retry with capped exponential backoff and full jitter', async () => {
        const { calls, provider } = handProvider();
        const { scheduler, log } = manager({ tokenProvider: provider, random: () => 0.999999,
            retry: { initial: 1000, max: 4000 }, renewalSpread: 0 });
        scheduler.advanceTo((T0 + 420) * 1000);
        const times = [];
        for (let i = 0; i < 5; i += 1) {
            assert.equal(calls.length, i + 1);
            times.push(scheduler.now());
            calls[i].reject(new Error('network down'));
            await settle(scheduler);
            scheduler.advance(5000);
        }
        const gaps = times.slice(1).map((t, i) => t - times[i]);
        // Each retry waits its delay (ceilings 1, 2, 4, 4 s at jitter ~1) and the test's 5 s step.
        assert.deepEqual(gaps, [5000, 5000, 5000, 5000]);
        assert.deepEqual(log.of('error'), []);
    });

    test('the retry delay is full jitter: with random 0 the retry is immediate', async () => {
        const { calls, provider } = handProvider();
        const { scheduler } = manager({ tokenProvider: provider, random: () => 0 });
        scheduler.advanceTo((T0 + 420) * 1000);
        calls[0].reject(new Error('timeout'));
        await settle(scheduler);
        assert.equal(calls.length, 2);
    });

    test('retry delays grow to the cap', async () => {
        const { calls, provider } = handProvider();
        const { scheduler } = manager({ tokenProvider: provider, random: () => 0.999999,
            retry: { initial: 1000, max: 4000 }, renewalSpread: 0 });
        scheduler.advanceTo((T0 + 420) * 1000);
        const waits = [];
        for (let i = 0; i < 4; i += 1) {
            calls[i].reject(new Error('flaky'));
            await settle(scheduler);
            const before = scheduler.now();
            while (calls.length === i + 1) scheduler.advance(1);
            waits.push(scheduler.now() - before);
        }
        assert.deepEqual(waits, [999, 1999, 3999, 3999]);
    });

    test('a terminal failure stops renewal with one error (51005)', async () => {
        const { calls, provider } = handProvider();
        const { scheduler, log } = manager({ tokenProvider: provider });
        scheduler.advanceTo((T0 + 420) * 1000 + 22_500);
        calls[0].reject(new TokenProviderError('user deleted', { terminal: true }));
        await settle(scheduler);
        scheduler.advanceTo((T0 + 3600) * 1000);
        await settle(scheduler);
        assert.equal(calls.length, 1);
        assert.deepEqual(log.of('error').map((e) => e.code), [51005]);
        assert.deepEqual(log.names(), ['tokenWillExpire', 'error', 'tokenExpired']);
    });

    test('a provider that never answers times out as a transient failure', async () => {
        const { calls, provider } = handProvider();
        const { am, scheduler, log } = manager(
            { tokenProvider: provider, random: () => 0, providerTimeout: 10_000 });
        const client = fakeClient();
        am.attach(client);
        const original = am.token;
        scheduler.advanceTo((T0 + 420) * 1000);
        scheduler.advance(10_000);
        await settle(scheduler);
        assert.equal(calls.length, 2, 'timed out, then asked again');
        calls[0].resolve(token('alice', T0 + 5000)); // the late answer is dropped
        await settle(scheduler);
        assert.equal(am.token, original, 'the late token is not taken');
        assert.deepEqual(log.of('tokenUpdated'), []);
        assert.deepEqual(client.tokens, [], 'nothing pushed to the client');
        assert.equal(calls.length, 2);
        // The retry's own answer is taken, and reaches the client.
        const renewed = token('alice', T0 + 6000);
        calls[1].resolve(renewed);
        await settle(scheduler);
        assert.equal(am.token, renewed);
        assert.deepEqual(log.of('tokenUpdated').map((info) => info.expiresAt), [T0 + 6000]);
        assert.deepEqual(client.tokens, [renewed]);
    });

    test('keeps renewing after expiry, and the renewed token is pushed', async () => {
        const { calls, provider } = handProvider();
        const { am, scheduler, log } = manager({ tokenProvider: provider, random: () => 0 });
        const client = fakeClient();
        am.attach(client);
        scheduler.advanceTo((T0 + 420) * 1000);
        calls[0].reject(new Error('offline'));
        await settle(scheduler);
        calls[1].reject(new Error('offline'));
        scheduler.advanceTo((T0 + 600) * 1000);
        await settle(scheduler);
        assert.ok(log.names().includes('tokenExpired'));
        const fresh = token('alice', T0 + 4000);
        calls[calls.length - 1].resolve(fresh);
        await settle(scheduler);
        assert.deepEqual(client.tokens, [fresh]);
    });

    test('a fetched token is re-checked against the state now (identity, expiry)', async () => {
        const { calls, provider } = handProvider();
        const { am, scheduler, log } = manager({ tokenProvider: provider, random: () => 0 });
        const client = fakeClient();
        am.attach(client);
        scheduler.advanceTo((T0 + 420) * 1000);
        calls[0].resolve(token('mallory', T0 + 4000));
        await settle(scheduler);
        calls[1].resolve(token('alice', T0 + 100)); // expired by now
        await settle(scheduler);
        assert.deepEqual(log.of('error').map((e) => e.code), [20106, 20104]);
        assert.deepEqual(client.tokens, []);
        assert.equal(calls.length, 3); // retried
    });

    test('a revoked token is renewed at once, with one provider call for every client', async () => {
        const first = token('alice', T0 + 600);
        const { calls, provider } = handProvider();
        const { am, scheduler } = manager({ token: first, tokenProvider: provider });
        const renewers = [];
        const clients = [0, 1].map(() => ({ ...fakeClient(), setRenewRequest: (fn) => renewers.push(fn) }));
        for (const client of clients) am.attach(client);
        assert.equal(renewers.length, 2);
        renewers[0](first);
        renewers[1](first); // the other client saw the same revocation
        renewers[0](token('alice', T0 + 900)); // not the manager's token: changes nothing
        scheduler.runDue();
        assert.equal(calls.length, 1, 'asked at once, long before the about-to-expire window');
        const fresh = token('alice', T0 + 1200);
        calls[0].resolve(fresh);
        await settle(scheduler);
        for (const client of clients) assert.deepEqual(client.tokens, [fresh]);
        renewers[1](first); // a late report of the old token
        scheduler.runDue();
        assert.equal(calls.length, 1);
    });

    test('a new token refused as revoked is asked for again after a backoff', async () => {
        const first = token('alice', T0 + 600);
        const { calls, provider } = handProvider();
        const { am, scheduler, log } = manager({ token: first, tokenProvider: provider, random: () => 1 });
        let renew;
        const refusing = { updateToken: async () => { throw Object.assign(new Error('revoked'), { code: 20120 }); },
            setRenewRequest: (fn) => { renew = fn; } };
        am.attach(refusing);
        renew(first);
        scheduler.runDue();
        calls[0].resolve(token('alice', T0 + 1200));
        await settle(scheduler);
        assert.deepEqual(log.of('error').map((e) => e.code), [20120]);
        assert.equal(calls.length, 1, 'not at once: the backoff first');
        scheduler.advance(1000);
        assert.equal(calls.length, 2);
    });

    test('detach forgets the renew request', () => {
        const { am } = manager();
        const seen = [];
        const client = { ...fakeClient(), setRenewRequest: (fn) => seen.push(fn) };
        am.attach(client)();
        assert.equal(seen.length, 2);
        assert.equal(seen[1], null);
    });

    test('the same token again is not a renewal', async () => {
        const first = token('alice', T0 + 600);
        const { calls, provider } = handProvider();
        const { scheduler, log } = manager({ token: first, tokenProvider: provider, random: () => 0 });
        scheduler.advanceTo((T0 + 420) * 1000);
        calls[0].resolve(first);
        await settle(scheduler);
        assert.equal(calls.length, 2);
        assert.deepEqual(log.of('tokenUpdated'), []);
    });

    test("a client's refusal is reported through error", async () => {
        const { am, scheduler, log } = manager();
        am.attach({ updateToken: async () => { throw Object.assign(new Error('refused'), { code: 20107 }); } });
        await am.updateToken(token('alice', T0 + 900));
        await settle(scheduler);
        assert.deepEqual(log.of('error').map((e) => e.code), [20107]);
    });

    test('a client that was shut down is detached without an error', async () => {
        const { am, scheduler, log } = manager();
        const gone = { calls: 0, updateToken: async () => { gone.calls += 1; throw Object.assign(new Error('shut down'), { code: 51001 }); } };
        am.attach(gone);
        await am.updateToken(token('alice', T0 + 900));
        await settle(scheduler);
        await am.updateToken(token('alice', T0 + 1000));
        await settle(scheduler);
        assert.equal(gone.calls, 1);
        assert.deepEqual(log.of('error'), []);
    });

    test('shutdown clears timers, listeners, clients and the token', async () => {
        const { calls, provider } = handProvider();
        const { am, scheduler, log } = manager({ tokenProvider: provider });
        am.attach(fakeClient());
        am.shutdown();
        assert.equal(am.token, null);
        assert.equal(scheduler.armedTimers(), 0);
        scheduler.advanceTo((T0 + 3600) * 1000);
        assert.equal(calls.length, 0);
        assert.equal(log.length, 0);
        await assert.rejects(am.updateToken(token('alice', T0 + 900)), { code: 51001 });
    });
});
