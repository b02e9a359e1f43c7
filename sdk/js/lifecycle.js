// The token lifecycle engine: rules 1-13 of docs/browser-sdk.md as a state machine with no I/O
// and no clock of its own. The ChatClient and the AccessManager each own one; it is driven by
// setToken, the server's clock readings and its one timer, and tells its owner when the token is
// about to expire and when it has expired (each at most once per token, never inside the call
// that caused it: through scheduler.post).

import { ParleyError, TokenErrorCode } from './errors.js';
import { inspectToken } from './token.js';

/** The default about-to-expire window W, in seconds. */
export const DEFAULT_ABOUT_TO_EXPIRE_WINDOW = 180;
/** The longest `exp - now` accepted (s): an absurd `exp` never reaches a timer (20157). */
export const MAX_LIFETIME = 86_400;

export class TokenLifecycle {
    /**
     * @param {import('./scheduler.js').ManualScheduler | import('./scheduler.js').SystemScheduler} scheduler
     * @param {{aboutToExpireWindow?: number, waitForServerTime?: boolean}} options W in seconds.
     *   waitForServerTime: until the first observeServerTime no timer is armed and expiry is not
     *   judged locally, so a device whose clock is off neither refuses a valid token nor fires
     *   early (a ChatClient sets it; an AccessManager, which has no server, does not).
     * @param {{aboutToExpire?: (t: CheckedToken) => void, expired?: (t: CheckedToken) => void}} callbacks
     */
    constructor(scheduler, options = {}, callbacks = {}) {
        this.scheduler = scheduler;
        this.windowMs = (options.aboutToExpireWindow ?? DEFAULT_ABOUT_TO_EXPIRE_WINDOW) * 1000;
        this.waitForServerTime = options.waitForServerTime ?? false;
        this.callbacks = callbacks;
        /** @type {CheckedToken | null} */
        this.current = null;
        this.identity = ''; // of the first token set; every later token must carry it (20106)
        this.aboutFired = false;
        this.expiredFired = false;
        this.offset = 0; // server clock minus local clock, ms
        this.synced = false;
        this.timer = 0;
        this.nextSerial = 1;
        this.generation = 0; // bumped per token: a posted event of an older token is dropped
    }

    /**
     * The local pre-check, against the server's time as best known: well formed (20101), not
     * expired (20104), `exp` within 24 h (20157), the same identity as before (20106).
     * @param {string} jwt
     * @returns {CheckedToken} or throws a ParleyError
     */
    check(jwt) {
        const { identity, expiresAt } = inspectToken(jwt);
        const now = this.serverNow();
        const exp = expiresAt * 1000;
        if (exp <= now && !this.waiting()) {
            throw new ParleyError(TokenErrorCode.EXPIRED,
                `the token expired ${Math.floor((now - exp) / 1000)} s ago`);
        }
        if (exp - now > MAX_LIFETIME * 1000) {
            throw new ParleyError(TokenErrorCode.LIFETIME_TOO_LONG,
                `the token expires in ${Math.floor((exp - now) / 1000)} s, more than the ${MAX_LIFETIME} s a token may live`);
        }
        if (this.identity && identity !== this.identity) {
            throw new ParleyError(TokenErrorCode.INVALID_GRANTS,
                `the token is for "${identity}", not for "${this.identity}"; an identity cannot change on a client`);
        }
        return { jwt, identity, expiresAt, serial: this.nextSerial++ };
    }

    /**
     * Makes `token` current and re-arms the timer from its `exp`. False (nothing changes) when a
     * newer token is already current: a late reply to an earlier update.
     * @param {CheckedToken} token
     */
    setToken(token) {
        if (this.current && token.serial < this.current.serial) return false;
        const same = this.current !== null && this.current.jwt === token.jwt;
        this.current = token;
        this.identity = token.identity;
        if (!same) {
            this.aboutFired = false;
            this.expiredFired = false;
            this.generation += 1;
        }
        this.rearm();
        return true;
    }

    /** A `server_time` (ms) from a frame; `sent`/`received` local ms (equal for events). */
    observeServerTime(serverTime, sent, received) {
        this.offset = serverTime - (sent + (received - sent) / 2);
        this.synced = true;
        this.rearm();
    }

    /** The server said the token is about to expire: fires unless fired for this token. */
    onServerAboutToExpire(expiresAt) {
        if (this.current && this.current.expiresAt === expiresAt) this.fireAboutToExpire();
    }

    onServerExpired() {
        if (!this.current) return;
        this.fireAboutToExpire(); // an expired token was also about to expire; keep the order
        this.fireExpired();
    }

    /** Forgets the token and timer, keeps the identity (the server refused the current token). */
    forgetToken() {
        this.scheduler.cancel(this.timer);
        this.timer = 0;
        this.current = null;
        this.aboutFired = false;
        this.expiredFired = false;
        this.generation += 1;
    }

    /** Forgets the token, the timer and the identity (shutdown, or another user). */
    clear() {
        this.forgetToken();
        this.identity = '';
    }

    /** The current token's `exp` has passed by the server's clock (never while waiting for it). */
    expired() {
        return this.current !== null && !this.waiting() && this.current.expiresAt * 1000 <= this.serverNow();
    }

    serverNow() { return this.scheduler.now() + this.offset; }

    timerArmed() { return this.timer !== 0; }

    waiting() { return this.waitForServerTime && !this.synced; }

    // One timer, always at the next due event: about-to-expire, then expiry.
    rearm() {
        this.scheduler.cancel(this.timer);
        this.timer = 0;
        if (!this.current || this.expiredFired || this.waiting()) return;
        const exp = this.current.expiresAt * 1000;
        const due = this.aboutFired ? exp : exp - this.windowMs;
        this.timer = this.scheduler.scheduleAt(due - this.offset, () => {
            this.timer = 0;
            this.onTimer();
        });
    }

    onTimer() {
        if (!this.current) return;
        const now = this.serverNow();
        const exp = this.current.expiresAt * 1000;
        if (now >= exp - this.windowMs) this.fireAboutToExpire();
        if (now >= exp) this.fireExpired();
        this.rearm();
    }

    fireAboutToExpire() {
        if (this.aboutFired) return;
        this.aboutFired = true;
        this.post(this.callbacks.aboutToExpire);
        this.rearm();
    }

    fireExpired() {
        if (this.expiredFired) return;
        this.expiredFired = true;
        this.post(this.callbacks.expired);
        this.rearm();
    }

    post(callback) {
        if (!callback) return;
        const generation = this.generation;
        const token = this.current;
        this.scheduler.post(() => {
            if (this.generation === generation) callback(token);
        });
    }
}

/**
 * @typedef {{jwt: string, identity: string, expiresAt: number, serial: number}} CheckedToken
 */
