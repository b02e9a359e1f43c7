// parley.d.ts is kept by hand: `tsc --noEmit` checks it and a typed use of the contract's API
// (test/types_check.ts), and every runtime export of parley.js must be declared in it.
//   node --test sdk/js/test/types.test.mjs [PATH/TO/tsc]
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as sdk from '../parley.js';

const SDK = join(dirname(fileURLToPath(import.meta.url)), '..');
const TSC = process.env.PARLEY_TSC || join(SDK, '..', '..', 'node_modules', '.bin', 'tsc');

test('tsc --noEmit accepts parley.d.ts and the typed contract example', () => {
    assert.ok(existsSync(TSC), `no TypeScript compiler at ${TSC} (npm ci at the repository root)`);
    const run = spawnSync(TSC, ['--noEmit', '-p', join(SDK, 'tsconfig.json')], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`);
});

test('every runtime export is declared in parley.d.ts', () => {
    const declared = new Set([...readFileSync(join(SDK, 'parley.d.ts'), 'utf8')
        .matchAll(/^export declare (?:class|const|function) (\w+)/gm)].map((m) => m[1]));
    assert.deepEqual(Object.keys(sdk).filter((name) => !declared.has(name)), []);
    assert.deepEqual([...declared].filter((name) => !(name in sdk)), []);
});

test('package.json points at the module and its types', () => {
    const pkg = JSON.parse(readFileSync(join(SDK, 'package.json'), 'utf8'));
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.exports['.'].import, './parley.js');
    assert.equal(pkg.exports['.'].types, './parley.d.ts');
    assert.equal(pkg.version, sdk.VERSION);
    assert.equal(pkg.dependencies, undefined);
});
