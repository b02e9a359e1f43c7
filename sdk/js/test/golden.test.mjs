// The golden frames of tests/protocol/golden/: every request re-encoded by the SDK from its own
// arguments, every reply and event decoded into SDK objects and written back, each equal to the
// file as JSON. A file this test does not know fails it, so a new shape cannot be skipped.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { MAX_SERVER_FRAME_CHARS, args, encodeRequest, event, parseServerFrame, reply, wire } from '../protocol.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tests', 'protocol', 'golden');
const read = (name) => JSON.parse(readFileSync(join(GOLDEN, name), 'utf8'));

// Each request from the SDK's arguments (the file supplies only the id and the values).
const requests = {
    'request.init.json': (f) => encodeRequest(f.id, 'init', args.init(f.token)),
    'request.update_token.json': (f) => encodeRequest(f.id, 'update_token', args.updateToken(f.token)),
    'request.channel.create.json': (f) => encodeRequest(f.id, 'channel.create', args.channelCreate({
        uniqueName: f.unique_name, friendlyName: f.friendly_name, isPrivate: f.type === 'private', attributes: f.attributes })),
    'request.channel.list.json': (f) => encodeRequest(f.id, 'channel.list', args.channelList(null)),
    'request.channel.list.page.json': (f) => encodeRequest(f.id, 'channel.list', args.channelList(f.page_token)),
    'request.channel.join.json': (f) => encodeRequest(f.id, 'channel.join', args.channel(f.channel)),
    'request.channel.leave.json': (f) => encodeRequest(f.id, 'channel.leave', args.channel(f.channel)),
    'request.channel.members.json': (f) => encodeRequest(f.id, 'channel.members', args.channel(f.channel)),
    'request.channel.add_member.json': (f) => encodeRequest(f.id, 'channel.add_member', args.addMember(f.channel, f.identity)),
    'request.message.send.json': (f) => encodeRequest(f.id, 'message.send', args.messageSend(f.channel, f.body, f.attributes)),
    'request.message.history.json': (f) => encodeRequest(f.id, 'message.history',
        args.messageHistory(f.channel, { before: f.before, after: f.after, limit: f.limit })),
    'request.ping.json': (f) => encodeRequest(f.id, 'ping', {}),
};

const envelope = (frame) => ({ reply_to: frame.replyTo, ok: frame.ok });
const tokenBody = (t) => ({ identity: t.identity, expires_at: t.expiresAt, server_time: t.serverTime,
    ...(t.limits ? { limits: { rate_per_second: t.limits.ratePerSecond, rate_burst: t.limits.rateBurst } } : {}) });

// Each reply decoded by the SDK's reader for it, then written back.
const replies = {
    'reply.init.json': (f) => ({ ...envelope(f), ...tokenBody(reply.token(f.body)) }),
    'reply.update_token.json': (f) => ({ ...envelope(f), ...tokenBody(reply.token(f.body)) }),
    'reply.channel.create.json': (f) => ({ ...envelope(f), channel: wire.channel(reply.channel(f.body)) }),
    'reply.channel.join.json': (f) => ({ ...envelope(f), channel: wire.channel(reply.channel(f.body)) }),
    'reply.channel.leave.json': (f) => ({ ...envelope(f), channel: wire.channel(reply.channel(f.body)) }),
    'reply.channel.add_member.json': (f) => ({ ...envelope(f), channel: wire.channel(reply.channel(f.body)) }),
    'reply.channel.list.json': (f) => channelPage(f),
    'reply.channel.list.page.json': (f) => channelPage(f),
    'reply.channel.members.json': (f) => ({ ...envelope(f), members: reply.members(f.body).map(wire.member) }),
    'reply.message.send.json': (f) => ({ ...envelope(f), message: wire.message(reply.message(f.body)) }),
    'reply.message.history.json': (f) => ({ ...envelope(f), messages: reply.messages(f.body).map(wire.message) }),
    'reply.ping.json': (f) => ({ ...envelope(f), server_time: reply.serverTime(f.body) }),
    'reply.error.json': (f) => ({ ...envelope(f), error: { code: f.error.code, message: f.error.message } }),
    'reply.error.token.json': (f) => ({ ...envelope(f), error: { code: f.error.code, message: f.error.message } }),
};

function channelPage(frame) {
    const page = reply.channelPage(frame.body);
    return { ...envelope(frame), channels: page.channels.map(wire.channel), next_page_token: page.nextPageToken };
}

const events = {
    'event.token_about_to_expire.json': (f) => ({ event: f.name, expires_at: event.aboutToExpire(f.body), server_time: f.serverTime }),
    'event.token_expired.json': (f) => ({ event: f.name, server_time: f.serverTime }),
    'event.message.json': (f) => {
        const message = event.message(f.body);
        return { event: f.name, channel: message.channelSid, message: wire.message(message) };
    },
    'event.member_joined.json': (f) => ({ event: f.name, ...event.member(f.body) }),
    'event.member_left.json': (f) => ({ event: f.name, ...event.member(f.body) }),
};

describe('golden frames', () => {
    const files = readdirSync(GOLDEN).filter((name) => name.endsWith('.json'));

    test('every golden file is covered', () => {
        const known = new Set([...Object.keys(requests), ...Object.keys(replies), ...Object.keys(events)]);
        assert.deepEqual(files.filter((name) => !known.has(name)), []);
        assert.deepEqual([...known].filter((name) => !files.includes(name)), []);
    });

    for (const [name, encode] of Object.entries(requests)) {
        test(`encodes ${name}`, () => {
            const golden = read(name);
            assert.deepEqual(JSON.parse(encode(golden)), golden);
        });
    }

    for (const [name, decode] of Object.entries({ ...replies, ...events })) {
        test(`decodes ${name}`, () => {
            const text = readFileSync(join(GOLDEN, name), 'utf8');
            const frame = parseServerFrame(text);
            assert.ok(frame, 'parsed');
            assert.equal(frame.kind, name.startsWith('event.') ? 'event' : 'reply');
            if (frame.kind === 'reply' && !frame.ok) {
                assert.equal(frame.error.code, JSON.parse(text).error.code);
                assert.equal(frame.error.isTokenError, frame.error.code === 20104);
            }
            assert.deepEqual(decode(frame), JSON.parse(text));
        });
    }

    test('frames that are neither a reply nor an event are dropped', () => {
        for (const text of ['', 'null', '[]', '{"reply_to": 1}', '{"ok": true}', '{"event": 5}', '{']) {
            assert.equal(parseServerFrame(text), null, text);
        }
    });

    test('a frame over the size limit is not parsed', () => {
        const padding = ' '.repeat(MAX_SERVER_FRAME_CHARS);
        assert.equal(parseServerFrame(`{"reply_to": 1, "ok": true}${padding}`), null);
        assert.ok(parseServerFrame(`{"reply_to": 1, "ok": true}${padding.slice(30)}`));
    });

    test('a malformed message or reply is a ParleyError 51004', () => {
        assert.throws(() => reply.message({ message: { sid: 'IM1', index: 'zero' } }), { code: 51004 });
        assert.throws(() => reply.messages({}), { code: 51004 });
        assert.throws(() => reply.token({ identity: 'a' }), { code: 51004 });
    });
});
