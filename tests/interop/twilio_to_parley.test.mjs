// Twilio → Parley: tokens minted by twilio-node's jwt.AccessToken (the library a Twilio backend
// already uses) must verify with `parley token verify`, with every grant intact, and be refused
// with the contract's code for each way they can be wrong.
//
//   node --test-reporter=spec twilio_to_parley.test.mjs PATH/TO/parley
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';

import {
    ACCOUNT_SID, ALGORITHMS, API_KEY_SID, API_SECRET, AccessToken, CHAT_SERVICE_SID, CONTENT_TYPE,
    OTHER_ACCOUNT_SID, OTHER_API_KEY_SID, OTHER_CHAT_SERVICE_SID, OTHER_SECRET, SIGNATURE_BYTES,
    SYNC_SERVICE_SID, allGrantsClaim, allTwilioGrants, decode, expectInvalid, expectValid,
    nowSeconds, signRaw, twilioToken,
} from './common.mjs';

const chatOnly = () => [new AccessToken.ChatGrant({ serviceSid: CHAT_SERVICE_SID })];

describe('twilio-node itself (guards the pinned version)', () => {
    test('writes the header and payload shapes Parley is built against', () => {
        for (const algorithm of ALGORITHMS) {
            const before = nowSeconds();
            const token = twilioToken({ identity: 'alice', grants: allTwilioGrants(), algorithm, nbf: before - 10 });
            const after = nowSeconds();
            const { header, payload, signature } = decode(token);
            assert.deepEqual(Object.entries(header), [['alg', algorithm], ['typ', 'JWT'], ['cty', CONTENT_TYPE]]);
            assert.deepEqual(Object.keys(payload), ['jti', 'grants', 'nbf', 'iat', 'exp', 'iss', 'sub']);
            assert.deepEqual(payload.grants, allGrantsClaim('alice'));
            assert.deepEqual(Object.keys(payload.grants), ['identity', 'chat', 'data_sync', 'video', 'voice']);
            assert.ok(payload.iat >= before && payload.iat <= after);
            assert.equal(payload.exp - payload.iat, 3600);
            assert.equal(payload.jti, `${API_KEY_SID}-${payload.iat}`);
            assert.equal(payload.iss, API_KEY_SID);
            assert.equal(payload.sub, ACCOUNT_SID);
            assert.equal(signature.length, SIGNATURE_BYTES[algorithm]);
        }
        const withRegion = decode(twilioToken({ region: 'ie1' })).header;
        assert.deepEqual(Object.entries(withRegion), [['alg', 'HS256'], ['typ', 'JWT'], ['cty', CONTENT_TYPE], ['twr', 'ie1']]);
    });
});

describe('twilio-node → parley token verify: valid tokens', () => {
    for (const algorithm of ALGORITHMS) {
        test(`${algorithm}: Chat, Sync, Video and Voice grants verify and round-trip`, () => {
            const token = twilioToken({ identity: 'alice', ttl: 3600, grants: allTwilioGrants(), algorithm });
            const { header, payload } = decode(token);
            assert.equal(header.alg, algorithm);

            const { json, diag } = expectValid(token);
            assert.equal(json.identity, 'alice', diag);
            assert.equal(json.expires_at, payload.exp, `expires_at should be the token's exp${diag}`);
            assert.ok(json.grants && typeof json.grants === 'object', `a valid verify prints "grants"${diag}`);
            const g = json.grants;
            assert.equal(g.identity, 'alice', diag);
            assert.deepEqual(g.chat, payload.grants.chat, `chat grant${diag}`);
            assert.deepEqual(g.data_sync, payload.grants.data_sync, `data_sync grant${diag}`);
            assert.deepEqual(g.video, payload.grants.video, `video grant${diag}`);
            assert.deepEqual(g.voice, payload.grants.voice, `voice grant${diag}`);
            assert.deepEqual(g, allGrantsClaim('alice'), `the whole grants object${diag}`);
        });
    }

    test('every grant kind satisfies --require, and a matching --chat-service passes', () => {
        const token = twilioToken({ grants: allTwilioGrants() });
        for (const kind of ['chat', 'data_sync', 'video', 'voice']) expectValid(token, ['--require', kind]);
        expectValid(token, ['--chat-service', CHAT_SERVICE_SID]);
        expectValid(token, ['--chat-service', CHAT_SERVICE_SID, '--require', 'chat']);
    });

    test('an identity with quotes, backslashes and non-ASCII text comes back unchanged', () => {
        const identity = 'zoë "the \\ admin" <zoe@example.com> 👋';
        const token = twilioToken({ identity, grants: chatOnly() });
        const { json, diag } = expectValid(token);
        assert.equal(json.identity, identity, diag);
        assert.equal(json.grants.identity, identity, diag);
    });

    test('the twr (region) header is ignored', () => {
        const token = twilioToken({ region: 'ie1', grants: chatOnly(), algorithm: 'HS384' });
        assert.equal(decode(token).header.twr, 'ie1');
        expectValid(token, ['--chat-service', CHAT_SERVICE_SID]);
    });

    test('grants Parley does not know (task_router, player) are accepted', () => {
        const token = twilioToken({
            grants: [
                ...chatOnly(),
                new AccessToken.TaskRouterGrant({ workspaceSid: 'WS' + '7'.repeat(32), workerSid: 'WK' + '8'.repeat(32), role: 'worker' }),
                new AccessToken.PlaybackGrant({ grant: { requestCredentials: null, playbackUrl: 'https://example.invalid/p' } }),
            ],
        });
        const { json, diag } = expectValid(token, ['--require', 'chat']);
        assert.deepEqual(json.grants.chat, { service_sid: CHAT_SERVICE_SID }, diag);
        // Kept, not dropped: the printed grants are the token's grants claim, unknown ones included.
        assert.deepEqual(json.grants, decode(token).payload.grants, diag);
    });

    test('verifies without --account-sid too', () => {
        const token = twilioToken({ grants: chatOnly() });
        const { json } = expectValid(token, [], { accountSid: null });
        assert.equal(json.identity, 'alice');
    });

    test('a lifetime of exactly 24 hours and an nbf in the past are accepted', () => {
        const long = twilioToken({ ttl: 86400, grants: chatOnly() });
        assert.equal(expectValid(long).json.expires_at, decode(long).payload.exp);
        expectValid(twilioToken({ nbf: nowSeconds() - 60, grants: chatOnly() }));
    });
});

