// Reads what the client needs from an access token (identity and `exp`) without verifying it: the
// client has no key; the server verifies. Failures carry the server's code for the same cause.

import { ParleyError, TokenErrorCode } from './errors.js';

/** Tokens over this many bytes are refused (20101), as the server does. */
export const MAX_TOKEN_BYTES = 16 * 1024;

const SEGMENT = /^[A-Za-z0-9_-]*$/;

function invalid(message) {
    return new ParleyError(TokenErrorCode.INVALID_TOKEN, message);
}

function decodeSegment(segment, what) {
    if (!SEGMENT.test(segment) || segment.length % 4 === 1) {
        throw invalid(`token ${what} is not base64url`);
    }
    const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    let value;
    try {
        value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
        throw invalid(`token ${what} is not JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw invalid(`token ${what} is not a JSON object`);
    }
    return value;
}

/**
 * The identity and `exp` (unix seconds) of `jwt`. Throws a ParleyError: 20101 (not a token),
 * 20104 (no integer `exp`), 20106 (no identity).
 * @param {string} jwt
 * @returns {{identity: string, expiresAt: number}}
 */
export function inspectToken(jwt) {
    if (typeof jwt !== 'string') throw invalid('the token is not a string');
    if (jwt.length > MAX_TOKEN_BYTES) throw invalid('token is larger than 16 KiB');
    const segments = jwt.split('.');
    if (segments.length !== 3) throw invalid('token is not three dot-separated segments');
    decodeSegment(segments[0], 'header');
    const payload = decodeSegment(segments[1], 'payload');
    if (!('exp' in payload)) throw new ParleyError(TokenErrorCode.EXPIRED, 'token has no exp');
    // As the server reads it: an integer that fits in 64 bits (a far `exp` is 20157, later).
    if (!Number.isInteger(payload.exp) || Math.abs(payload.exp) >= 2 ** 63) {
        throw new ParleyError(TokenErrorCode.EXPIRED, 'token exp is not an integer');
    }
    const grants = payload.grants;
    if (grants === null || typeof grants !== 'object' || Array.isArray(grants)) {
        throw new ParleyError(TokenErrorCode.INVALID_GRANTS, 'token has no grants object');
    }
    if (typeof grants.identity !== 'string' || grants.identity === '') {
        throw new ParleyError(TokenErrorCode.INVALID_GRANTS, 'token has no identity');
    }
    return { identity: grants.identity, expiresAt: payload.exp };
}
