// AccessManager: one token (possibly with several grants) kept fresh for several clients.
//
// With a `tokenProvider` it renews by itself: at a random point early in the about-to-expire
// window (clients sharing an expiry do not renew in one instant), with one provider call per
// renewal however many clients are attached (single flight), retrying transient failures with
// capped exponential backoff and full jitter (also after expiry), and stopping with one `error`
// at a terminal failure (a provider error with `terminal: true`). Each accepted token goes to
// every attached client (`client.updateToken`); a client that refuses it reports through `error`.
// The identity may not change (20106). Mirrors the C++ SDK's AccessManager.

import { Backoff } from './backoff.js';
import { ClientErrorCode, ParleyError, TokenErrorCode } from './errors.js';
import { Emitter } from './emitter.js';
import { DEFAULT_ABOUT_TO_EXPIRE_WINDOW, TokenLifecycle } from './lifecycle.js';
import { SystemScheduler } from './scheduler.js';

export const ACCESS_MANAGER_EVENTS = Object.freeze(['tokenWillExpire', 'tokenExpired', 'tokenUpdated', 'error']);

// The largest renewalSpread taken: at least half of the time left stays for the renewal.
const MAX_RENEWAL_SPREAD = 0.5;

/** What a provider throws when retrying cannot help (the user may no longer have a token). */
export class TokenProviderError extends Error {
    /** @param {string} message @param {{terminal?: boolean}} [options] */
    constructor(message, { terminal = false } = {}) {
        super(message);
        this.name = 'TokenProviderError';
        this.terminal = terminal;
    }
}

export class AccessManager {
    /**
     * @param {string} token
     * @param {import('./parley.js').AccessManagerOptions} [options]
     */
    constructor(token, options = {}) {
        this.events = new Emitter(ACCESS_MANAGER_EVENTS);
        this.scheduler = options.scheduler ?? new SystemScheduler();
        this.ownsScheduler = !options.scheduler;
        this.provider = options.tokenProvider ?? null;
        this.windowS = options.aboutToExpireWindow ?? DEFAULT_ABOUT_TO_EXPIRE_WINDOW;
        this.spread = Math.min(Math.max(options.renewalSpread ?? 0.25, 0), MAX_RENEWAL_SPREAD);
        this.providerTimeoutMs = options.providerTimeout ?? 30_000;
        this.random = options.random ?? Math.random;
        this.backoff = new Backoff({ initial: 1000, max: 60_000, multiplier: 2, ...options.retry }, this.random);
        this.lifecycle = new TokenLifecycle(this.scheduler, { aboutToExpireWindow: this.windowS },
            { aboutToExpire: (t) => this.onWillExpire(t), expired: (t) => this.onExpired(t) });
        /** @type {Set<{updateToken: (token: string) => Promise<any>}>} */
        this.clients = new Set();
        this.renewalTimer = 0;
        this.inFlight = null; // the provider call under way: its attempt number
        this.attempt = 0;
        this.revoked = null; // the token whose revocation has asked the provider already
        this.stopped = false;
        this.isShutDown = false;
        /** Provider calls made so far (single flight: one per renewal attempt). */
        this.providerCalls = 0;
        try {
            this.setCurrent(this.lifecycle.check(token));
        } catch (error) {
            this.scheduler.post(() => this.events.emit('error', error));
        }
    }

    /** The current token, or null. */
    get token() { return this.lifecycle.current?.jwt ?? null; }

    /** @returns {() => void} unsubscribe */
    on(name, fn) { return this.events.on(name, fn); }

    addListener(listener) { return this.events.addListener(listener); }

    /**
     * Every token accepted from now on goes to `client` (its updateToken). A client that can learn
     * its token was revoked (a ChatClient: setRenewRequest) makes the manager fetch a new one at
     * once when that happens. @returns detach
     */
    attach(client) {
        this.clients.add(client);
        client.setRenewRequest?.((revoked) => this.scheduler.post(() => this.onRevoked(revoked)));
        return () => this.detach(client);
    }

    detach(client) {
        if (this.clients.delete(client)) client.setRenewRequest?.(null);
    }

    /** A token from the app (without a provider, or to override it); checked like a provider's. */
    async updateToken(token) {
        if (this.isShutDown) throw ParleyError.client(ClientErrorCode.SHUT_DOWN);
        return this.offer(token);
    }

    /** Stops renewal; forgets the token, the clients and the listeners. Idempotent. */
    shutdown() {
        if (this.isShutDown) return;
        this.isShutDown = true;
        this.events.clear();
        this.lifecycle.clear();
        this.scheduler.cancel(this.renewalTimer);
        this.renewalTimer = 0;
        this.clients.clear();
        if (this.ownsScheduler) this.scheduler.dispose();
    }

