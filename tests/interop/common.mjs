// Shared by the interop tests: the fixed test key, the `parley` CLI wrapper, twilio-node minting and
// JWT decoding. The CLI path is the first command-line argument (CTest passes
// $<TARGET_FILE:parley>) or, when run by hand, $PARLEY_CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import jwt from 'jsonwebtoken';
import twilio from 'twilio';

export { jwt };
export const AccessToken = twilio.jwt.AccessToken;

export const CLI = process.argv[2] || process.env.PARLEY_CLI || '';
if (!CLI || !existsSync(CLI)) {
    console.error(`usage: node ${process.argv[1]} PATH/TO/parley  (or set PARLEY_CLI); got '${CLI}'`);
    process.exit(2);
}

const sid = (prefix, hex) => {
    assert.match(hex, /^[0-9a-f]{32}$/, `${prefix} test SID needs 32 hex digits`);
    return prefix + hex;
};

// The test key. Fixed values, so a failure is reproducible by hand.
export const ACCOUNT_SID = sid('AC', '0123456789abcdef0123456789abcdef');
export const API_KEY_SID = sid('SK', 'fedcba9876543210fedcba9876543210');
export const API_SECRET = 'pArLeY-interop-secret-0123456789'; // 32 characters
assert.equal(API_SECRET.length, 32);
// Another account, key and secret, for the negative cases.
export const OTHER_ACCOUNT_SID = sid('AC', 'aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb');
export const OTHER_API_KEY_SID = sid('SK', 'ccccccccccccccccdddddddddddddddd');
export const OTHER_SECRET = 'a-different-secret-0123456789abc';
assert.equal(OTHER_SECRET.length, 32);

export const CHAT_SERVICE_SID = sid('IS', '11111111111111111111111111111111');
export const OTHER_CHAT_SERVICE_SID = sid('IS', '99999999999999999999999999999999');
export const SYNC_SERVICE_SID = sid('IS', '22222222222222222222222222222222');
export const DEPLOYMENT_ROLE_SID = sid('RL', '33333333333333333333333333333333');
export const CHAT_PUSH_CREDENTIAL_SID = sid('CR', '44444444444444444444444444444444');
export const VOICE_PUSH_CREDENTIAL_SID = sid('CR', '55555555555555555555555555555555');
export const VOICE_APP_SID = sid('AP', '66666666666666666666666666666666');

