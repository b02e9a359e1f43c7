// The requests of one client: ids, those sent and waiting for a reply, and those waiting to be
// sent, in two lanes: the app's (bounded, kept across reconnects) and the connection's own (init,
// update_token, catch-up: sent first, failed when the connection ends). What goes out is paced
// within the rate the server announced at init (RequestPacer), so requests issued back to back
// wait here instead of being refused with 50429.

import { ClientErrorCode, ParleyError } from './errors.js';
import { ErrorCode, MAX_FRAME_BYTES, Op, byteLength, encodeRequest } from './protocol.js';

// Below the server's rate, so clocks ticking at slightly different speeds never add up to a refusal.
const RATE_MARGIN = 0.9;

/**
 * A token bucket of (server burst - window) at 90 % of the server's rate, with at most `window`
 * requests in flight, so however the server's reads bunch up it never counts more than its own
 * bucket allows (the C++ SDK's RequestPacer, same reasoning). No clock: the caller passes it.
 */
export class RequestPacer {
    constructor() { this.reset(); }

    reset() {
        this.rate = 0; // 0: no limit known
        this.burst = 0;
        this.window = Infinity;
        this.oneAtATime = false;
        this.tokens = 0;
        this.refilledAt = 0;
        this.lastReply = null;
    }

    setLimits(ratePerSecond, burst, sentSoFar, now) {
        if (!(ratePerSecond > 0)) return;
        this.rate = ratePerSecond * RATE_MARGIN;
        const whole = Math.max(1, Math.floor(burst || 1));
        this.oneAtATime = whole < 2;
        this.window = this.oneAtATime ? 1 : Math.max(1, Math.floor(whole / 2));
        this.burst = this.oneAtATime ? 1 : whole - this.window;
        this.tokens = Math.max(0, this.burst - sentSoFar);
        this.refilledAt = now;
        this.lastReply = null;
    }

    refill(now) {
        const elapsed = Math.max(0, now - this.refilledAt) / 1000;
        this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
        this.refilledAt = Math.max(this.refilledAt, now);
    }

    /** When the next request may go (ms), or null when it must wait for a reply. */
    nextSendAt(inFlight, now) {
        if (this.rate <= 0) return now;
        if (inFlight >= this.window) return null;
        this.refill(now);
        let at = now;
        if (this.tokens < 1) at = now + Math.ceil(((1 - this.tokens) / this.rate) * 1000);
        if (this.oneAtATime && this.lastReply !== null) {
            at = Math.max(at, this.lastReply + Math.ceil(1000 / this.rate));
        }
        return at;
    }

    onSent(now) {
        if (this.rate <= 0) return;
        this.refill(now);
        this.tokens = Math.max(0, this.tokens - 1);
    }

    onReply(now) { this.lastReply = now; }
}

export const Lane = Object.freeze({ APP: 'app', CONNECTION: 'connection' });

export class RequestTable {
    /** @param {number} maxQueued the app lane's bound (then 51002) */
    constructor(maxQueued) {
        this.maxQueued = maxQueued;
        this.nextId = 1;
        /** @type {Map<number, Function>} */
        this.sent = new Map();
        this.appLane = [];
        this.connectionLane = [];
        this.pacer = new RequestPacer();
        this.sentOnConnection = 0;
    }

    /**
     * Encodes the request with the next id and queues it. Fails it at once (calling onReply
     * before returning) when the app lane is full (51002) or its frame would pass the frame limit
     * (50103 for a message, 50003 otherwise: the server would close the connection with 1009).
     * @param {(error: ParleyError | null, body?: any) => void} onReply
     */
    enqueue(op, requestArgs, onReply, lane) {
        if (lane === Lane.APP && this.appLane.length >= this.maxQueued) {
            onReply(ParleyError.client(ClientErrorCode.QUEUE_FULL,
                `too many requests waiting to be sent (${this.appLane.length}); wait for some to complete`));
            return;
        }
        const id = this.nextId++;
        const frame = encodeRequest(id, op, requestArgs);
        const bytes = byteLength(frame);
        if (bytes > MAX_FRAME_BYTES) {
            const message = op === Op.MESSAGE_SEND;
            onReply(new ParleyError(message ? ErrorCode.BODY_TOO_LARGE : ErrorCode.INVALID_ARGUMENT,
                `${message ? 'message too long' : 'request too large'}: its frame would be ${bytes} bytes, over the ${MAX_FRAME_BYTES}-byte frame limit`));
            return;
        }
        (lane === Lane.APP ? this.appLane : this.connectionLane).push({ id, frame, onReply });
    }

    /**
     * Sends what the pacer lets go now, the connection's lane first, the app's only when
     * `appLaneOpen` (after init). Returns when to call again, or null.
     * @param {{send: (text: string) => void}} connection
     */
    pump(connection, now, appLaneOpen) {
        for (;;) {
            const lane = this.connectionLane.length > 0 ? this.connectionLane
                : appLaneOpen && this.appLane.length > 0 ? this.appLane : null;
            if (lane === null) return null;
            const at = this.pacer.nextSendAt(this.sent.size, now);
            if (at === null || at > now) return at;
            const next = lane.shift();
            this.pacer.onSent(now);
            this.sentOnConnection += 1;
            this.sent.set(next.id, next.onReply);
            connection.send(next.frame);
        }
    }

    /** Hands a parsed reply to its request. False for an id nothing waits on. */
    complete(frame, now) {
        const handler = this.sent.get(frame.replyTo);
        if (!handler) return false;
        this.sent.delete(frame.replyTo);
        this.pacer.onReply(now);
        if (frame.ok) handler(null, frame.body);
        else handler(frame.error);
        return true;
    }

    /**
     * Fails every request sent and unanswered and the connection's lane (51000 connection lost,
     * 51001 shut down), then the app's lane when `queuedToo`. The pacer starts afresh.
     */
    fail(code, queuedToo) {
        this.pacer.reset();
        this.sentOnConnection = 0;
        // Taken out first: a handler may queue again (an update_token carried by the next init).
        const sent = [...this.sent.values()];
        const own = this.connectionLane;
        this.sent = new Map();
        this.connectionLane = [];
        for (const handler of sent) handler(ParleyError.client(code));
        for (const request of own) request.onReply(ParleyError.client(code));
        if (!queuedToo) return;
        const queued = this.appLane;
        this.appLane = [];
        for (const request of queued) request.onReply(ParleyError.client(code));
    }

    queued() { return this.appLane.length + this.connectionLane.length; }

    inFlight() { return this.sent.size; }
}
