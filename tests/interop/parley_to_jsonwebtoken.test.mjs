// Parley → jsonwebtoken: tokens minted by `parley token mint` must verify with jsonwebtoken (the
// JWT library twilio-node itself signs with) and look exactly like twilio-node's: the same header,
// the same claim names in the same order, the same grants.
//
//   node --test-reporter=spec parley_to_jsonwebtoken.test.mjs PATH/TO/parley
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
    ACCOUNT_SID, ALGORITHMS, API_KEY_SID, API_SECRET, AccessToken, CHAT_SERVICE_SID, JWT_SHAPE,
    OTHER_SECRET, SIGNATURE_BYTES, SYNC_SERVICE_SID, decode, expectValid, jwt, nowSeconds, runParley,
    twilioToken,
} from './common.mjs';

const VIDEO_ROOM = 'Daily Standup';

/// `parley token mint` with the test key; returns the token it prints (asserting it printed one).
function mint({ identity = 'alice', ttl = 3600, algorithm, nbf, chat = true, sync = true, video = true } = {}) {
    const args = ['token', 'mint', '--account-sid', ACCOUNT_SID, '--api-key', API_KEY_SID,
        '--api-secret', API_SECRET, '--identity', identity, '--ttl', String(ttl)];
    if (chat) args.push('--chat-service', CHAT_SERVICE_SID);
    if (sync) args.push('--sync-service', SYNC_SERVICE_SID);
    if (video) args.push('--video-room', VIDEO_ROOM);
    if (nbf !== undefined) args.push('--nbf', String(nbf));
    if (algorithm !== undefined) args.push('--algorithm', algorithm);
    const run = runParley(args);
    assert.equal(run.status, 0, `mint failed${run.diag}`);
    const token = run.stdout.trim();
    assert.match(token, JWT_SHAPE, `mint should print one token on stdout${run.diag}`);
    return token;
}

/// twilio-node's token with the grants the mint() defaults ask for, in the same order.
function twilioTwin({ identity = 'alice', ttl = 3600, algorithm, nbf } = {}) {
    return twilioToken({
        identity, ttl, algorithm, nbf,
        grants: [
            new AccessToken.ChatGrant({ serviceSid: CHAT_SERVICE_SID }),
            new AccessToken.SyncGrant({ serviceSid: SYNC_SERVICE_SID }),
            new AccessToken.VideoGrant({ room: VIDEO_ROOM }),
        ],
    });
}

const jwtOptions = (algorithm) => ({ algorithms: [algorithm], issuer: API_KEY_SID, subject: ACCOUNT_SID });