export const ALGORITHMS = ['HS256', 'HS384', 'HS512'];
export const SIGNATURE_BYTES = { HS256: 32, HS384: 48, HS512: 64 };
export const CONTENT_TYPE = 'twilio-fpa;v=1';
export const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/// Runs the CLI; never throws for a non-zero exit.
export function runParley(args) {
    const result = spawnSync(CLI, args, { encoding: 'utf8', timeout: 15000 });
    if (result.error) throw result.error;
    const diag = `\n$ parley ${args.map((a) => (/^[\w@.:=\/-]+$/.test(a) ? a : `'${a}'`)).join(' ')}` +
        `\nexit ${result.status}${result.signal ? ` signal ${result.signal}` : ''}` +
        `\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
    return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr, diag };
}

/// `parley token verify TOKEN --api-key --api-secret [--account-sid] --json EXTRA...`; parses the
/// JSON object it prints. `accountSid: null` leaves --account-sid out.
export function verify(token, extra = [], { apiKey = API_KEY_SID, secret = API_SECRET, accountSid = ACCOUNT_SID } = {}) {
    const args = ['token', 'verify', token, '--api-key', apiKey, '--api-secret', secret];
    if (accountSid !== null) args.push('--account-sid', accountSid);
    args.push('--json', ...extra);
    const run = runParley(args);
    assert.equal(run.signal, null, `parley was killed${run.diag}`);
    let json;
    try {
        json = JSON.parse(run.stdout);
    } catch (e) {
        assert.fail(`verify --json did not print one JSON object (${e.message})${run.diag}`);
    }
    assert.equal(typeof json, 'object', `verify --json printed a ${typeof json}${run.diag}`);
    assert.notEqual(json, null, `verify --json printed null${run.diag}`);
    for (const field of ['valid', 'code', 'message', 'identity', 'expires_at']) {
        assert.ok(field in json, `verify --json lacks the contract field "${field}"${run.diag}`);
    }
    return { ...run, json };
}

/// Asserts the CLI accepted `token` (exit 0, valid, no error code) and returns its JSON.
export function expectValid(token, extra = [], key = {}) {
    const run = verify(token, extra, key);
    assert.equal(run.status, 0, `expected exit 0 for a valid token${run.diag}`);
    assert.equal(run.json.valid, true, `expected "valid": true${run.diag}`);
    assert.ok(run.json.code === 0 || run.json.code === null,
        `expected "code" 0 or null for a valid token, got ${JSON.stringify(run.json.code)}${run.diag}`);
    return run;
}

/// Asserts the CLI refused `token` with exit 1 and the contract `code`.
export function expectInvalid(token, code, extra = [], key = {}) {
    const run = verify(token, extra, key);
    assert.equal(run.json.code, code, `expected code ${code}${run.diag}`);
    assert.equal(run.json.valid, false, `expected "valid": false${run.diag}`);
    assert.equal(run.status, 1, `expected exit 1 for an invalid token${run.diag}`);
    assert.equal(typeof run.json.message, 'string', `"message" should be a string${run.diag}`);
    assert.ok(run.json.message.length > 0, `"message" should say what is wrong${run.diag}`);
    return run;
}

/// Runs `fn` with Date.now() frozen at `unixSeconds`: twilio-node and jsonwebtoken both read the
/// time through it, so a token "minted then" has a consistent iat/exp in the past or future.
export function atTime(unixSeconds, fn) {
    const realNow = Date.now;
    Date.now = () => unixSeconds * 1000;
    try {
        return fn();
    } finally {
        Date.now = realNow;
    }
}

/// Chat, Sync, Video and Voice grants with every field twilio-node knows set.
export function allTwilioGrants() {
    return [
        new AccessToken.ChatGrant({
            serviceSid: CHAT_SERVICE_SID,
            endpointId: 'parley-interop:alice:chat-device-1',
            deploymentRoleSid: DEPLOYMENT_ROLE_SID,
            pushCredentialSid: CHAT_PUSH_CREDENTIAL_SID,
        }),
        new AccessToken.SyncGrant({ serviceSid: SYNC_SERVICE_SID, endpointId: 'parley-interop:alice:sync' }),
        new AccessToken.VideoGrant({ room: 'Daily Standup' }),
        new AccessToken.VoiceGrant({
            incomingAllow: true,
            outgoingApplicationSid: VOICE_APP_SID,
            outgoingApplicationParams: { to: '+15005550006', priority: 2, vip: true, tags: ['a', 'b'] },
            pushCredentialSid: VOICE_PUSH_CREDENTIAL_SID,
            endpointId: 'parley-interop:alice:voice',
        }),
    ];
}

/// The `grants` claim allTwilioGrants() produces, written out by hand (as twilio-node 6.x emits it).
export function allGrantsClaim(identity) {
    return {
        identity,
        chat: {
            service_sid: CHAT_SERVICE_SID,
            endpoint_id: 'parley-interop:alice:chat-device-1',
            deployment_role_sid: DEPLOYMENT_ROLE_SID,
            push_credential_sid: CHAT_PUSH_CREDENTIAL_SID,
        },
        data_sync: { service_sid: SYNC_SERVICE_SID, endpoint_id: 'parley-interop:alice:sync' },
        video: { room: 'Daily Standup' },
        voice: {
            incoming: { allow: true },
            outgoing: {
                application_sid: VOICE_APP_SID,
                params: { to: '+15005550006', priority: 2, vip: true, tags: ['a', 'b'] },
            },
            push_credential_sid: VOICE_PUSH_CREDENTIAL_SID,
            endpoint_id: 'parley-interop:alice:voice',
        },
    };
}

/// Mints with twilio-node's AccessToken. `algorithm` goes to toJwt() (twilio-node 6.x takes it
/// there, not in the constructor); `region` becomes the `twr` header; `at` freezes the clock.
export function twilioToken({
    identity = 'alice',
    ttl = 3600,
    nbf,
    region,
    grants = [],
    algorithm,
    accountSid = ACCOUNT_SID,
    apiKey = API_KEY_SID,
    secret = API_SECRET,
    at,
} = {}) {
    const options = { identity, ttl };
    if (nbf !== undefined) options.nbf = nbf;
    if (region !== undefined) options.region = region;
    const token = new AccessToken(accountSid, apiKey, secret, options);
    for (const grant of grants) token.addGrant(grant);
    return at === undefined ? token.toJwt(algorithm) : atTime(at, () => token.toJwt(algorithm));
}

/// A Twilio-shaped token signed by jsonwebtoken directly, for claims twilio-node cannot produce.
/// `payload` is used as is (no iat/exp added); `header` replaces the default Twilio header.
export function signRaw(payload, { algorithm = 'HS256', secret = API_SECRET, header } = {}) {
    return jwt.sign(payload, secret, {
        algorithm,
        noTimestamp: true,
        header: header ?? { alg: algorithm, typ: 'JWT', cty: CONTENT_TYPE },
    });
}

/// Header, payload (key order as in the token) and the raw segments.
export function decode(token) {
    assert.match(token, JWT_SHAPE, `not a compact JWT: ${token}`);
    const [h, p, s] = token.split('.');
    return {
        header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
        payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
        signature: Buffer.from(s, 'base64url'),
        segments: { header: h, payload: p, signature: s },
    };
}
