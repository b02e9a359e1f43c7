// `parley token mint` keeps lifetimes within [180 s, 86400 s] unless --min-ttl lowers the minimum;
// what it does mint, jsonwebtoken accepts with exp - iat == ttl.
//
//   node --test-reporter=spec mint_ttl.test.mjs PATH/TO/parley
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
    ACCOUNT_SID, API_KEY_SID, API_SECRET, CHAT_SERVICE_SID, JWT_SHAPE, decode, jwt, runParley,
} from './common.mjs';

function mintArgs(ttl, extra = []) {
    return ['token', 'mint', '--account-sid', ACCOUNT_SID, '--api-key', API_KEY_SID, '--api-secret', API_SECRET,
        '--identity', 'alice', '--ttl', String(ttl), '--chat-service', CHAT_SERVICE_SID, ...extra];
}

function expectRefused(ttl, extra = []) {
    const run = runParley(mintArgs(ttl, extra));
    assert.equal(run.signal, null, `parley was killed${run.diag}`);
    assert.notEqual(run.status, 0, `mint should refuse --ttl ${ttl} ${extra.join(' ')}${run.diag}`);
    assert.doesNotMatch(run.stdout, /[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/, `no token on stdout${run.diag}`);
    assert.ok((run.stderr + run.stdout).trim().length > 0, `a refusal should say why${run.diag}`);
}

function expectMinted(ttl, extra = []) {
    const run = runParley(mintArgs(ttl, extra));
    assert.equal(run.status, 0, `mint should accept --ttl ${ttl} ${extra.join(' ')}${run.diag}`);
    const token = run.stdout.trim();
    assert.match(token, JWT_SHAPE, run.diag);
    const payload = jwt.verify(token, API_SECRET, { algorithms: ['HS256'], issuer: API_KEY_SID, subject: ACCOUNT_SID });
    assert.equal(payload.exp - payload.iat, ttl, run.diag);
    assert.deepEqual(decode(token).payload, payload);
    return payload;
}

describe('parley token mint: TTL limits', () => {
    test('--ttl 179 is refused', () => expectRefused(179));
    test('--ttl 86401 is refused', () => expectRefused(86401));
    test('--ttl 180 and --ttl 86400 (the bounds) are accepted', () => {
        expectMinted(180);
        expectMinted(86400);
    });
    test('--ttl 60 --min-ttl 30 is accepted', () => expectMinted(60, ['--min-ttl', '30']));
    test('--ttl 30 --min-ttl 30 is accepted; --ttl 29 --min-ttl 30 is refused', () => {
        expectMinted(30, ['--min-ttl', '30']);
        expectRefused(29, ['--min-ttl', '30']);
    });
    test('--ttl 60 without --min-ttl is refused', () => expectRefused(60));
    test('--min-ttl does not lift the 24-hour maximum', () => expectRefused(86401, ['--min-ttl', '30']));
});
