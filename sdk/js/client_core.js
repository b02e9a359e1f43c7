// The ChatClient's state machine, with no I/O and no clock of its own: it runs on a scheduler
// (whose clock it reads), opens connections through a transport, and tells the app through
// `emit`. ChatClient wraps it with a WebSocket transport and the SystemScheduler; tests drive it
// with a ManualScheduler and an in-memory transport, event by event.
//
// What it does (rules 1-13): connect and `init`; requests queued (bounded) while there is no
// connection; reconnect with capped backoff and full jitter, never with a token known to have
// expired; rejoin and catch up by index; updateToken in every state; the lifecycle's events;
// shutdown. Mirrors the C++ SDK's ClientCore.

import { Backoff } from './backoff.js';
import { ClientErrorCode, ParleyError } from './errors.js';
import { TokenLifecycle } from './lifecycle.js';
import { CloseCode, Op, ServerEvent, args, event, parseServerFrame, reply } from './protocol.js';
import { Lane, RequestTable } from './requests.js';
import { ChannelSync } from './sequencer.js';
import { TokenMixin } from './client_tokens.js';

export const ConnectionState = Object.freeze({
    CONNECTING: 'connecting',
    CONNECTED: 'connected',
    RECONNECTING: 'reconnecting',
    WAITING_FOR_TOKEN: 'waiting_for_token',
    SHUT_DOWN: 'shut_down',
});

export class ClientCore {
    /**
     * @param {{url: string, aboutToExpireWindow?: number, reconnect?: object,
     *          maxQueuedRequests?: number, random?: () => number}} options
     * @param {object} scheduler ManualScheduler or SystemScheduler
     * @param {{open: (url: string, handlers: object) => {send: Function, close: Function}}} transport
     * @param {(name: string, payload?: any) => void} emit an event for the app (called in order)
     */
    constructor(options, scheduler, transport, emit) {
        this.url = options.url;
        this.scheduler = scheduler;
        this.transport = transport;
        this.emitNow = emit;
        this.lifecycle = new TokenLifecycle(scheduler,
            { aboutToExpireWindow: options.aboutToExpireWindow, waitForServerTime: true },
            { aboutToExpire: (t) => this.onAboutToExpire(t), expired: (t) => this.onExpired(t) });
        this.backoff = new Backoff(options.reconnect, options.random);
        this.requests = new RequestTable(options.maxQueuedRequests ?? 1024);
        this.channels = new ChannelSync((op, a, onReply) => {
            if (!this.initialized) { onReply(ParleyError.client(ClientErrorCode.CONNECTION_LOST)); return; }
            this.sendNow(op, a, onReply); // catch-up waits for the next init
        }, (message) => this.emit('messageAdded', message));
        this.state = ConnectionState.CONNECTING;
        this.stateAnnounced = false;
        this.opened = false;
        this.connection = null;
        this.connectionSerial = 0;
        this.initialized = false;
        this.everConnected = false;
        this.connectAttempts = 0;
        this.reconnectTimer = 0;
        this.paceTimer = 0;
        this.pendingToken = null; // {token, done: []}: carried by the next init or update_token
        this.initToken = null;
        this.closed = null;
        this.initRefusal = null;
        this.identity = '';
        /** Set by an AccessManager: asks it for a new token at once, naming the revoked one. */
        this.renewRequest = null;
    }

    /** Events reach the app after the current task, in order (never inside a call). */
    emit(name, payload) {
        this.scheduler.post(() => this.emitNow(name, payload));
    }

    /** Pre-checks `token` and connects with it; a refused token fires tokenError and waits. */
    start(token) {
        let checked;
        try {
            checked = this.lifecycle.check(token);
        } catch (error) {
            this.emit('tokenError', error);
            this.waitForToken();
            return;
        }
        this.identity = checked.identity;
        this.lifecycle.setToken(checked);
        this.connect();
    }

    /** Fails what waits with 51001, forgets timers, channels and the token, closes the socket. */
    shutdown(closed) {
        this.state = ConnectionState.SHUT_DOWN;
        this.requests.fail(ClientErrorCode.SHUT_DOWN, true);
        const waiting = this.pendingToken;
        this.pendingToken = null;
        for (const done of waiting?.done ?? []) done(ParleyError.client(ClientErrorCode.SHUT_DOWN));
        this.lifecycle.clear();
        this.cancelTimers();
        this.channels.clear();
        const connection = this.connection;
        if (connection) {
            this.closed = closed;
            if (this.opened) connection.close();
            else connection.abort(); // still connecting: nothing to close gracefully
        } else {
            closed?.();
        }
    }

