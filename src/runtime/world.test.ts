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
      ['aloft:platform/types@0.1.0', 'aloft:platform/keyvalue@0.1.0', 'wasi:sockets/tcp@0.2.0'],
      ['aloft:platform/operation@0.1.0', 'aloft:platform/logging@0.1.0'],
    );
    assert.equal(check.ok, false);
    assert.deepEqual(check.capabilities, ['keyvalue']);
    assert.deepEqual(check.handlers, ['operation']);
    assert.deepEqual(check.unexpectedImports, ['wasi:sockets/tcp@0.2.0']);
    assert.deepEqual(check.unexpectedExports, ['aloft:platform/logging@0.1.0']);
    assert.match(
      describeWorldCheck(check),
      /unexpected import\(s\): wasi:sockets\/tcp@0\.2\.0; unexpected export\(s\)/,
    );
  });

  it('takes a wasi:http/incoming-handler 0.2.x component as an HTTP handler with the WASI it may import', () => {
    const check = checkWorld(
      ['wasi:io/streams@0.2.12', 'wasi:http/types@0.2.10', 'wasi:cli/stdout@0.2.3'],
      ['wasi:http/incoming-handler@0.2.10'],
    );
    assert.equal(check.ok, true);
    assert.equal(check.wasiHttp, true);
    assert.deepEqual(check.handlers, ['http-handler']);
    assert.deepEqual(check.wasi, ['wasi:io/streams', 'wasi:http/types', 'wasi:cli/stdout']);
    const other = checkWorld(
      ['wasi:sockets/tcp@0.2.0', 'wasi:http/types@0.3.0'],
      ['wasi:http/incoming-handler@0.3.0'],
    );
    assert.equal(other.ok, false);
    assert.deepEqual(other.unexpectedImports, ['wasi:sockets/tcp@0.2.0', 'wasi:http/types@0.3.0']);
    assert.match(describeWorldCheck(other), /wasi:http\/incoming-handler@0\.2\.x/);
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
