// The token half of ClientCore (mixed into its prototype): updateToken in every connection state,
// the server's verdicts and the lifecycle engine's events. Mirrors the C++ SDK's
// client_core_tokens.cpp.

// client_core.js imports this file (a cycle): ConnectionState and infoOf are used only when a
// method runs, never while the modules load, which holds as long as client_core.js is the one
// loaded from outside (chat_client.js; nothing imports this file directly).
import { ConnectionState, infoOf } from './client_core.js';
import { ClientErrorCode, ParleyError, TokenErrorCode } from './errors.js';
import { Op, args, reply } from './protocol.js';

export const TokenMixin = {
    /**
     * Rule 9: accepted in every state. `done(error, info)` once the server has judged the token
     * (update_token when connected, the next init otherwise, which starts at once when the client
     * was waiting for a token). Never reconnects or rejoins a live connection.
     */
    updateToken(jwt, done) {
        if (this.state === ConnectionState.SHUT_DOWN) { done(ParleyError.client(ClientErrorCode.SHUT_DOWN)); return; }
        let checked;
        try {
            checked = this.lifecycle.check(jwt); // another identity: 20106, also after a refusal
        } catch (error) {
            this.emit('tokenError', error);
            done(error);
            return;
        }
        this.identity = checked.identity;
        if (this.initialized) { this.sendUpdate(checked, [done]); return; } // the live connection stays
        this.holdForNextInit(checked, [done]);
        if (!this.connection) this.connect(); // between attempts or waiting: connect now
    },

    holdForNextInit(token, done) {
        if (this.pendingToken && this.pendingToken.token.serial > token.serial) {
            this.pendingToken.done.push(...done); // a newer token waits; these learn its outcome
            return;
        }
        if (this.pendingToken) done.push(...this.pendingToken.done);
        this.pendingToken = { token, done };
    },

    sendUpdate(token, done) {
        const sent = this.scheduler.now();
        this.sendNow(Op.UPDATE_TOKEN, args.updateToken(token.jwt), (error, body) => {
            if (error && error.code === ClientErrorCode.CONNECTION_LOST) {
                this.holdForNextInit(token, done); // the next init carries it
                return;
            }
            if (error) {
                if (error.isTokenError) this.rejectToken(error, token);
                // else not a verdict on the token (rate limited, shut down): no tokenError
                for (const callback of done) callback(error);
                return;
            }
            this.acceptToken(token, sent, body);
            for (const callback of done) callback(null, infoOf(token));
        });
    },

    // The server accepted `token`. A late reply for an older token changes nothing, fires nothing.
    acceptToken(token, sent, body) {
        let serverTime = null;
        try { serverTime = reply.token(body).serverTime; } catch { /* no time to learn */ }
        if (serverTime !== null) this.lifecycle.observeServerTime(serverTime, sent, this.scheduler.now());
        const wasCurrent = this.lifecycle.current !== null && this.lifecycle.current.jwt === token.jwt;
        if (this.lifecycle.setToken(token) && !wasCurrent) this.emit('tokenUpdated', infoOf(token));
    },

    // The server refused `token`; the previous token, if still valid, stays in force (rule 3).
    rejectToken(error, token) {
        this.emit('tokenError', error);
        if (this.lifecycle.current && this.lifecycle.current.serial === token.serial) {
            this.lifecycle.forgetToken(); // the current token itself was refused (at init)
            // Revoked while reconnecting: the cause of a 4403 close, so the same request for a
            // new token. A newer token refused as revoked needs none: its AccessManager learns
            // the verdict from updateToken and asks again after a backoff.
            if (error.code === TokenErrorCode.REVOKED) this.askForNewToken(token.jwt);
        }
    },

    // Closed with 4403: the token in force (or the one init carried) is forgotten, and so is a
    // pending one that is the same token; the next connection waits for a new token, from
    // updateToken or the AccessManager asked here.
    onRevoked(wasConnected) {
        const revoked = (wasConnected ? this.lifecycle.current : this.initToken)?.jwt ?? '';
        const error = new ParleyError(TokenErrorCode.REVOKED, 'access token revoked');
        this.emit('tokenError', error);
        if (this.lifecycle.current && this.lifecycle.current.jwt === revoked) this.lifecycle.forgetToken();
        if (this.pendingToken && this.pendingToken.token.jwt === revoked) {
            const waiting = this.pendingToken;
            this.pendingToken = null;
            for (const done of waiting.done) done(error);
        }
        this.askForNewToken(revoked);
    },

    askForNewToken(revoked) {
        if (this.renewRequest && revoked) this.renewRequest(revoked);
    },

    onAboutToExpire(token) {
        this.emitNow('tokenAboutToExpire', infoOf(token));
    },

    onExpired(token) {
        this.emitNow('tokenExpired', infoOf(token));
        // Between reconnect attempts: stop them (rule 11); a live socket is closed by the server.
        if (!this.connection && !this.pendingToken) this.waitForToken();
    },
};