    cancelTimers() {
        this.scheduler.cancel(this.reconnectTimer);
        this.reconnectTimer = 0;
        this.scheduler.cancel(this.paceTimer);
        this.paceTimer = 0;
    }

    stats() {
        return {
            state: this.state,
            openSockets: this.connection && this.state !== ConnectionState.SHUT_DOWN ? 1 : 0,
            armedTimers: (this.lifecycle.timerArmed() ? 1 : 0) + (this.reconnectTimer ? 1 : 0) + (this.paceTimer ? 1 : 0),
            connectAttempts: this.connectAttempts,
            queuedRequests: this.requests.queued(),
        };
    }

    setState(state) {
        if ((this.state === state && this.stateAnnounced) || this.state === ConnectionState.SHUT_DOWN) return;
        this.stateAnnounced = true;
        this.state = state;
        this.emit('connectionStateChanged', state);
    }

    hasUsableToken() {
        return this.pendingToken !== null || (this.lifecycle.current !== null && !this.lifecycle.expired());
    }

    // One socket at most: a new connection only when the previous one has ended.
    connect() {
        if (this.connection || this.state === ConnectionState.SHUT_DOWN) return;
        this.scheduler.cancel(this.reconnectTimer);
        this.reconnectTimer = 0;
        if (!this.hasUsableToken()) { this.waitForToken(); return; } // rule 11
        this.setState(this.everConnected ? ConnectionState.RECONNECTING : ConnectionState.CONNECTING);
        this.connectAttempts += 1;
        const serial = ++this.connectionSerial;
        const mine = (fn) => (...a) => { if (serial === this.connectionSerial) fn(...a); };
        this.connection = this.transport.open(this.url, {
            opened: mine(() => this.onOpened()),
            frame: mine((text) => this.onFrame(text)),
            ended: mine((code, reason) => this.onEnded(code, reason)),
        });
    }

    onOpened() {
        this.opened = true;
        if (!this.hasUsableToken()) { this.connection.close(); return; } // expired while opening
        // The newest token: also one updateToken gave while the connection was opening.
        this.initToken = this.pendingToken ? this.pendingToken.token : this.lifecycle.current;
        const sent = this.scheduler.now();
        this.sendNow(Op.INIT, args.init(this.initToken.jwt), (error, body) => this.onInitReply(error, body, sent));
    }

    onInitReply(error, body, sent) {
        const token = this.initToken;
        let done = [];
        if (this.pendingToken && this.pendingToken.token.serial === token.serial) {
            done = this.pendingToken.done;
            this.pendingToken = null;
        }
        if (error) {
            if (error.isTokenError) {
                this.rejectToken(error, token);
                for (const callback of done) callback(error);
            } else {
                // Not the token's fault (too many connections, a lost connection): the close that
                // follows says why; the token is tried again by the next init.
                if (error.code !== ClientErrorCode.CONNECTION_LOST) this.initRefusal = error;
                if (done.length > 0) this.holdForNextInit(token, done);
            }
            return; // the server closes the socket after a refused init; onEnded decides
        }
        this.acceptToken(token, sent, body);
        const limits = safe(() => reply.token(body).limits);
        if (limits) {
            this.requests.pacer.setLimits(limits.ratePerSecond, limits.rateBurst,
                this.requests.sentOnConnection, this.scheduler.now());
        }
        for (const callback of done) callback(null, infoOf(token));
        this.onConnected();
    }

    onConnected() {
        this.initialized = true;
        this.backoff.reset();
        const reconnected = this.everConnected;
        this.everConnected = true;
        this.setState(ConnectionState.CONNECTED);
        this.emit('connected', { ...infoOf(this.initToken), reconnected });
        if (this.pendingToken) { // a newer token arrived while init was in flight
            const newer = this.pendingToken;
            this.pendingToken = null;
            this.sendUpdate(newer.token, newer.done);
        }
        this.pump();
        this.channels.resync();
    }

    onFrame(text) {
        const frame = parseServerFrame(text);
        if (!frame) return; // unreadable: dropped; its request fails when the connection ends
        if (frame.kind === 'event') {
            const now = this.scheduler.now();
            if (frame.serverTime !== null) this.lifecycle.observeServerTime(frame.serverTime, now, now);
            this.onEvent(frame);
            return;
        }
        this.requests.complete(frame, this.scheduler.now());
        this.pump(); // a reply frees a place in the window
    }

