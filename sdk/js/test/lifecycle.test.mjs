// The token lifecycle engine, event by event on a manual clock (rules 1, 2, 4, 5, 8, 13).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { TokenLifecycle } from '../lifecycle.js';
import { inspectToken } from '../parley.js';
import { manual, token } from './helpers.mjs';

const T0 = 1_800_000_000; // unix s: the manual clock's start

function engine(options = {}, scheduler = manual(T0 * 1000)) {
    const log = [];
    const lifecycle = new TokenLifecycle(scheduler, { aboutToExpireWindow: 180, ...options }, {
        aboutToExpire: (t) => log.push(['about', t.expiresAt, scheduler.now()]),
        expired: (t) => log.push(['expired', t.expiresAt, scheduler.now()]),
    });
    return { lifecycle, log, scheduler };
}

describe('TokenLifecycle', () => {
    test('about to expire at exp - W, expired at exp, each once', () => {
        const { lifecycle, log, scheduler } = engine();
        lifecycle.setToken(lifecycle.check(token('alice', T0 + 600)));
        scheduler.advanceTo((T0 + 420) * 1000 - 1);
        assert.deepEqual(log, []);
        scheduler.advance(1);
        assert.deepEqual(log, [['about', T0 + 600, (T0 + 420) * 1000]]);
        scheduler.advanceTo((T0 + 600) * 1000 - 1);
        assert.equal(log.length, 1);
        scheduler.advance(1);
        assert.deepEqual(log[1], ['expired', T0 + 600, (T0 + 600) * 1000]);
        scheduler.advance(86_400_000);
        assert.equal(log.length, 2);
        assert.equal(lifecycle.timerArmed(), false);
    });

    test('W or less left: about to expire at once, but never inside setToken', () => {
        const { lifecycle, log, scheduler } = engine();
        lifecycle.setToken(lifecycle.check(token('alice', T0 + 180)));
        assert.deepEqual(log, []); // posted, not called from setToken
        scheduler.runDue();
        assert.deepEqual(log, [['about', T0 + 180, T0 * 1000]]);
    });

    test('an expired token is refused with 20104 and never armed', () => {
        const { lifecycle } = engine();
        assert.throws(() => lifecycle.check(token('alice', T0)), { code: 20104 });
        assert.throws(() => lifecycle.check(token('alice', T0 - 1)), { code: 20104 });
        assert.ok(lifecycle.check(token('alice', T0 + 1)));
    });

    test('absurd exp values never reach a timer', () => {
        const { lifecycle } = engine();
        assert.throws(() => lifecycle.check(token('alice', T0 + 86_401)), { code: 20157 });
        assert.throws(() => lifecycle.check(token('alice', 2 ** 62)), { code: 20157 });
        assert.throws(() => lifecycle.check(token('alice', 2 ** 64)), { code: 20104 }); // over 64 bits
        assert.throws(() => lifecycle.check(token('alice', -5)), { code: 20104 });
        assert.throws(() => lifecycle.check(token('alice', 1.5)), { code: 20104 });
        assert.throws(() => lifecycle.check(token('alice', '2000000000')), { code: 20104 });
        assert.ok(lifecycle.check(token('alice', T0 + 86_400)));
        assert.equal(lifecycle.timerArmed(), false);
    });

    test('malformed tokens are 20101, a missing identity 20106', () => {
        const { lifecycle } = engine();
        for (const bad of ['', 'a.b', 'a.b.c.d', 'not!base64.e30.x', `e30.${Buffer.from('[1]').toString('base64url')}.x`,
            'x'.repeat(16 * 1024 + 1)]) {
            assert.throws(() => lifecycle.check(bad), { code: 20101 }, bad.slice(0, 20));
        }
        const noIdentity = token('alice', T0 + 600).split('.');
        noIdentity[1] = Buffer.from(JSON.stringify({ exp: T0 + 600, grants: {} })).toString('base64url');
        assert.throws(() => lifecycle.check(noIdentity.join('.')), { code: 20106 });
        const noExp = Buffer.from(JSON.stringify({ grants: { identity: 'a' } })).toString('base64url');
        assert.throws(() => lifecycle.check(`e30.${noExp}.x`), { code: 20104 });
    });

    test('a token for another identity is refused with 20106, also after forgetToken', () => {
        const { lifecycle } = engine();
        lifecycle.setToken(lifecycle.check(token('alice', T0 + 600)));
        assert.throws(() => lifecycle.check(token('bob', T0 + 600)), { code: 20106 });
        lifecycle.forgetToken();
        assert.throws(() => lifecycle.check(token('bob', T0 + 600)), { code: 20106 });
        lifecycle.clear();
        assert.ok(lifecycle.check(token('bob', T0 + 600)));
    });

    test('every accepted token re-arms; a posted event of the old token is dropped', () => {
        const { lifecycle, log, scheduler } = engine();
        lifecycle.setToken(lifecycle.check(token('alice', T0 + 100))); // about-to-expire posted
        lifecycle.setToken(lifecycle.check(token('alice', T0 + 1000))); // before it ran
        scheduler.runDue();
        assert.deepEqual(log, []);
        scheduler.advanceTo((T0 + 820) * 1000);
        assert.deepEqual(log, [['about', T0 + 1000, (T0 + 820) * 1000]]);
    });

    test('a late reply for an older token does not replace a newer one', () => {
        const { lifecycle } = engine();
        const older = lifecycle.check(token('alice', T0 + 500));
        const newer = lifecycle.check(token('alice', T0 + 900));
        assert.equal(lifecycle.setToken(newer), true);
        assert.equal(lifecycle.setToken(older), false);
        assert.equal(lifecycle.current.expiresAt, T0 + 900);
    });

    test('timers follow the server clock, not a skewed local one', () => {
        const { lifecycle, log, scheduler } = engine({ waitForServerTime: true });
        // The local clock is 10 minutes slow: a token with 10 min left by the server looks like 20.
        const localNow = scheduler.now();
        const serverNow = localNow + 600_000;
        const checked = lifecycle.check(token('alice', serverNow / 1000 + 600));
        lifecycle.setToken(checked);
        assert.equal(lifecycle.timerArmed(), false); // no server time yet: nothing judged locally
        lifecycle.observeServerTime(serverNow + 50, localNow, localNow + 100); // midpoint: +50 ms
        assert.equal(lifecycle.serverNow(), serverNow);
        scheduler.advance(420_000 - 1);
        assert.deepEqual(log, []);
        scheduler.advance(1);
        assert.equal(log[0][0], 'about');
        scheduler.advance(180_000);
        assert.equal(log[1][0], 'expired');
    });

    test('while waiting for the server time an expired-looking token is not refused locally', () => {
        const { lifecycle } = engine({ waitForServerTime: true });
        assert.ok(lifecycle.check(token('alice', T0 - 30))); // the server judges it (20104 at init)
        lifecycle.observeServerTime(T0 * 1000, T0 * 1000, T0 * 1000);
        assert.throws(() => lifecycle.check(token('alice', T0 - 30)), { code: 20104 });
    });

    test('after a sleep or a clock jump what is due fires at once, once, in order', () => {
        const { lifecycle, log, scheduler } = engine();
        lifecycle.setToken(lifecycle.check(token('alice', T0 + 600)));
        scheduler.jump(3_600_000); // the lid was closed for an hour
        scheduler.runDue();
        assert.deepEqual(log.map((e) => e[0]), ['about', 'expired']);
        scheduler.advance(3_600_000);
        assert.equal(log.length, 2);
    });

    test("the server's event and the local timer race: the first wins, once", () => {
        const { lifecycle, log, scheduler } = engine();
        lifecycle.setToken(lifecycle.check(token('alice', T0 + 600)));
        lifecycle.onServerAboutToExpire(T0 + 600);
        lifecycle.onServerAboutToExpire(T0 + 600);
        lifecycle.onServerAboutToExpire(T0 + 999); // another token's: ignored
        scheduler.advanceTo((T0 + 420) * 1000);
        assert.deepEqual(log.map((e) => e[0]), ['about']);
        lifecycle.onServerExpired();
        scheduler.advanceTo((T0 + 700) * 1000);
        assert.deepEqual(log.map((e) => e[0]), ['about', 'expired']);
    });

    test('server expiry before about-to-expire fires both, in order', () => {
        const { lifecycle, log, scheduler } = engine();
        lifecycle.setToken(lifecycle.check(token('alice', T0 + 600)));
        lifecycle.onServerExpired();
        scheduler.runDue();
        assert.deepEqual(log.map((e) => e[0]), ['about', 'expired']);
    });

    test('clear forgets the token and its timer', () => {
        const { lifecycle, log, scheduler } = engine();
        lifecycle.setToken(lifecycle.check(token('alice', T0 + 600)));
        lifecycle.clear();
        assert.equal(lifecycle.timerArmed(), false);
        assert.equal(scheduler.armedTimers(), 0);
        scheduler.advance(86_400_000);
        assert.deepEqual(log, []);
    });
});

describe('inspectToken (exported for apps: the web page shows the expiry with it)', () => {
    test('reads the identity and exp, UTF-8 included', () => {
        assert.deepEqual(inspectToken(token('zoë 🚀', T0 + 600)), { identity: 'zoë 🚀', expiresAt: T0 + 600 });
    });

    test('refuses what is not a token with the server\'s codes', () => {
        assert.throws(() => inspectToken('not-a-token'), { code: 20101 });
        assert.throws(() => inspectToken(token('alice', T0, { exp: 'soon' })), { code: 20104 });
        assert.throws(() => inspectToken(token('alice', T0, { grants: {} })), { code: 20106 });
    });
});