describe('twilio-node → parley token verify: refused with the contract code', () => {
    test('wrong secret → 20107', () => {
        for (const algorithm of ALGORITHMS) {
            const token = twilioToken({ grants: allTwilioGrants(), algorithm });
            expectInvalid(token, 20107, [], { secret: OTHER_SECRET });
            // A secret differing in its last byte only.
            expectInvalid(token, 20107, [], { secret: API_SECRET.slice(0, -1) + 'X' });
        }
    });

    test('a token signed by another secret under our key SID → 20107', () => {
        expectInvalid(twilioToken({ secret: OTHER_SECRET, grants: chatOnly() }), 20107);
    });

    test('signature is checked before expiry: expired token, wrong secret → 20107', () => {
        const token = twilioToken({ ttl: 3600, grants: chatOnly(), at: nowSeconds() - 7200 });
        expectInvalid(token, 20107, [], { secret: OTHER_SECRET });
    });

    test('wrong account SID → 20103', () => {
        // Verifier told another account than the token's sub.
        expectInvalid(twilioToken({ grants: chatOnly() }), 20103, [], { accountSid: OTHER_ACCOUNT_SID });
        // Token minted for another account with our key and secret.
        expectInvalid(twilioToken({ accountSid: OTHER_ACCOUNT_SID, grants: chatOnly() }), 20103);
    });

    test('unknown API key SID (iss) → 20103', () => {
        const token = twilioToken({ apiKey: OTHER_API_KEY_SID, grants: chatOnly() });
        expectInvalid(token, 20103);
    });

    test('--chat-service naming another service → 20106', () => {
        expectInvalid(twilioToken({ grants: allTwilioGrants() }), 20106, ['--chat-service', OTHER_CHAT_SERVICE_SID]);
        // A Sync service SID is not the chat service either.
        expectInvalid(twilioToken({ grants: allTwilioGrants() }), 20106, ['--chat-service', SYNC_SERVICE_SID]);
    });

    test('--chat-service on a token without a chat grant → 20106', () => {
        const token = twilioToken({ grants: [new AccessToken.VideoGrant({ room: 'r' })] });
        expectInvalid(token, 20106, ['--chat-service', CHAT_SERVICE_SID]);
    });

    test('--require video on a chat-only token → 20106 (and data_sync, voice too)', () => {
        const token = twilioToken({ grants: chatOnly() });
        expectInvalid(token, 20106, ['--require', 'video']);
        expectInvalid(token, 20106, ['--require', 'data_sync']);
        expectInvalid(token, 20106, ['--require', 'voice']);
        expectValid(token, ['--require', 'chat']);
    });

    test('ttl 86401 → 20157, for every algorithm', () => {
        for (const algorithm of ALGORITHMS) {
            expectInvalid(twilioToken({ ttl: 86401, grants: chatOnly(), algorithm }), 20157);
        }
    });

    test('nbf in the future → 20105', () => {
        const token = twilioToken({ nbf: nowSeconds() + 3600, grants: chatOnly() });
        assert.ok(decode(token).payload.nbf > nowSeconds());
        expectInvalid(token, 20105);
    });

    test('expired (minted by twilio-node two hours ago, ttl 1 h) → 20104', () => {
        const issued = nowSeconds() - 7200;
        const token = twilioToken({ ttl: 3600, grants: allTwilioGrants(), at: issued });
        const { payload } = decode(token);
        assert.equal(payload.iat, issued);
        assert.equal(payload.exp, issued + 3600);
        expectInvalid(token, 20104);
    });

    test('expired a second ago (twilio-node, ttl 180) → 20104', () => {
        const token = twilioToken({ ttl: 180, grants: chatOnly(), at: nowSeconds() - 181 });
        expectInvalid(token, 20104);
    });

    test('expired Twilio-shaped payload signed by jsonwebtoken → 20104', () => {
        const now = nowSeconds();
        for (const algorithm of ALGORITHMS) {
            const token = signRaw({
                jti: `${API_KEY_SID}-${now - 600}`, grants: { identity: 'alice', chat: { service_sid: CHAT_SERVICE_SID } },
                iat: now - 600, exp: now - 300, iss: API_KEY_SID, sub: ACCOUNT_SID,
            }, { algorithm });
            expectInvalid(token, 20104);
        }
    });
});