    onEvent(frame) {
        try {
            switch (frame.name) {
            case ServerEvent.TOKEN_ABOUT_TO_EXPIRE:
                this.lifecycle.onServerAboutToExpire(event.aboutToExpire(frame.body));
                break;
            case ServerEvent.TOKEN_EXPIRED:
                this.lifecycle.onServerExpired();
                break;
            case ServerEvent.MESSAGE:
                this.channels.onLiveMessage(event.message(frame.body));
                break;
            case ServerEvent.MEMBER_JOINED:
                this.emit('memberJoined', event.member(frame.body));
                break;
            case ServerEvent.MEMBER_LEFT: {
                const member = event.member(frame.body);
                if (member.identity === this.identity) this.channels.left(member.channel); // left elsewhere
                this.emit('memberLeft', member);
                break;
            }
            default: // an event this version does not know
            }
        } catch {
            // a malformed event is dropped
        }
    }

    onEnded(code, reason) {
        this.connection = null;
        this.opened = false;
        this.scheduler.cancel(this.paceTimer);
        this.paceTimer = 0;
        const wasConnected = this.initialized;
        this.initialized = false;
        this.requests.fail(ClientErrorCode.CONNECTION_LOST, false);
        if (this.state === ConnectionState.SHUT_DOWN) {
            const closed = this.closed;
            this.closed = null;
            closed?.();
            return;
        }
        if (code === CloseCode.TOKEN_EXPIRED) this.lifecycle.onServerExpired();
        if (code === CloseCode.TOKEN_REVOKED) this.onRevoked(wasConnected); // never reconnect with it
        const willReconnect = this.hasUsableToken() && code !== CloseCode.TOKEN_EXPIRED;
        const refusal = this.initRefusal;
        this.initRefusal = null;
        if (wasConnected || !willReconnect || refusal) {
            this.emit('disconnected', {
                code,
                reason: refusal ? `init refused: ${refusal.code} ${refusal.message}` : reason,
                willReconnect,
            });
        }
        if (willReconnect) this.scheduleReconnect();
        else this.waitForToken();
    }

    scheduleReconnect() {
        this.setState(this.everConnected ? ConnectionState.RECONNECTING : ConnectionState.CONNECTING);
        this.scheduler.cancel(this.reconnectTimer);
        const delay = this.backoff.next();
        this.reconnectTimer = this.scheduler.scheduleAt(this.scheduler.now() + delay, () => {
            this.reconnectTimer = 0;
            this.connect();
        });
        return delay;
    }

    waitForToken() {
        this.scheduler.cancel(this.reconnectTimer);
        this.reconnectTimer = 0;
        this.setState(ConnectionState.WAITING_FOR_TOKEN);
    }

    /** A request on the live connection (the connection's lane), or 51000 without one. */
    sendNow(op, requestArgs, onReply) {
        if (!this.connection) { onReply(ParleyError.client(ClientErrorCode.CONNECTION_LOST)); return; }
        this.requests.enqueue(op, requestArgs, onReply, Lane.CONNECTION);
        this.pump();
    }

    /** An app request: queued (bounded) until a connection has done init and the rate allows. */
    submit(op, requestArgs, onReply) {
        if (this.state === ConnectionState.SHUT_DOWN) {
            onReply(ParleyError.client(ClientErrorCode.SHUT_DOWN));
            return;
        }
        this.requests.enqueue(op, requestArgs, onReply, Lane.APP);
        this.pump();
    }

    // Sends what the server's rate lets go now; a timer brings the rest when it may go.
    pump() {
        if (!this.connection || this.state === ConnectionState.SHUT_DOWN || !this.opened) return;
        const again = this.requests.pump(this.connection, this.scheduler.now(), this.initialized);
        this.scheduler.cancel(this.paceTimer);
        this.paceTimer = 0;
        if (again !== null) {
            this.paceTimer = this.scheduler.scheduleAt(again, () => { this.paceTimer = 0; this.pump(); });
        }
    }
}

Object.assign(ClientCore.prototype, TokenMixin);

export function infoOf(token) {
    return { identity: token.identity, expiresAt: token.expiresAt };
}

function safe(fn) {
    try { return fn(); } catch { return null; }
}
