// The ChatClient's state machine over an in-memory transport on a manual clock: connect, tokens in
// every state (rules 1-3, 9, 11, 13), reconnect with backoff, catch-up and ordering, bounded
// queues and shutdown (rule 12).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ChatClient } from '../chat_client.js';
import { FakeTransport, end, lastSent, manual, opened, record, replyError, replyOk, serverEvent, token } from './helpers.mjs';

const T0 = 1_800_000_000;
const EVENTS = ['connected', 'connectionStateChanged', 'tokenAboutToExpire', 'tokenExpired', 'tokenUpdated',
    'tokenError', 'messageAdded', 'memberJoined', 'memberLeft', 'disconnected'];
const CH = 'CH0123456789abcdef0123456789abcdef';

function setup(first = token('alice', T0 + 600), options = {}) {
    const scheduler = manual(T0 * 1000);
    const transport = new FakeTransport();
    const client = new ChatClient(first, { url: 'ws://test/v1/ws', scheduler, transport, aboutToExpireWindow: 180,
        random: () => 0.5, reconnect: { initial: 1000, max: 8000 }, ...options });
    const log = record(client, EVENTS);
    return { client, scheduler, transport, log };
}

// Opens the last connection and answers its init for the token it carries.
function accept(ctx, { serverTime = ctx.scheduler.now(), limits } = {}) {
    const connection = opened(ctx.transport.last);
    const init = lastSent(connection, 'init');
    const exp = JSON.parse(Buffer.from(init.token.split('.')[1], 'base64url')).exp;
    replyOk(connection, init, { identity: 'alice', expires_at: exp, server_time: serverTime, ...(limits ? { limits } : {}) });
    ctx.scheduler.runDue();
    return connection;
}

function message(index, body = `m${index}`) {
    return { sid: `IM${index}`, index, channel: CH, author: 'bob', body, attributes: {}, date_created: 1 };
}

const flush = async (scheduler) => {
    for (let i = 0; i < 5; i += 1) { await Promise.resolve(); scheduler.runDue(); }
};

