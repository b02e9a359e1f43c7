// Time as a dependency. The lifecycle engine, the AccessManager and the client core read the time
// and arm timers only through a scheduler: SystemScheduler in production, ManualScheduler in
// tests, where a 24-hour token lifecycle runs in microseconds, event by event.
//
// Interface: now() (unix ms, the wall clock: token times are wall-clock times), scheduleAt(at, fn)
// returning a non-zero id, cancel(id), post(fn) (runs fn soon, after the current task, in order),
// armedTimers(), dispose().

/** Timers on a clock the test moves by hand. Due callbacks fire in time order on advance. */
export class ManualScheduler {
    /** @param {number} [start] unix ms */
    constructor(start = 1_800_000_000_000) {
        this.time = start;
        this.timers = new Map();
        this.posted = [];
        this.nextId = 1;
    }

    now() { return this.time; }

    scheduleAt(at, fn) {
        const id = this.nextId++;
        this.timers.set(id, { at, fn, id });
        return id;
    }

    cancel(id) { if (id) this.timers.delete(id); }

    post(fn) { this.posted.push(fn); }

    armedTimers() { return this.timers.size; }

    dispose() { this.timers.clear(); this.posted = []; }

    /** Runs posted tasks (and what they post) until none is left. */
    runPosted() {
        while (this.posted.length > 0) this.posted.shift()();
    }

    /** Fires what is due now, then the posted tasks, until nothing is due. */
    runDue() {
        this.runPosted();
        for (;;) {
            const due = [...this.timers.values()].filter((t) => t.at <= this.time)
                .sort((a, b) => a.at - b.at || a.id - b.id)[0];
            if (!due) return;
            this.timers.delete(due.id);
            due.fn();
            this.runPosted();
        }
    }

    /** Moves the clock to `time` in steps, firing each timer at its own time, in order. */
    advanceTo(time) {
        this.runDue();
        for (;;) {
            const next = [...this.timers.values()].filter((t) => t.at <= time)
                .sort((a, b) => a.at - b.at || a.id - b.id)[0];
            if (!next) break;
            this.time = Math.max(this.time, next.at);
            this.runDue();
        }
        this.time = Math.max(this.time, time);
        this.runDue();
    }

    /** @param {number} ms */
    advance(ms) { this.advanceTo(this.time + ms); }

    /** The clock jumps (a sleep, a wall-clock change) without any timer noticing yet. */
    jump(ms) { this.time += ms; }
}

/**
 * Timers on the real clock that survive a sleeping tab and a clock jump: one native timeout at a
 * time, never longer than `recheckMs`, re-reads the clock and fires whatever is due; a
 * `visibilitychange` (the tab woke) re-checks at once. Timeouts alone would fire late after a
 * sleep (browsers freeze them) or at the wrong time after a wall-clock change.
 */
export class SystemScheduler {
    /**
     * @param {{now?: () => number, setTimeout?: Function, clearTimeout?: Function,
     *          recheckMs?: number, document?: any}} [options]
     */
    constructor(options = {}) {
        this.clock = options.now ?? (() => Date.now());
        this.setTimer = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
        this.clearTimer = options.clearTimeout ?? ((handle) => globalThis.clearTimeout(handle));
        this.recheckMs = options.recheckMs ?? 1000;
        this.macrotask = options.macrotask ?? defaultMacrotask();
        this.timers = new Map();
        this.posted = [];
        this.nextId = 1;
        this.native = null;
        this.postNative = null;
        this.document = options.document !== undefined ? options.document : globalThis.document;
        this.onVisible = () => this.recheck();
        this.document?.addEventListener?.('visibilitychange', this.onVisible);
    }

    now() { return this.clock(); }

    scheduleAt(at, fn) {
        const id = this.nextId++;
        this.timers.set(id, { at, fn, id });
        this.arm();
        return id;
    }

    cancel(id) {
        if (id && this.timers.delete(id)) this.arm();
    }

    post(fn) {
        this.posted.push(fn);
        if (this.postNative === null) {
            this.postNative = true;
            this.macrotask(() => this.runOnePosted());
        }
    }

    armedTimers() { return this.timers.size; }

    /** Clears every timer and stops listening to the page. */
    dispose() {
        this.timers.clear();
        this.posted = [];
        this.arm();
        this.document?.removeEventListener?.('visibilitychange', this.onVisible);
    }

    /** Fires whatever is due by the clock now (after a wake, a jump): each once, in time order. */
    recheck() {
        for (;;) {
            const now = this.clock();
            const due = [...this.timers.values()].filter((t) => t.at <= now)
                .sort((a, b) => a.at - b.at || a.id - b.id)[0];
            if (!due) break;
            this.timers.delete(due.id);
            due.fn();
        }
        this.arm();
    }

    // One posted task per macrotask: what a task resolves (ChatClient.create's promise) is seen
    // by the app's awaiting code before the next task (an event due at connection) runs.
    runOnePosted() {
        this.postNative = null;
        const task = this.posted.shift();
        if (this.posted.length > 0) {
            this.postNative = true;
            this.macrotask(() => this.runOnePosted());
        }
        task?.();
    }

    arm() {
        if (this.native !== null) this.clearTimer(this.native);
        this.native = null;
        if (this.timers.size === 0) return;
        let earliest = Infinity;
        for (const timer of this.timers.values()) earliest = Math.min(earliest, timer.at);
        const wait = Math.max(0, Math.min(earliest - this.clock(), this.recheckMs));
        this.native = this.setTimer(() => {
            this.native = null;
            this.recheck();
        }, wait);
    }
}

// The cheapest task that runs after pending promise reactions: setImmediate in Node, a
// MessageChannel in browsers (setTimeout(0) is clamped to 4 ms when nested).
function defaultMacrotask() {
    if (typeof globalThis.setImmediate === 'function') return (fn) => globalThis.setImmediate(fn);
    if (typeof globalThis.MessageChannel === 'function') {
        const queue = [];
        const channel = new MessageChannel();
        channel.port1.onmessage = () => queue.shift()?.();
        return (fn) => { queue.push(fn); channel.port2.postMessage(0); };
    }
    return (fn) => globalThis.setTimeout(fn, 0);
}
