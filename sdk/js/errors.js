// Errors the SDK reports: a numeric `code` and a message. Token problems carry the 201xx codes
// (the same code wherever the cause is found: locally, at `init`, on `update_token`, on
// reconnect); server refusals carry the 50xxx reply codes of docs/protocol.md; failures only the
// client can see carry the 51xxx codes below, the C++ SDK's.

/** Codes for failures that happen in the client, never on the wire. */
export const ClientErrorCode = Object.freeze({
    /** The connection ended after the request was sent and before its reply. */
    CONNECTION_LOST: 51000,
    /** The client was shut down before the request completed. */
    SHUT_DOWN: 51001,
    /** Too many requests are waiting to be sent (the queue is bounded). */
    QUEUE_FULL: 51002,
    /** A reply could not be understood. */
    BAD_REPLY: 51004,
    /** The token provider failed (transient failures are retried; this one is reported). */
    PROVIDER_FAILED: 51005,
});

/** The 201xx token codes the SDK itself finds or reports (the server finds all of them). */
export const TokenErrorCode = Object.freeze({
    INVALID_TOKEN: 20101,
    EXPIRED: 20104,
    INVALID_GRANTS: 20106,
    /** The service revoked the token (its identity, jti or API key): found from a 4403 close. */
    REVOKED: 20120,
    LIFETIME_TOO_LONG: 20157,
});

const clientMessages = {
    51000: 'the connection ended before the reply; the request may or may not have been applied',
    51001: 'the client was shut down',
    51002: 'too many requests are waiting to be sent',
    51004: 'the server sent a frame the client does not understand',
    51005: 'the token provider could not give a token',
};

/** An error with the contract's numeric code. */
export class ParleyError extends Error {
    /**
     * @param {number} code 201xx (token), 50xxx (server reply) or 51xxx (client).
     * @param {string} [message]
     */
    constructor(code, message) {
        super(message || clientMessages[code] || `error ${code}`);
        this.name = 'ParleyError';
        /** @type {number} */
        this.code = code;
    }

    /** Whether the code is a token code (201xx, codes added later included). */
    get isTokenError() {
        return Math.floor(this.code / 100) === 201;
    }

    /** @param {number} code @param {string} [message] */
    static client(code, message) {
        return new ParleyError(code, message || clientMessages[code]);
    }
}
