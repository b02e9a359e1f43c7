// ChatClient: one user's connection to `parley serve`, with the token lifecycle (rules 1-13)
// built in. The state machine is ClientCore; this file gives it a WebSocket, the real clock and
// promises.

import { ClientCore, ConnectionState } from './client_core.js';
import { ClientErrorCode, ParleyError } from './errors.js';
import { Emitter } from './emitter.js';
import { DEFAULT_ABOUT_TO_EXPIRE_WINDOW } from './lifecycle.js';
import { ErrorCode, MAX_BODY_BYTES, Op, args, byteLength, reply } from './protocol.js';
import { SystemScheduler } from './scheduler.js';
import { WebSocketTransport } from './ws_transport.js';

export const CHAT_CLIENT_EVENTS = Object.freeze(['connected', 'connectionStateChanged', 'tokenAboutToExpire',
    'tokenExpired', 'tokenUpdated', 'tokenError', 'messageAdded', 'memberJoined', 'memberLeft', 'disconnected']);

// A graceful close gets this long before shutdown stops waiting for it (ms).
const CLOSE_GRACE_MS = 500;

function defaultUrl() {
    const location = globalThis.location;
    if (!location?.host) return 'ws://127.0.0.1:8080/v1/ws';
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
}

function isPlainObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export class ChatClient {
    /**
     * Starts connecting with `token`; see ChatClient.create for the options. Events fire from the
     * next task on, so listeners added right after the constructor see them all.
     * @param {string} token
     * @param {import('./parley.js').ChatClientOptions} [options]
     */
    constructor(token, options = {}) {
        this.events = new Emitter(CHAT_CLIENT_EVENTS);
        this.scheduler = options.scheduler ?? new SystemScheduler();
        const transport = options.transport
            ?? new WebSocketTransport(options.WebSocket ?? globalThis.WebSocket, this.scheduler);
        this.core = new ClientCore({
            url: options.url ?? defaultUrl(),
            aboutToExpireWindow: options.aboutToExpireWindow ?? DEFAULT_ABOUT_TO_EXPIRE_WINDOW,
            reconnect: options.reconnect,
            maxQueuedRequests: options.maxQueuedRequests,
            random: options.random,
        }, this.scheduler, transport, (name, payload) => this.events.emit(name, payload));
        this.shutDown = null;
        this.core.start(token);
    }

    /**
     * Connects with `token`. Resolves with the client once connected; rejects with a ParleyError
     * when the token is refused at start (locally or by the server, e.g. 20104), after shutting
     * the client down. An event due at connection fires after the promise resolves.
     */
    static create(token, options = {}) {
        const client = new ChatClient(token, options);
        return new Promise((resolve, reject) => {
            const offs = [];
            const settle = (fn) => { for (const off of offs) off(); fn(); };
            offs.push(client.events.once('connected', () => settle(() => resolve(client))));
            offs.push(client.events.once('tokenError', (error) => settle(() => {
                client.shutdown().then(() => reject(error), () => reject(error));
            })));
        });
    }

    /** @returns {() => void} unsubscribe */
    on(name, fn) { return this.events.on(name, fn); }

    /** A listener object with `onMessageAdded`, `onTokenAboutToExpire`, ... methods. */
    addListener(listener) { return this.events.addListener(listener); }

    get state() { return this.core.state; }

    get identity() { return this.core.identity; }

    /** What the client holds now: state, open sockets (at most 1), armed timers, queued requests. */
    stats() { return { ...this.core.stats(), armedTimers: this.scheduler.armedTimers() }; }

    /**
     * Replaces the token in any state; resolves {identity, expiresAt} once the server accepted it,
     * rejects with the ParleyError (also fired as tokenError; the old token stays in force).
     */
    updateToken(token) {
        return new Promise((resolve, reject) => {
            this.core.updateToken(token, (error, info) => (error ? reject(error) : resolve(info)));
        });
    }

    /** For an AccessManager: the same as updateToken. */
    acceptToken(token) { return this.updateToken(token); }

    /**
     * For an AccessManager: `renew(revokedToken)` runs when the service revokes this client's
     * token (close 4403, or 20120 at a reconnect's init), so a new token is fetched at once rather
     * than at the about-to-expire window. null forgets it.
     */
    setRenewRequest(renew) { this.core.renewRequest = renew; }

    request(op, requestArgs, read) {
        return new Promise((resolve, reject) => {
            this.core.submit(op, requestArgs, (error, body) => {
                if (error) { reject(error); return; }
                try { resolve(read(body)); } catch (bad) { reject(bad); }
            });
        });
    }

    async createChannel(uniqueName, { isPrivate = false, friendlyName, attributes } = {}) {
        checkAttributes(attributes);
        const channel = await this.request(Op.CHANNEL_CREATE,
            args.channelCreate({ uniqueName, friendlyName, isPrivate, attributes: attributes ?? {} }), reply.channel);
        this.core.channels.joined(channel.sid, true);
        return channel;
    }

    /** Every channel this identity can see, page after page until the last. */
    async listChannels() {
        const channels = [];
        let pageToken = null;
        do {
            const page = await this.request(Op.CHANNEL_LIST, args.channelList(pageToken), reply.channelPage);
            if (page.nextPageToken && page.channels.length === 0) {
                throw ParleyError.client(ClientErrorCode.BAD_REPLY, 'a channel page without channels');
            }
            channels.push(...page.channels);
            pageToken = page.nextPageToken;
        } while (pageToken);
        return channels;
    }

    /** Joins and delivers the channel's new messages from now on, also across reconnects. */
    async join(channel) {
        const joined = await this.request(Op.CHANNEL_JOIN, args.channel(channel), reply.channel);
        this.core.channels.joined(joined.sid, false);
        return joined;
    }

    async leave(channel) {
        const left = await this.request(Op.CHANNEL_LEAVE, args.channel(channel), reply.channel);
        this.core.channels.left(left.sid);
        return left;
    }

    members(channel) { return this.request(Op.CHANNEL_MEMBERS, args.channel(channel), reply.members); }

    addMember(channel, identity) {
        return this.request(Op.CHANNEL_ADD_MEMBER, args.addMember(channel, identity), reply.channel);
    }

    /** The message as stored, with its index. A body over 32 KiB fails at once with 50103. */
    async sendMessage(channel, body, attributes) {
        const bytes = byteLength(String(body));
        if (bytes > MAX_BODY_BYTES) {
            throw new ParleyError(ErrorCode.BODY_TOO_LARGE, `message too long: ${bytes} bytes, at most ${MAX_BODY_BYTES}`);
        }
        checkAttributes(attributes);
        return this.request(Op.MESSAGE_SEND, args.messageSend(channel, String(body), attributes ?? {}), reply.message);
    }

    /** A page of history, oldest first: the newest `limit`, or those before/after an index. */
    getMessages(channel, query = {}) {
        return this.request(Op.MESSAGE_HISTORY, args.messageHistory(channel, query), reply.messages);
    }

    /** The server's time (unix ms). */
    ping() { return this.request(Op.PING, {}, reply.serverTime); }

    /**
     * Closes the connection; clears timers, listeners and the token. Requests still waiting fail
     * with 51001. No event fires after the call. Idempotent.
     */
    shutdown() {
        if (this.shutDown) return this.shutDown;
        this.events.clear();
        this.shutDown = new Promise((resolve) => {
            let grace = null;
            let finished = false;
            const done = () => {
                if (finished) return;
                finished = true;
                if (grace !== null) clearTimeout(grace);
                this.scheduler.dispose();
                resolve();
            };
            let closed = false;
            this.core.shutdown(() => { closed = true; done(); });
            if (!closed) grace = setTimeout(done, CLOSE_GRACE_MS);
        });
        return this.shutDown;
    }
}

export { ConnectionState };

function checkAttributes(attributes) {
    if (attributes !== undefined && attributes !== null && !isPlainObject(attributes)) {
        throw new ParleyError(ErrorCode.INVALID_ATTRIBUTES, 'attributes must be a JSON object');
    }
}