// Other rows of the contract's error table, with tokens twilio-node cannot be made to produce.
describe('contract edge cases (jsonwebtoken-signed, Twilio-shaped)', () => {
    const claims = (extra = {}) => {
        const now = nowSeconds();
        return {
            jti: `${API_KEY_SID}-${now}`, grants: { identity: 'alice', chat: { service_sid: CHAT_SERVICE_SID } },
            iat: now, exp: now + 3600, iss: API_KEY_SID, sub: ACCOUNT_SID, ...extra,
        };
    };
    const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const hs256 = (input, secret = API_SECRET) => createHmac('sha256', secret).update(input).digest('base64url');

    test('the same claims signed by jsonwebtoken directly are valid', () => {
        const token = signRaw(claims());
        const { json } = expectValid(token, ['--chat-service', CHAT_SERVICE_SID]);
        assert.equal(json.identity, 'alice');
    });

    test('not a JWT → 20101', () => {
        expectInvalid('not-a-token', 20101);
        expectInvalid('a.b', 20101);
        expectInvalid(`${b64({ alg: 'HS256', typ: 'JWT', cty: CONTENT_TYPE })}.%%%.abc`, 20101);
    });

    // RFC 7519 6.1's unsecured JWT: three segments, the last one empty (valid base64url of nothing).
    test('alg none, unsigned (empty third segment) → 20102', () => {
        const input = `${b64({ alg: 'none', typ: 'JWT', cty: CONTENT_TYPE })}.${b64(claims())}`;
        expectInvalid(`${input}.`, 20102);
    });

    test('alg none with an HMAC signature attached → 20102', () => {
        const input = `${b64({ alg: 'none', typ: 'JWT', cty: CONTENT_TYPE })}.${b64(claims())}`;
        expectInvalid(`${input}.${hs256(input)}`, 20102);
    });

    test('missing or wrong cty → 20102', () => {
        expectInvalid(signRaw(claims(), { header: { alg: 'HS256', typ: 'JWT' } }), 20102);
        expectInvalid(signRaw(claims(), { header: { alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=2' } }), 20102);
    });

    test('header alg HS384 on an HS256 signature → not valid', () => {
        const input = `${b64({ alg: 'HS384', typ: 'JWT', cty: CONTENT_TYPE })}.${b64(claims())}`;
        const run = expectInvalid(`${input}.${hs256(input)}`, 20107);
        assert.equal(run.json.valid, false);
    });

    test('tampered payload → 20107', () => {
        const token = twilioToken({ grants: chatOnly() });
        const [h, , s] = token.split('.');
        const forged = { ...decode(token).payload, grants: { identity: 'mallory', chat: { service_sid: CHAT_SERVICE_SID } } };
        expectInvalid(`${h}.${b64(forged)}.${s}`, 20107);
    });

    test('exp missing or not an integer → 20104', () => {
        const { exp, ...noExp } = claims();
        assert.ok(exp);
        expectInvalid(signRaw(noExp), 20104);
        // jsonwebtoken refuses to sign a string exp, so this one is signed by hand.
        const header = { alg: 'HS256', typ: 'JWT', cty: CONTENT_TYPE };
        const input = `${b64(header)}.${b64(claims({ exp: String(nowSeconds() + 3600) }))}`;
        expectInvalid(`${input}.${hs256(input)}`, 20104);
        const fractional = `${b64(header)}.${b64(claims({ exp: nowSeconds() + 3600.5 }))}`;
        expectInvalid(`${fractional}.${hs256(fractional)}`, 20104);
    });

    test('exp - now over 24 h without iat → 20157', () => {
        const { iat, ...noIat } = claims({ exp: nowSeconds() + 86400 + 600 });
        assert.ok(iat);
        expectInvalid(signRaw(noIat), 20157);
    });

    test('empty or missing identity → 20106', () => {
        expectInvalid(signRaw(claims({ grants: { identity: '', chat: { service_sid: CHAT_SERVICE_SID } } })), 20106);
        expectInvalid(signRaw(claims({ grants: { chat: { service_sid: CHAT_SERVICE_SID } } })), 20106);
    });
});