    // A token re-checked against the state now (rule 10): well formed, not expired, same identity.
    offer(jwt) {
        let checked;
        try {
            checked = this.lifecycle.check(jwt);
        } catch (error) {
            this.events.emit('error', error);
            throw error;
        }
        this.setCurrent(checked);
        const info = { identity: checked.identity, expiresAt: checked.expiresAt };
        this.events.emit('tokenUpdated', info);
        this.push(checked.jwt);
        return info;
    }

    setCurrent(token) {
        this.lifecycle.setToken(token);
        this.scheduler.cancel(this.renewalTimer);
        this.renewalTimer = 0;
        this.backoff.reset();
    }

    push(jwt) {
        for (const client of this.clients) {
            Promise.resolve().then(() => client.updateToken(jwt)).catch((error) => {
                if (this.isShutDown) return;
                if (error?.code === ClientErrorCode.SHUT_DOWN) {
                    this.clients.delete(client); // the client is gone: nothing to report
                    return;
                }
                // Issued in the same second as a revocation: refused too; ask again after a backoff.
                if (error?.code === TokenErrorCode.REVOKED) this.onRevoked(jwt, true);
                this.events.emit('error', error);
            });
        }
    }

    onWillExpire(token) {
        this.events.emit('tokenWillExpire', { identity: token.identity, expiresAt: token.expiresAt });
        if (this.provider) this.scheduleRenewal(this.renewalDelay(token));
    }

    // Rule 10: a random point early in what is left of the window, at most half of it, so the
    // provider and its retries keep at least half of what was left (a token shorter than W too).
    renewalDelay(token) {
        const left = token.expiresAt * 1000 - this.scheduler.now();
        const span = Math.min(Math.max(left, 0), this.windowS * 1000);
        return Math.floor(this.random() * this.spread * span);
    }

    onExpired(token) {
        this.events.emit('tokenExpired', { identity: token.identity, expiresAt: token.expiresAt });
        if (this.provider && !this.stopped) this.scheduleRenewal(0); // keep trying after expiry too
    }

    scheduleRenewal(delay) {
        if (this.inFlight !== null || this.stopped || this.renewalTimer !== 0 || this.isShutDown) return;
        this.renewalTimer = this.scheduler.scheduleAt(this.scheduler.now() + delay, () => {
            this.renewalTimer = 0;
            this.renew();
        });
    }

    renew() {
        if (this.inFlight !== null || this.stopped || this.isShutDown) return;
        const attempt = ++this.attempt;
        this.inFlight = attempt;
        this.providerCalls += 1;
        // A provider that never answers is a transient failure after providerTimeout.
        const timeout = this.scheduler.scheduleAt(this.scheduler.now() + this.providerTimeoutMs, () => {
            this.onProvided(attempt, new TokenProviderError('the token provider timed out'), null);
        });
        let call;
        try {
            call = Promise.resolve(this.provider());
        } catch (error) {
            call = Promise.reject(error);
        }
        call.then((jwt) => { this.scheduler.cancel(timeout); this.onProvided(attempt, null, jwt); },
            (error) => { this.scheduler.cancel(timeout); this.onProvided(attempt, error ?? new Error('failed'), null); });
    }

    onProvided(attempt, error, jwt) {
        if (this.inFlight !== attempt || this.isShutDown) return; // a late answer (timed out, shut down)
        this.inFlight = null;
        if (error) {
            if (error.terminal === true) {
                this.stopped = true;
                this.events.emit('error', ParleyError.client(ClientErrorCode.PROVIDER_FAILED, String(error.message ?? error)));
                return;
            }
            this.retryLater();
            return;
        }
        if (this.lifecycle.current && this.lifecycle.current.jwt === jwt) {
            this.retryLater(); // the provider gave the token we have: not a renewal
            return;
        }
        try {
            this.offer(jwt);
        } catch {
            this.retryLater();
        }
    }

    retryLater() { this.scheduleRenewal(this.backoff.next()); }

    // A client's token was revoked (4403, or 20120 at init or on updateToken). Only the current
    // token's revocation asks the provider, now: a newer one is in hand otherwise. The first report
    // of a token schedules the one call; later ones (other clients, the same client both ways)
    // change nothing, so every client of the manager costs one provider call, not one each.
    // `again`: the provider's new token was itself refused as revoked, so the call waits a backoff.
    onRevoked(revoked, again = false) {
        if (!this.provider || this.stopped || this.isShutDown || this.inFlight !== null) return;
        if (this.lifecycle.current?.jwt !== revoked || this.revoked === revoked) return;
        this.revoked = revoked;
        this.scheduler.cancel(this.renewalTimer);
        this.renewalTimer = 0;
        this.scheduleRenewal(again ? this.backoff.next() : 0);
    }
}
