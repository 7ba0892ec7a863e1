import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkWorld, describeWorldCheck, guestWorldWit, shortName } from './world.ts';

describe('world', () => {
  it('accepts the platform version and rejects other majors/minors and packages', () => {
    assert.equal(shortName('aloft:platform/keyvalue@0.1.0'), 'keyvalue');
    assert.equal(shortName('aloft:platform/keyvalue@0.1.7'), 'keyvalue');
    assert.equal(shortName('aloft:platform/keyvalue@0.2.0'), undefined);
    assert.equal(shortName('wasi:keyvalue/store@0.2.0'), undefined);
  });

  it('classifies imports and exports', () => {
    const check = checkWorld(
      ['aloft:platform/types@0.1.0', 'aloft:platform/keyvalue@0.1.0', 'wasi:cli/environment@0.2.0'],
      ['aloft:platform/operation@0.1.0', 'aloft:platform/logging@0.1.0'],
    );
    assert.equal(check.ok, false);
    assert.deepEqual(check.capabilities, ['keyvalue']);
    assert.deepEqual(check.handlers, ['operation']);
    assert.deepEqual(check.unexpectedImports, ['wasi:cli/environment@0.2.0']);
    assert.deepEqual(check.unexpectedExports, ['aloft:platform/logging@0.1.0']);
    assert.match(
      describeWorldCheck(check),
      /unexpected import\(s\): wasi:cli\/environment@0\.2\.0; unexpected export\(s\)/,
    );
  });

  it('requires at least one handler', () => {
    const check = checkWorld(['aloft:platform/logging@0.1.0'], []);
    assert.equal(check.missingExport, true);
    assert.equal(check.ok, false);
  });

  it('writes a guest world for a subset of handlers', () => {
    const wit = guestWorldWit('guest-http', ['http-handler']);
    assert.match(wit, /^world guest-http \{\n {2}import keyvalue;/);
    assert.match(wit, /export http-handler;\n\}/);
    assert.doesNotMatch(wit, /export operation/);
  });
});
