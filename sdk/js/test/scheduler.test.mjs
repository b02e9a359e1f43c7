// The real-clock scheduler with a fake clock and fake timeouts (rule 8: a sleeping tab and a
// clock jump), and the backoff (capped, full jitter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Backoff } from '../backoff.js';
import { SystemScheduler } from '../scheduler.js';

// Native timeouts as a list the test fires by hand; `clock` is what Date.now() would say.
function fakeHost() {
    const host = { tasks: [], clock: 1_000_000, pending: new Map(), next: 1, listeners: new Map() };
    host.options = {
        now: () => host.clock,
        setTimeout: (fn, ms) => { const id = host.next++; host.pending.set(id, { fn, ms }); return id; },
        clearTimeout: (id) => host.pending.delete(id),
        macrotask: (fn) => host.tasks.push(fn),
        recheckMs: 1000,
        document: {
            addEventListener: (name, fn) => host.listeners.set(name, fn),
            removeEventListener: (name) => host.listeners.delete(name),
        },
    };
    host.fireNative = () => {
        const [[id, timer]] = host.pending;
        host.pending.delete(id);
        timer.fn();
    };
    return host;
}

describe('SystemScheduler', () => {
    test('one native timeout at a time, never longer than the recheck interval', () => {
        const host = fakeHost();
        const scheduler = new SystemScheduler(host.options);
        scheduler.scheduleAt(host.clock + 60_000, () => {});
        scheduler.scheduleAt(host.clock + 500, () => {});
        assert.equal(host.pending.size, 1);
        assert.equal([...host.pending.values()][0].ms, 500);
        scheduler.cancel(2);
        assert.equal([...host.pending.values()][0].ms, 1000);
    });

    test('a clock jump is noticed at the next recheck: what is due fires once, in order', () => {
        const host = fakeHost();
        const scheduler = new SystemScheduler(host.options);
        const fired = [];
        scheduler.scheduleAt(host.clock + 3_600_000, () => fired.push('later'));
        scheduler.scheduleAt(host.clock + 60_000, () => fired.push('sooner'));
        host.clock += 7_200_000; // the machine slept two hours; the timeout knows nothing of it
        host.fireNative();
        assert.deepEqual(fired, ['sooner', 'later']);
        assert.equal(scheduler.armedTimers(), 0);
        assert.equal(host.pending.size, 0);
    });

    test('visibilitychange re-checks at once; dispose stops listening', () => {
        const host = fakeHost();
        const scheduler = new SystemScheduler(host.options);
        const fired = [];
        scheduler.scheduleAt(host.clock + 60_000, () => fired.push('due'));
        host.clock += 61_000;
        host.listeners.get('visibilitychange')();
        assert.deepEqual(fired, ['due']);
        scheduler.dispose();
        assert.equal(host.listeners.size, 0);
        assert.equal(host.pending.size, 0);
    });

    test('posted tasks run in order', () => {
        const host = fakeHost();
        const scheduler = new SystemScheduler(host.options);
        const order = [];
        scheduler.post(() => { order.push(1); scheduler.post(() => order.push(3)); });
        scheduler.post(() => order.push(2));
        assert.deepEqual(order, []); // never inside post()
        while (host.tasks.length > 0) host.tasks.shift()();
        assert.deepEqual(order, [1, 2, 3]);
    });
});

describe('Backoff', () => {
    test('full jitter under a ceiling that doubles and is capped', () => {
        const top = new Backoff({ initial: 100, max: 1000, multiplier: 2 }, () => 0.999999);
        const delays = Array.from({ length: 8 }, () => top.next());
        assert.deepEqual(delays, [99, 199, 399, 799, 999, 999, 999, 999]);
        const bottom = new Backoff({ initial: 100, max: 1000 }, () => 0);
        assert.deepEqual([bottom.next(), bottom.next()], [0, 0]);
        top.reset();
        assert.equal(top.next(), 99);
    });

    test('many attempts never overflow', () => {
        const backoff = new Backoff({ initial: 250, max: 30_000 }, () => 0.5);
        for (let i = 0; i < 10_000; i += 1) backoff.next();
        assert.equal(backoff.next(), 15_000);
    });
});