describe('parley token mint → jsonwebtoken.verify', () => {
    const cases = [
        { label: 'default (no --algorithm) is HS256', flag: undefined, algorithm: 'HS256' },
        ...ALGORITHMS.map((algorithm) => ({ label: `--algorithm ${algorithm}`, flag: algorithm, algorithm })),
    ];
    for (const { label, flag, algorithm } of cases) {
        test(`${label}: verifies, and header and claims match twilio-node's`, () => {
            const before = nowSeconds();
            const token = mint({ algorithm: flag });
            const after = nowSeconds();

            // jsonwebtoken accepts it with exactly this algorithm, issuer and subject ...
            const verified = jwt.verify(token, API_SECRET, jwtOptions(algorithm));
            assert.equal(verified.iss, API_KEY_SID);
            assert.equal(verified.sub, ACCOUNT_SID);
            // ... and rejects it under another secret or another algorithm.
            assert.throws(() => jwt.verify(token, OTHER_SECRET, jwtOptions(algorithm)), /invalid signature/);
            const others = ALGORITHMS.filter((a) => a !== algorithm);
            assert.throws(() => jwt.verify(token, API_SECRET, { algorithms: others }), /invalid algorithm/);

            const complete = jwt.decode(token, { complete: true });
            const twin = jwt.decode(twilioTwin({ algorithm: flag }), { complete: true });

            // Header: the same keys in the same order with the same values; byte for byte even.
            assert.deepEqual(Object.entries(complete.header), Object.entries(twin.header));
            assert.deepEqual(Object.keys(complete.header), ['alg', 'typ', 'cty']);
            assert.equal(token.split('.')[0], twilioTwin({ algorithm: flag }).split('.')[0],
                'header segment should be byte-identical to twilio-node\'s');

            // Payload: the same claims in the same order; the same grants.
            const p = complete.payload;
            assert.deepEqual(Object.keys(p), Object.keys(twin.payload));
            assert.deepEqual(Object.keys(p), ['jti', 'grants', 'iat', 'exp', 'iss', 'sub']);
            assert.deepEqual(p.grants, twin.payload.grants);
            assert.deepEqual(p.grants, {
                identity: 'alice',
                chat: { service_sid: CHAT_SERVICE_SID },
                data_sync: { service_sid: SYNC_SERVICE_SID },
                video: { room: VIDEO_ROOM },
            });
            assert.equal(Object.keys(p.grants)[0], 'identity', 'identity comes first, as twilio-node writes it');

            assert.ok(Number.isInteger(p.iat) && Number.isInteger(p.exp));
            assert.ok(p.iat >= before && p.iat <= after, `iat ${p.iat} not within [${before}, ${after}]`);
            assert.equal(p.exp - p.iat, 3600);
            assert.equal(typeof p.jti, 'string');
            assert.ok(p.jti.length > 0);
            assert.equal(decode(token).signature.length, SIGNATURE_BYTES[algorithm]);
        });
    }

    test('--nbf: claim order jti, grants, nbf, iat, exp, iss, sub like twilio-node; jsonwebtoken checks it', () => {
        const nbf = nowSeconds() - 30;
        const token = mint({ nbf, algorithm: 'HS512' });
        const verified = jwt.verify(token, API_SECRET, jwtOptions('HS512'));
        assert.equal(verified.nbf, nbf);
        const twin = decode(twilioTwin({ nbf, algorithm: 'HS512' })).payload;
        assert.deepEqual(Object.keys(verified), Object.keys(twin));
        assert.deepEqual(Object.keys(verified), ['jti', 'grants', 'nbf', 'iat', 'exp', 'iss', 'sub']);

        const future = mint({ nbf: nowSeconds() + 3600 });
        assert.throws(() => jwt.verify(future, API_SECRET, jwtOptions('HS256')), { name: 'NotBeforeError' });
    });

    test('a token with one grant carries only that grant', () => {
        const token = mint({ sync: false, video: false });
        const { payload } = decode(token);
        assert.deepEqual(payload.grants, { identity: 'alice', chat: { service_sid: CHAT_SERVICE_SID } });
        assert.deepEqual(payload.grants, decode(twilioToken({
            grants: [new AccessToken.ChatGrant({ serviceSid: CHAT_SERVICE_SID })],
        })).payload.grants);
    });

    test('jti differs between two tokens minted in the same second', () => {
        // Two mints back to back nearly always share a second; retry across a second boundary.
        for (let attempt = 0; attempt < 10; ++attempt) {
            const a = decode(mint()).payload;
            const b = decode(mint()).payload;
            assert.notEqual(a.jti, b.jti);
            if (a.iat === b.iat) return;
        }
        assert.fail('could not mint two tokens within one second');
    });

    test('jti is unique across many mints', () => {
        const jtis = Array.from({ length: 8 }, () => decode(mint({ sync: false, video: false })).payload.jti);
        assert.equal(new Set(jtis).size, jtis.length, `duplicate jti in ${jtis.join(', ')}`);
    });

    test('exp - iat == ttl for several lifetimes', () => {
        for (const ttl of [180, 900, 3600, 86400]) {
            const { payload } = decode(mint({ ttl }));
            assert.equal(payload.exp - payload.iat, ttl);
            jwt.verify(mint({ ttl }), API_SECRET, jwtOptions('HS256'));
        }
    });

    test('identity with non-ASCII text and quotes survives mint → jsonwebtoken → parley verify', () => {
        const identity = 'zoë "the \\ admin" 👋';
        const token = mint({ identity, algorithm: 'HS384' });
        assert.equal(jwt.verify(token, API_SECRET, jwtOptions('HS384')).grants.identity, identity);
        const { json } = expectValid(token, ['--chat-service', CHAT_SERVICE_SID, '--require', 'video']);
        assert.equal(json.identity, identity);
        assert.equal(json.expires_at, decode(token).payload.exp);
    });
});
