import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAllowed, parseAllowList } from './allow-list.ts';

const allowed = (allow: string[], url: string): boolean => isAllowed(allow, new URL(url));

describe('http-client allow-list', () => {
  it('matches exact hosts on default ports only, unless a port is given', () => {
    const allow = ['api.example.com', 'svc.internal:8443'];
    assert.equal(allowed(allow, 'https://api.example.com/x'), true);
    assert.equal(allowed(allow, 'http://API.example.com/x'), true);
    assert.equal(allowed(allow, 'https://api.example.com:443/x'), true);
    assert.equal(allowed(allow, 'https://api.example.com:8080/x'), false);
    assert.equal(allowed(allow, 'https://svc.internal:8443/'), true);
    assert.equal(allowed(allow, 'https://svc.internal/'), false);
    assert.equal(allowed(allow, 'https://evil.com/?api.example.com'), false);
    assert.equal(allowed(allow, 'https://api.example.com.evil.com/'), false);
  });

  it('globs: *.suffix needs at least one label; :* any port; * everything', () => {
    assert.equal(allowed(['*.example.com'], 'https://a.example.com/'), true);
    assert.equal(allowed(['*.example.com'], 'https://a.b.example.com/'), true);
    assert.equal(allowed(['*.example.com'], 'https://example.com/'), false);
    assert.equal(allowed(['*.example.com'], 'https://badexample.com/'), false);
    assert.equal(allowed(['127.0.0.1:*'], 'http://127.0.0.1:39999/'), true);
    assert.equal(allowed(['127.0.0.1:*'], 'http://127.0.0.2:39999/'), false);
    assert.equal(allowed(['[::1]:*'], 'http://[::1]:8080/'), true);
    assert.equal(allowed(['*'], 'http://anything:1234/'), true);
    assert.equal(allowed([], 'http://a/'), false);
    assert.equal(allowed(['not a pattern'], 'http://a/'), false);
  });

  it('parses comma- or space-separated lists', () => {
    assert.deepEqual(parseAllowList(' a.com, *.b.com  127.0.0.1:*,'), [
      'a.com',
      '*.b.com',
      '127.0.0.1:*',
    ]);
    assert.deepEqual(parseAllowList(undefined), []);
  });
});