describe('ChatClient (client core)', () => {
    test('connects with init and announces the state and connected', () => {
        const ctx = setup();
        const connection = accept(ctx);
        assert.equal(lastSent(connection, 'init').id, 1);
        assert.deepEqual(ctx.log.names(), ['connectionStateChanged', 'connectionStateChanged', 'connected']);
        assert.deepEqual(ctx.log.of('connectionStateChanged'), ['connecting', 'connected']);
        assert.deepEqual(ctx.log.of('connected'), [{ identity: 'alice', expiresAt: T0 + 600, reconnected: false }]);
    });

    test('updateToken while connected uses update_token on the same socket and re-arms', async () => {
        const ctx = setup();
        const connection = accept(ctx);
        const renewed = token('alice', T0 + 1200);
        const done = ctx.client.updateToken(renewed);
        const request = lastSent(connection, 'update_token');
        assert.equal(request.token, renewed);
        replyOk(connection, request, { identity: 'alice', expires_at: T0 + 1200, server_time: ctx.scheduler.now() });
        assert.deepEqual(await done, { identity: 'alice', expiresAt: T0 + 1200 });
        ctx.scheduler.runDue();
        assert.equal(ctx.transport.connections.length, 1);
        ctx.scheduler.advanceTo((T0 + 1020) * 1000 - 1);
        assert.deepEqual(ctx.log.of('tokenAboutToExpire'), []); // the old token's timer is gone
        ctx.scheduler.advance(1);
        assert.deepEqual(ctx.log.of('tokenAboutToExpire'), [{ identity: 'alice', expiresAt: T0 + 1200 }]);
        assert.deepEqual(ctx.log.of('tokenUpdated'), [{ identity: 'alice', expiresAt: T0 + 1200 }]);
    });

    test('update_token refused: tokenError with the code, and the old token stays in force', async () => {
        const ctx = setup();
        const connection = accept(ctx);
        const done = ctx.client.updateToken(token('alice', T0 + 1200));
        replyError(connection, lastSent(connection, 'update_token'), 20107, 'invalid signature');
        await assert.rejects(done, { code: 20107 });
        ctx.scheduler.runDue();
        assert.deepEqual(ctx.log.of('tokenError').map((e) => e.code), [20107]);
        assert.equal(ctx.client.core.lifecycle.current.expiresAt, T0 + 600);
        ctx.scheduler.advanceTo((T0 + 420) * 1000);
        assert.equal(ctx.log.of('tokenAboutToExpire').length, 1);
    });

    test('another identity is refused locally with 20106, in any state', async () => {
        const ctx = setup();
        await assert.rejects(ctx.client.updateToken(token('mallory', T0 + 600)), { code: 20106 });
        accept(ctx);
        await assert.rejects(ctx.client.updateToken(token('mallory', T0 + 600)), { code: 20106 });
    });

    test('updateToken while connecting: the init carries the newest token', async () => {
        const ctx = setup();
        const newer = token('alice', T0 + 900);
        const done = ctx.client.updateToken(newer);
        const connection = opened(ctx.transport.last);
        assert.equal(lastSent(connection, 'init').token, newer);
        replyOk(connection, lastSent(connection, 'init'), { identity: 'alice', expires_at: T0 + 900, server_time: T0 * 1000 });
        assert.deepEqual(await done, { identity: 'alice', expiresAt: T0 + 900 });
        assert.equal(ctx.transport.connections.length, 1);
    });

    test('a lost connection reconnects after a jittered backoff and says so', () => {
        const ctx = setup();
        accept(ctx);
        end(ctx.transport.last, 1006);
        ctx.scheduler.runDue();
        assert.deepEqual(ctx.log.of('disconnected'), [{ code: 1006, reason: '', willReconnect: true }]);
        assert.equal(ctx.client.state, 'reconnecting');
        ctx.scheduler.advance(499); // random 0.5 of a 1 s ceiling
        assert.equal(ctx.transport.connections.length, 1);
        ctx.scheduler.advance(1);
        assert.equal(ctx.transport.connections.length, 2);
        accept(ctx);
        assert.deepEqual(ctx.log.of('connected').map((c) => c.reconnected), [false, true]);
    });

    test('never reconnects with a token known to have expired; updateToken reconnects', async () => {
        const ctx = setup(token('alice', T0 + 200));
        accept(ctx);
        end(ctx.transport.last, 1006);
        for (let i = 0; i < 10; i += 1) { // the server is down for a while
            ctx.scheduler.advance(8000);
            if (ctx.transport.last.ended) continue;
            end(ctx.transport.last, 1006);
        }
        ctx.scheduler.advanceTo((T0 + 200) * 1000);
        if (!ctx.transport.last.ended) end(ctx.transport.last, 1006); // the attempt under way fails
        const attempts = ctx.transport.connections.length;
        ctx.scheduler.advance(3_600_000);
        assert.equal(ctx.transport.connections.length, attempts, 'no attempt after exp');
        assert.equal(ctx.client.state, 'waiting_for_token');
        assert.equal(ctx.log.of('tokenExpired').length, 1);
        const done = ctx.client.updateToken(token('alice', T0 + 7200));
        assert.equal(ctx.transport.connections.length, attempts + 1, 'connects at once');
        accept(ctx);
        await done;
        assert.equal(ctx.client.state, 'connected');
    });

    test('close 4410 is expiry: tokenExpired, no reconnect until a new token', () => {
        const ctx = setup();
        const connection = accept(ctx);
        serverEvent(connection, { event: 'token_expired', server_time: ctx.scheduler.now() });
        end(connection, 4410, 'token expired');
        ctx.scheduler.runDue();
        assert.deepEqual(ctx.log.of('disconnected'), [{ code: 4410, reason: 'token expired', willReconnect: false }]);
        assert.equal(ctx.log.of('tokenExpired').length, 1);
        assert.equal(ctx.log.of('tokenAboutToExpire').length, 1);
        ctx.scheduler.advance(3_600_000);
        assert.equal(ctx.transport.connections.length, 1);
    });

    test('the same cause gives the same code at init on reconnect (20104)', () => {
        const ctx = setup();
        accept(ctx);
        end(ctx.transport.last, 1006);
        ctx.scheduler.advance(1000);
        const again = opened(ctx.transport.last);
        replyError(again, lastSent(again, 'init'), 20104, 'expired');
        end(again, 4401, 'token rejected');
        ctx.scheduler.runDue();
        assert.deepEqual(ctx.log.of('tokenError').map((e) => e.code), [20104]);
        assert.equal(ctx.client.state, 'waiting_for_token');
    });

    test('close 4403 is revocation: tokenError 20120, the token is forgotten, the renewer is asked', async () => {
        const ctx = setup();
        const asked = [];
        ctx.client.setRenewRequest((revoked) => asked.push(revoked));
        const connection = accept(ctx);
        const revoked = lastSent(connection, 'init').token;
        end(connection, 4403, 'token revoked');
        ctx.scheduler.runDue();
        assert.deepEqual(ctx.log.of('tokenError').map((e) => e.code), [20120]);
        assert.deepEqual(asked, [revoked]);
        assert.deepEqual(ctx.log.of('disconnected'), [{ code: 4403, reason: 'token revoked', willReconnect: false }]);
        assert.equal(ctx.client.state, 'waiting_for_token');
        ctx.scheduler.advance(300_000); // far past any reconnect backoff
        assert.equal(ctx.transport.connections.length, 1, 'never reconnects with the revoked token');
        const fresh = token('alice', T0 + 1200);
        const done = ctx.client.updateToken(fresh);
        assert.equal(ctx.transport.connections.length, 2);
        assert.equal(lastSent(opened(ctx.transport.last), 'init').token, fresh);
        replyOk(ctx.transport.last, lastSent(ctx.transport.last, 'init'),
            { identity: 'alice', expires_at: T0 + 1200, server_time: ctx.scheduler.now() });
        assert.deepEqual(await done, { identity: 'alice', expiresAt: T0 + 1200 });
    });

    test('20120 at a reconnect\'s init asks the renewer too; other refusals do not', () => {
        const ctx = setup();
        const asked = [];
        ctx.client.setRenewRequest((revoked) => asked.push(revoked));
        accept(ctx);
        end(ctx.transport.last, 1006);
        ctx.scheduler.advance(1000);
        const again = opened(ctx.transport.last);
        const init = lastSent(again, 'init');
        replyError(again, init, 20120, 'access token revoked');
        end(again, 4401, 'token rejected');
        ctx.scheduler.runDue();
        assert.deepEqual(asked, [init.token]);
        assert.equal(ctx.client.state, 'waiting_for_token');

        const other = setup();
        const none = [];
        other.client.setRenewRequest((revoked) => none.push(revoked));
        accept(other);
        end(other.transport.last, 1006);
        other.scheduler.advance(1000);
        const refused = opened(other.transport.last);
        replyError(refused, lastSent(refused, 'init'), 20104, 'expired');
        end(refused, 4401, 'token rejected');
        other.scheduler.runDue();
        assert.deepEqual(none, []);
    });

    test('a long outage holds at most one socket and a fixed set of timers', () => {
        const ctx = setup(token('alice', T0 + 86_000));
        accept(ctx);
        for (let i = 0; i < 2000; i += 1) {
            if (!ctx.transport.last.ended) end(ctx.transport.last, 1006);
            const stats = ctx.client.stats();
            assert.ok(stats.openSockets <= 1);
            assert.ok(stats.armedTimers <= 2, `timers ${stats.armedTimers}`);
            ctx.scheduler.advance(8000);
        }
        assert.equal(ctx.transport.live.length, 1);
    });

    test('requests wait for the connection, bounded (51002); a lost reply is 51000', async () => {
        const ctx = setup(undefined, { maxQueuedRequests: 2 });
        const first = ctx.client.createChannel('a');
        const second = ctx.client.join('b');
        await assert.rejects(ctx.client.members('c'), { code: 51002 });
        const connection = accept(ctx);
        const sent = connection.sent.map((f) => f.op);
        assert.deepEqual(sent, ['init', 'channel.create', 'channel.join']);
        end(connection, 1006);
        await assert.rejects(first, { code: 51000 });
        await assert.rejects(second, { code: 51000 });
    });

    test('oversized frames and bodies are refused before sending', async () => {
        const ctx = setup();
        accept(ctx);
        await assert.rejects(ctx.client.sendMessage(CH, 'x'.repeat(32 * 1024 + 1)), { code: 50103 });
        await assert.rejects(ctx.client.sendMessage(CH, 'ok', ['not', 'an', 'object']), { code: 50104 });
        await assert.rejects(ctx.client.createChannel('big', { attributes: { a: 'x'.repeat(70_000) } }), { code: 50003 });
    });

    test('live messages: a gap is fetched from history; duplicates are dropped', async () => {
        const ctx = setup();
        const connection = accept(ctx);
        const delivered = [];
        ctx.client.on('messageAdded', (m) => delivered.push(m.index));
        serverEvent(connection, { event: 'message', channel: CH, message: message(0) });
        serverEvent(connection, { event: 'message', channel: CH, message: message(2) });
        const history = lastSent(connection, 'message.history');
        assert.deepEqual({ after: history.after, channel: history.channel }, { after: 0, channel: CH });
        serverEvent(connection, { event: 'message', channel: CH, message: message(2) });
        replyOk(connection, history, { messages: [message(1), message(2)] });
        ctx.scheduler.runDue();
        assert.deepEqual(delivered, [0, 1, 2]);
    });

    test('after a join, messages whose events come after the baseline read are still delivered', async () => {
        const ctx = setup();
        const connection = accept(ctx);
        const delivered = [];
        ctx.client.on('messageAdded', (m) => delivered.push(m.index));
        const joined = ctx.client.join(CH);
        replyOk(connection, lastSent(connection, 'channel.join'), { channel: { sid: CH, unique_name: 'g', type: 'public' } });
        await joined;
        // 3 and 4 were sent before the join; 5 and 6 after it, and the history read already has them.
        replyOk(connection, lastSent(connection, 'message.history'), { messages: [message(6)] });
        serverEvent(connection, { event: 'message', channel: CH, message: message(5) });
        serverEvent(connection, { event: 'message', channel: CH, message: message(6) });
        serverEvent(connection, { event: 'message', channel: CH, message: message(6) });
        serverEvent(connection, { event: 'message', channel: CH, message: message(7) });
        ctx.scheduler.runDue();
        assert.deepEqual(delivered, [5, 6, 7]);
    });

    test('after a reconnect: rejoin, then history after the last index; exactly once, in order', async () => {
        const ctx = setup();
        let connection = accept(ctx);
        const delivered = [];
        ctx.client.on('messageAdded', (m) => delivered.push(m));
        const joined = ctx.client.join(CH);
        replyOk(connection, lastSent(connection, 'channel.join'), { channel: { sid: CH, unique_name: 'g', type: 'public' } });
        await flush(ctx.scheduler);
        await joined;
        replyOk(connection, lastSent(connection, 'message.history'), { messages: [message(4)] }); // baseline 4
        serverEvent(connection, { event: 'message', channel: CH, message: message(5) });
        end(connection, 1006);
        ctx.scheduler.advance(1000);
        connection = accept(ctx);
        const rejoin = lastSent(connection, 'channel.join');
        assert.equal(rejoin.channel, CH);
        replyOk(connection, rejoin, { channel: { sid: CH, unique_name: 'g', type: 'public' } });
        const catchUp = lastSent(connection, 'message.history');
        assert.equal(catchUp.after, 5);
        serverEvent(connection, { event: 'message', channel: CH, message: message(8) });
        replyOk(connection, catchUp, { messages: [message(6), message(7), message(8)] });
        ctx.scheduler.runDue();
        assert.deepEqual(delivered.map((m) => m.index), [5, 6, 7, 8]);
        assert.deepEqual(Object.keys(delivered[0]).sort(),
            ['attributes', 'author', 'body', 'channel', 'channelSid', 'dateCreated', 'index', 'sid']);
    });

    test("requests are paced within the server's announced rate", () => {
        const ctx = setup();
        const connection = accept(ctx, { limits: { rate_per_second: 10, rate_burst: 4 } });
        for (let i = 0; i < 5; i += 1) ctx.client.ping().catch(() => {});
        assert.equal(connection.sent.filter((f) => f.op === 'ping').length, 1); // a bucket of 2, the init counted
        for (const frame of connection.sent.filter((f) => f.op === 'ping')) replyOk(connection, frame, { server_time: 1 });
        ctx.scheduler.advance(1000);
        assert.ok(connection.sent.filter((f) => f.op === 'ping').length >= 2);
    });

    test('shutdown fails what waits with 51001 and clears timers, listeners and the token', async () => {
        const ctx = setup();
        const connection = accept(ctx);
        const pending = ctx.client.members(CH);
        const closing = ctx.client.shutdown();
        await assert.rejects(pending, { code: 51001 });
        await closing;
        assert.equal(connection.closed, true);
        assert.equal(ctx.scheduler.armedTimers(), 0);
        assert.equal(ctx.client.core.lifecycle.current, null);
        await assert.rejects(ctx.client.updateToken(token('alice', T0 + 900)), { code: 51001 });
        await assert.rejects(ctx.client.members(CH), { code: 51001 });
        const before = ctx.log.length;
        ctx.scheduler.advance(3_600_000);
        assert.equal(ctx.log.length, before);
    });
});
