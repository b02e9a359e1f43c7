// Exactly once, in index order, per channel. ChannelSequencer merges live `message` events and
// history pages into one gap-free sequence (indexes are dense per channel, so a gap means
// something was missed and is fetched, never skipped). ChannelSync keeps one per joined channel:
// a baseline at join (the newest index then), history `after` the last index when a gap shows,
// and after a reconnect a rejoin of each channel followed by history until caught up.

import { ErrorCode, MAX_HISTORY_LIMIT, Op, args, historyBytes, mayBeCutShort, reply } from './protocol.js';

export class ChannelSequencer {
    constructor() {
        /** @type {number | null} the last index delivered (or the baseline) */
        this.last = null;
        // The baseline came from a history read made after the join, which may already hold
        // messages sent after the join (their events can come after the reply). Until the first
        // live message, that message's index is the better baseline.
        this.tentative = false;
        /** @type {Map<number, object>} */
        this.held = new Map();
    }

    /**
     * Takes a message; returns what can now be delivered, in order. Known indexes are dropped.
     * `live` for a `message` event: events come only for messages sent after the join, in index
     * order, so the first one after a tentative baseline moves the baseline down to it.
     */
    accept(message, live = false) {
        if (live && this.tentative) {
            this.tentative = false;
            if (message.index <= this.last) this.last = message.index - 1;
        }
        if (this.last !== null && message.index <= this.last) return [];
        if (!this.held.has(message.index)) this.held.set(message.index, message);
        return this.drain();
    }

    /**
     * The baseline after a first join: `latest` the newest index in history then (null when
     * empty). Messages held since the join are new even at or below it, so it drops below them.
     */
    setBaseline(latest, tentative = false) {
        if (this.last !== null) return this.drain();
        this.last = latest ?? -1;
        this.tentative = tentative && this.held.size === 0;
        if (this.held.size > 0) this.last = Math.min(this.last, this.firstHeld() - 1);
        return this.drain();
    }

    hasBaseline() { return this.last !== null; }

    hasGap() { return this.last !== null && this.held.size > 0 && this.firstHeld() > this.last + 1; }

    firstHeld() { return Math.min(...this.held.keys()); }

    drain() {
        const out = [];
        if (this.last === null) return out;
        while (this.held.has(this.last + 1)) {
            out.push(this.held.get(this.last + 1));
            this.held.delete(this.last + 1);
            this.last += 1;
        }
        return out;
    }
}

export class ChannelSync {
    /**
     * @param {(op: string, args: object, onReply: (error: any, body?: any) => void) => void} send
     *   sends on the live connection, or fails at once (51000) when there is none
     * @param {(message: object) => void} deliver hands a message to the app (messageAdded)
     */
    constructor(send, deliver) {
        this.send = send;
        this.deliverOne = deliver;
        /** @type {Map<string, {sequencer: ChannelSequencer, fetching: boolean}>} */
        this.channels = new Map();
    }

    /** Joined `sid`; `brandNew` when just created (no history yet). */
    joined(sid, brandNew) {
        if (this.channels.has(sid)) return;
        const tracked = { sequencer: new ChannelSequencer(), fetching: false };
        this.channels.set(sid, tracked);
        if (brandNew) this.deliver(tracked.sequencer.setBaseline(null));
        else this.fetchBaseline(sid);
    }

    left(sid) { this.channels.delete(sid); }

    clear() { this.channels.clear(); }

    tracks(sid) { return this.channels.has(sid); }

    /** A live `message`. A channel not tracked yet (joined elsewhere) is tracked from here on. */
    onLiveMessage(message) {
        const sid = message.channel;
        let tracked = this.channels.get(sid);
        if (!tracked) {
            tracked = { sequencer: new ChannelSequencer(), fetching: false };
            this.channels.set(sid, tracked);
            this.deliver(tracked.sequencer.setBaseline(message.index - 1));
        }
        this.deliver(tracked.sequencer.accept(message, true));
        if (tracked.sequencer.hasGap()) this.fetchAfter(sid);
    }

    /** After a reconnect: rejoin each channel, then fetch what was missed. */
    resync() {
        for (const [sid, tracked] of this.channels) {
            tracked.fetching = false;
            this.send(Op.CHANNEL_JOIN, args.channel(sid), (error) => {
                if (error) {
                    if (error.code === ErrorCode.CHANNEL_NOT_FOUND) this.left(sid); // gone, or hidden
                    return;
                }
                const now = this.channels.get(sid);
                if (!now) return;
                if (now.sequencer.hasBaseline()) this.fetchAfter(sid);
                else this.fetchBaseline(sid);
            });
        }
    }

    deliver(messages) {
        for (const message of messages) this.deliverOne(message);
    }

    // The newest index at join time: what came before is history, not news.
    fetchBaseline(sid) {
        this.send(Op.MESSAGE_HISTORY, args.messageHistory(sid, { limit: 1 }), (error, body) => {
            const tracked = this.channels.get(sid);
            if (!tracked || error) return; // left meanwhile, or the connection broke: resync
            const page = pageOf(sid, body);
            const latest = page && page.length > 0 ? page[page.length - 1].index : null;
            this.deliver(tracked.sequencer.setBaseline(latest, true));
            if (tracked.sequencer.hasGap()) this.fetchAfter(sid);
        });
    }

    fetchAfter(sid) {
        const tracked = this.channels.get(sid);
        if (!tracked || tracked.fetching || !tracked.sequencer.hasBaseline()) return;
        tracked.fetching = true;
        const query = { after: tracked.sequencer.last, limit: MAX_HISTORY_LIMIT };
        this.send(Op.MESSAGE_HISTORY, args.messageHistory(sid, query), (error, body) => {
            this.onPage(sid, error ? null : pageOf(sid, body));
        });
    }

    onPage(sid, page) {
        const tracked = this.channels.get(sid);
        if (!tracked) return;
        tracked.fetching = false;
        if (!page) return; // retried on the next gap or reconnect
        // A page ends before `limit` at the end of history, or at the server's byte cap.
        const full = page.length === MAX_HISTORY_LIMIT;
        const bytes = page.reduce((sum, message) => sum + historyBytes(message), 0);
        const before = tracked.sequencer.last;
        for (const message of page) this.deliver(tracked.sequencer.accept(message));
        const advanced = tracked.sequencer.last !== before;
        if (((full || mayBeCutShort(bytes)) && advanced) || tracked.sequencer.hasGap()) this.fetchAfter(sid);
    }
}

// A history page of `sid` without what the server should not have put in it.
function pageOf(sid, body) {
    try {
        return reply.messages(body).filter((message) => message.channel === sid);
    } catch {
        return null;
    }
}
