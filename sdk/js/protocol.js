// The wire protocol as the browser SDK speaks it (docs/protocol.md): op and event names, limits,
// request frames built from SDK arguments, and server frames read into SDK objects (camelCase
// fields). The one place in the SDK where a wire name is spelled; tests decode and re-encode the
// golden frames of tests/protocol/golden/ with it.

import { ClientErrorCode, ParleyError } from './errors.js';

export const Op = Object.freeze({
    INIT: 'init',
    UPDATE_TOKEN: 'update_token',
    CHANNEL_CREATE: 'channel.create',
    CHANNEL_LIST: 'channel.list',
    CHANNEL_JOIN: 'channel.join',
    CHANNEL_LEAVE: 'channel.leave',
    CHANNEL_MEMBERS: 'channel.members',
    CHANNEL_ADD_MEMBER: 'channel.add_member',
    MESSAGE_SEND: 'message.send',
    MESSAGE_HISTORY: 'message.history',
    PING: 'ping',
});

export const ServerEvent = Object.freeze({
    TOKEN_ABOUT_TO_EXPIRE: 'token_about_to_expire',
    TOKEN_EXPIRED: 'token_expired',
    MESSAGE: 'message',
    MEMBER_JOINED: 'member_joined',
    MEMBER_LEFT: 'member_left',
});

export const CloseCode = Object.freeze({
    GOING_AWAY: 1001,
    TOO_BIG: 1009,
    PROTOCOL_ERROR: 4400,
    TOKEN_REJECTED: 4401,
    TOKEN_REVOKED: 4403,
    NO_INIT: 4408,
    TOKEN_EXPIRED: 4410,
    TOO_SLOW: 4413,
    RATE_LIMITED: 4429,
});

export const ErrorCode = Object.freeze({
    INVALID_ARGUMENT: 50003,
    CHANNEL_NOT_FOUND: 50100,
    BODY_TOO_LARGE: 50103,
    INVALID_ATTRIBUTES: 50104,
});

/** A frame over this many bytes closes the connection (1009): refused before sending. */
export const MAX_FRAME_BYTES = 64 * 1024;
/**
 * A server frame longer than this (UTF-16 units) is not parsed: the largest the server sends, a
 * history page, holds at most 1 MiB of messages.
 */
export const MAX_SERVER_FRAME_CHARS = 8 * 1024 * 1024;
/** A message body over this many UTF-8 bytes is refused (50103). */
export const MAX_BODY_BYTES = 32 * 1024;
/** The largest history page and channel page. */
export const MAX_HISTORY_LIMIT = 500;
export const MAX_PAGE_SIZE = 500;
/** The most message data one history reply holds, and the most one message can count. */
export const MAX_HISTORY_BYTES = 1 << 20;
export const MAX_HISTORY_MESSAGE_BYTES = 256 + 6 * (32 * 1024 + 16 * 1024) + 16 * 1024 + 8;

const utf8 = new TextEncoder();

/** UTF-8 length of a string. @param {string} text */
export function byteLength(text) {
    return utf8.encode(text).length;
}

/** An upper bound on the bytes `message` takes in a history reply (the server's count). */
export function historyBytes(message) {
    return 256 + byteLength(JSON.stringify(message.author)) + byteLength(JSON.stringify(message.body)) +
        byteLength(JSON.stringify(message.attributes ?? {}));
}

/** Whether a page whose messages count `pageBytes` may have been cut short by the byte cap. */
export function mayBeCutShort(pageBytes) {
    return pageBytes + MAX_HISTORY_MESSAGE_BYTES > MAX_HISTORY_BYTES;
}

/** A client frame. @param {number} id @param {string} op @param {object} args */
export function encodeRequest(id, op, args = {}) {
    return JSON.stringify({ id, op, ...args });
}

// The arguments of each op, from the SDK's parameters.
export const args = {
    init: (token) => ({ token }),
    updateToken: (token) => ({ token }),
    channelCreate: ({ uniqueName, friendlyName, isPrivate = false, attributes = {} }) => {
        const out = { unique_name: uniqueName };
        if (friendlyName) out.friendly_name = friendlyName;
        out.type = isPrivate ? 'private' : 'public';
        out.attributes = attributes;
        return out;
    },
    channelList: (pageToken) => (pageToken ? { page_size: MAX_PAGE_SIZE, page_token: pageToken }
        : { page_size: MAX_PAGE_SIZE }),
    channel: (channel) => ({ channel }),
    addMember: (channel, identity) => ({ channel, identity }),
    messageSend: (channel, body, attributes = {}) => ({ channel, body, attributes }),
    messageHistory: (channel, { before, after, limit } = {}) => {
        const out = { channel };
        if (before !== undefined && before !== null) out.before = before;
        if (after !== undefined && after !== null) out.after = after;
        if (limit !== undefined && limit !== null) out.limit = limit;
        return out;
    },
};

