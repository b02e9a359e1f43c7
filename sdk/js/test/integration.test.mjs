// The browser SDK against a real `parley serve`, over real WebSockets (the `ws` package stands in
// for the browser's WebSocket):
//   node --test sdk/js/test/integration.test.mjs PATH/TO/parley
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { AccessManager, ChatClient, ParleyError, TokenProviderError } from '../parley.js';
import { Server, expiredToken, mint, nextEvent, waitFor } from './server.mjs';

const W = 2; // the about-to-expire window, seconds, on the server and the clients

describe('ChatClient against parley serve', () => {
    let server;
    before(async () => { server = await new Server(['--about-to-expire-window', String(W)]).start(); });
    after(async () => { await server?.stop(); });

    const open = (token, options = {}) => ChatClient.create(token, { url: server.url, WebSocket, aboutToExpireWindow: W, ...options });

    test('connects, creates, joins, sends and receives', async () => {
        const alice = await open(mint('alice', 600));
        const bob = await open(mint('bob', 600));
        try {
            assert.equal(alice.state, 'connected');
            const channel = await alice.createChannel('general-1', { friendlyName: 'General' });
            assert.equal(channel.uniqueName, 'general-1');
            await bob.join('general-1');
            const received = nextEvent(bob, 'messageAdded');
            const sent = await alice.sendMessage('general-1', 'hello', { k: 1 });
            assert.equal(sent.index, 0);
            const message = await received;
            assert.deepEqual({ ...message }, { ...sent });
            assert.equal(message.channelSid, channel.sid);
            const members = await bob.members(channel.sid);
            assert.deepEqual(members.map((m) => m.identity).sort(), ['alice', 'bob']);
            const history = await bob.getMessages('general-1', { limit: 10 });
            assert.deepEqual(history.map((m) => m.body), ['hello']);
            assert.ok((await alice.listChannels()).some((c) => c.sid === channel.sid));
        } finally {
            await alice.shutdown();
            await bob.shutdown();
        }
    });

    test('ChatClient.create rejects an expired token with ParleyError 20104', async () => {
        await assert.rejects(open(expiredToken('alice', 60)), (error) => error instanceof ParleyError && error.code === 20104);
    });

    test('ChatClient.create rejects a token signed with another secret with 20107', async () => {
        const [head, body] = mint('alice', 600).split('.');
        await assert.rejects(open(`${head}.${body}.AAAA`), (error) => error instanceof ParleyError && error.code === 20107);
    });

    test('a body over 32 KiB fails with 50103 before it is sent', async () => {
        const alice = await open(mint('alice', 600));
        try {
            await alice.createChannel('big-1');
            await assert.rejects(alice.sendMessage('big-1', 'x'.repeat(32 * 1024 + 1)), (e) => e.code === 50103);
        } finally {
            await alice.shutdown();
        }
    });

    test('updateToken renews with no disconnect and no lost message', async () => {
        const first = mint('alice', W + 3);
        const firstExp = JSON.parse(Buffer.from(first.split('.')[1], 'base64url')).exp;
        const alice = await open(first);
        const bob = await open(mint('bob', 600));
        try {
            const events = [];
            for (const name of ['disconnected', 'tokenExpired', 'tokenAboutToExpire', 'tokenUpdated']) {
                alice.on(name, () => events.push(name));
            }
            await alice.createChannel('renew-1');
            await bob.join('renew-1');
            const bodies = [];
            alice.on('messageAdded', (m) => bodies.push(m.body));
            let sending = true;
            const sender = (async () => {
                for (let i = 0; sending; i += 1) await bob.sendMessage('renew-1', `m${i}`);
            })();
            await nextEvent(alice, 'tokenAboutToExpire');
            const info = await alice.updateToken(mint('alice', 600));
            assert.equal(info.identity, 'alice');
            await waitFor(() => Date.now() / 1000 > firstExp + 1, 'the first token to pass its exp');
            sending = false;
            await sender;
            const last = (await bob.getMessages('renew-1', { limit: 1 }))[0];
            await waitFor(() => bodies.length === last.index + 1, 'every message on alice');
            assert.deepEqual(bodies, Array.from({ length: last.index + 1 }, (_, i) => `m${i}`));
            assert.deepEqual(events.filter((e) => e !== 'tokenAboutToExpire'), ['tokenUpdated']);
            assert.equal(alice.state, 'connected');
        } finally {
            await alice.shutdown();
            await bob.shutdown();
        }
    });

    test('an AccessManager renews silently; expiry when renewal is refused; updateToken revives', async () => {
        let calls = 0;
        let refuse = false;
        const am = new AccessManager(mint('carol', W + 2), {
            aboutToExpireWindow: W,
            tokenProvider: async () => {
                calls += 1;
                if (refuse) throw new TokenProviderError('carol signed out', { terminal: true });
                return mint('carol', W + 2);
            },
        });
        const client = await open(am.token);
        am.attach(client);
        const disconnects = [];
        client.on('disconnected', (d) => disconnects.push(d));
        for (let i = 0; i < 2; i += 1) await nextEvent(client, 'tokenUpdated');
        assert.equal(calls, 2, 'one provider call per renewal');
        assert.deepEqual(disconnects, []);
        assert.equal(client.state, 'connected');
        // The backend stops giving carol tokens: one error, then expiry and close 4410.
        refuse = true;
        const refused = nextEvent(am, 'error');
        const expired = nextEvent(client, 'tokenExpired');
        const gone = nextEvent(client, 'disconnected');
        assert.equal((await refused).code, 51005);
        await expired;
        assert.deepEqual(await gone, { code: 4410, reason: 'token expired', willReconnect: false });
        await waitFor(() => client.state === 'waiting_for_token', 'waiting for a token');
        assert.equal(calls, 3);
        am.shutdown();
        // updateToken after expiry reconnects the same client.
        await client.updateToken(mint('carol', 600));
        await waitFor(() => client.state === 'connected', 'reconnected');
        assert.equal(client.stats().openSockets, 1);
        await client.shutdown();
    });

    test('a revoked token: 4403, tokenError 20120, the AccessManager fetches a new one at once', async () => {
        const first = mint('erin', 600);
        let calls = 0;
        const am = new AccessManager(first, {
            aboutToExpireWindow: W,
            tokenProvider: async () => { calls += 1; return mint('erin', 600); },
        });
        const client = await open(am.token);
        am.attach(client);
        const refused = nextEvent(client, 'tokenError');
        const gone = nextEvent(client, 'disconnected');
        const jti = JSON.parse(Buffer.from(first.split('.')[1], 'base64url')).jti;
        await server.revoke({ jti });
        assert.equal((await refused).code, 20120);
        assert.deepEqual(await gone, { code: 4403, reason: 'token revoked', willReconnect: false });
        await waitFor(() => client.state === 'connected', 'reconnected with a new token');
        assert.equal(calls, 1, 'one provider call, long before the about-to-expire window');
        assert.notEqual(am.token, first);
        assert.equal(client.stats().openSockets, 1);
        am.shutdown();
        await client.shutdown();
    });

    test('about to expire with W or less left fires after create resolves', async () => {
        // The client's W (10 s) is over the token's 5 s: due at once, by the client's own rule.
        const client = await open(mint('dave', 5), { aboutToExpireWindow: 10 });
        try {
            const about = await nextEvent(client, 'tokenAboutToExpire');
            assert.equal(about.identity, 'dave');
        } finally {
            await client.shutdown();
        }
    });

    test('the same cause gives the same code: an expired token at updateToken is 20104', async () => {
        const alice = await open(mint('alice', 600));
        try {
            const error = nextEvent(alice, 'tokenError');
            await assert.rejects(alice.updateToken(expiredToken('alice', 5)), (e) => e instanceof ParleyError && e.code === 20104);
            assert.equal((await error).code, 20104);
            assert.equal(alice.state, 'connected');
        } finally {
            await alice.shutdown();
        }
    });

    test('updateToken with another identity is refused with 20106 and the old token stays', async () => {
        const alice = await open(mint('alice', 600));
        try {
            const error = nextEvent(alice, 'tokenError');
            await assert.rejects(alice.updateToken(mint('mallory', 600)), (e) => e.code === 20106);
            assert.equal((await error).code, 20106);
            assert.ok((await alice.ping()) > 0);
        } finally {
            await alice.shutdown();
        }
    });

    test('reconnects after kill -9 and a restart; no message lost or duplicated', async () => {
        const alice = await open(mint('alice', 600), { reconnect: { initial: 50, max: 500 } });
        const bob = await open(mint('bob', 600), { reconnect: { initial: 50, max: 500 } });
        try {
            await alice.createChannel('restart-1');
            await bob.join('restart-1');
            const received = [];
            bob.on('messageAdded', (m) => received.push(m));
            for (let i = 0; i < 5; i += 1) await alice.sendMessage('restart-1', `before${i}`);
            await waitFor(() => received.length === 5, 'messages before the restart');
            const lost = nextEvent(bob, 'disconnected');
            await server.kill();
            assert.equal((await lost).willReconnect, true);
            // Rule 9: a token given while reconnecting is carried by the next init.
            const renewal = bob.updateToken(mint('bob', 900));
            await server.start();
            assert.equal((await renewal).identity, 'bob');
            await waitFor(() => alice.state === 'connected' && bob.state === 'connected', 'both reconnected');
            for (let i = 0; i < 5; i += 1) await alice.sendMessage('restart-1', `after${i}`);
            await waitFor(() => received.length >= 10, 'messages after the restart');
            assert.deepEqual(received.map((m) => m.index), [...Array(10).keys()]);
            assert.equal(bob.stats().openSockets, 1);
        } finally {
            await alice.shutdown();
            await bob.shutdown();
        }
    });

    test('messages sent while a client was away are caught up by index', async () => {
        // bob's connections go to a closed port until the gate opens: he is away, for certain,
        // while alice sends.
        const gate = { open: true };
        class GatedWebSocket extends WebSocket {
            constructor(url, ...rest) { super(gate.open ? url : 'ws://127.0.0.1:9/v1/ws', ...rest); }
        }
        const alice = await open(mint('alice', 600), { reconnect: { initial: 50, max: 200 } });
        const bob = await open(mint('bob', 600), { WebSocket: GatedWebSocket, reconnect: { initial: 50, max: 200 } });
        try {
            await alice.createChannel('catchup-1');
            await bob.join('catchup-1');
            const received = [];
            bob.on('messageAdded', (m) => received.push(m.index));
            await alice.sendMessage('catchup-1', 'first');
            await waitFor(() => received.length === 1, 'the first message');
            gate.open = false;
            await server.kill();
            await server.start();
            await waitFor(() => alice.state === 'connected', 'alice back');
            for (let i = 0; i < 20; i += 1) await alice.sendMessage('catchup-1', `m${i}`);
            assert.notEqual(bob.state, 'connected');
            assert.equal(received.length, 1);
            gate.open = true;
            await waitFor(() => received.length === 21, 'every message on bob');
            assert.deepEqual(received, [...Array(21).keys()]);
            await alice.sendMessage('catchup-1', 'live again');
            await waitFor(() => received.length === 22, 'the next live message');
            assert.deepEqual(received, [...Array(22).keys()]);
        } finally {
            await alice.shutdown();
            await bob.shutdown();
        }
    });
});