/**
 * Reads a server frame: `{kind: 'reply', replyTo, ok, body, error}` or
 * `{kind: 'event', name, body, serverTime}`; null for a frame that is neither.
 * @param {string} text
 */
export function parseServerFrame(text) {
    if (typeof text !== 'string' || text.length > MAX_SERVER_FRAME_CHARS) return null;
    let frame;
    try {
        frame = JSON.parse(text);
    } catch {
        return null;
    }
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) return null;
    if (typeof frame.event === 'string') {
        return { kind: 'event', name: frame.event, body: frame, serverTime: intOrNull(frame.server_time) };
    }
    if (!('reply_to' in frame) || typeof frame.ok !== 'boolean') return null;
    const error = frame.ok ? null : new ParleyError(Number(frame.error?.code) || 0, String(frame.error?.message ?? ''));
    return { kind: 'reply', replyTo: frame.reply_to, ok: frame.ok, body: frame, error };
}

function intOrNull(value) {
    return Number.isSafeInteger(value) ? value : null;
}

function bad(what) {
    return ParleyError.client(ClientErrorCode.BAD_REPLY, `a reply without a valid ${what}`);
}

function str(object, key, what) {
    if (typeof object?.[key] !== 'string') throw bad(what);
    return object[key];
}

function int(object, key, what) {
    if (!Number.isSafeInteger(object?.[key])) throw bad(what);
    return object[key];
}

/** A wire message as the SDK gives it. Throws a ParleyError (51004) for a malformed one. */
export function readMessage(wire) {
    const channel = str(wire, 'channel', 'message');
    return {
        sid: str(wire, 'sid', 'message'),
        index: int(wire, 'index', 'message'),
        channel,
        channelSid: channel,
        author: str(wire, 'author', 'message'),
        body: str(wire, 'body', 'message'),
        attributes: wire.attributes ?? {},
        dateCreated: int(wire, 'date_created', 'message'),
    };
}

export function readChannel(wire) {
    const type = str(wire, 'type', 'channel');
    return {
        sid: str(wire, 'sid', 'channel'),
        uniqueName: str(wire, 'unique_name', 'channel'),
        friendlyName: typeof wire.friendly_name === 'string' ? wire.friendly_name : '',
        type,
        isPrivate: type === 'private',
        attributes: wire.attributes ?? {},
        createdBy: typeof wire.created_by === 'string' ? wire.created_by : '',
        dateCreated: Number.isSafeInteger(wire.date_created) ? wire.date_created : null,
    };
}

export function readMember(wire) {
    return { identity: str(wire, 'identity', 'member'), joinedAt: int(wire, 'joined_at', 'member') };
}

function list(body, key, read) {
    if (!Array.isArray(body?.[key])) throw bad(key);
    return body[key].map(read);
}

// Replies, read into what the operations give.
export const reply = {
    token: (body) => ({
        identity: str(body, 'identity', 'identity'),
        expiresAt: int(body, 'expires_at', 'expires_at'),
        serverTime: intOrNull(body.server_time),
        limits: body.limits && typeof body.limits === 'object'
            ? { ratePerSecond: Number(body.limits.rate_per_second), rateBurst: Number(body.limits.rate_burst) }
            : null,
    }),
    channel: (body) => readChannel(body?.channel),
    channelPage: (body) => ({
        channels: list(body, 'channels', readChannel),
        nextPageToken: typeof body.next_page_token === 'string' ? body.next_page_token : null,
    }),
    members: (body) => list(body, 'members', readMember),
    message: (body) => readMessage(body?.message),
    messages: (body) => list(body, 'messages', readMessage),
    serverTime: (body) => int(body, 'server_time', 'server_time'),
};

// Events, read into what the SDK's events carry.
export const event = {
    aboutToExpire: (body) => int(body, 'expires_at', 'expires_at'),
    message: (body) => readMessage(body?.message),
    member: (body) => ({ channel: str(body, 'channel', 'channel'), identity: str(body, 'identity', 'identity') }),
};

// SDK objects back to their wire shape: what the golden tests compare with the files.
export const wire = {
    message: (m) => ({
        sid: m.sid, index: m.index, channel: m.channel, author: m.author, body: m.body,
        attributes: m.attributes, date_created: m.dateCreated,
    }),
    channel: (c) => ({
        sid: c.sid, unique_name: c.uniqueName, friendly_name: c.friendlyName, type: c.type,
        attributes: c.attributes, created_by: c.createdBy, date_created: c.dateCreated,
    }),
    member: (m) => ({ identity: m.identity, joined_at: m.joinedAt }),
};
