import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostName, matchRoute, type HttpRoute } from './routes.ts';

const routes: HttpRoute[] = [
  { target: 'fallback' },
  { path: '/api', target: 'api' },
  { path: '/api/v2/', target: 'api-v2' },
  { host: '*.example.com', target: 'wild' },
  { host: '*.eu.example.com', target: 'eu' },
  { host: 'shop.example.com', target: 'shop' },
  { host: 'shop.example.com', path: '/cart', target: 'cart' },
];
const target = (host: string, path: string): string | undefined =>
  matchRoute(routes, host, path)?.target;

describe('HTTP routing table', () => {
  it('reads the host name from a Host header', () => {
    assert.equal(hostName('Shop.Example.com:8080'), 'shop.example.com');
    assert.equal(hostName('[::1]:80'), '[::1]');
    assert.equal(hostName(undefined), '');
  });

  it('prefers exact hosts, then longer globs, then any host; then longer paths', () => {
    assert.equal(target('shop.example.com', '/'), 'shop');
    assert.equal(target('shop.example.com:443', '/cart/1'), 'cart');
    assert.equal(target('shop.example.com', '/cartoon'), 'shop');
    assert.equal(target('a.eu.example.com', '/api'), 'eu');
    assert.equal(target('b.example.com', '/api'), 'wild');
    assert.equal(target('example.com', '/'), 'fallback');
    assert.equal(target('other.org', '/api'), 'api');
    assert.equal(target('other.org', '/api?x=1'), 'api');
    assert.equal(target('other.org', '/apix'), 'fallback');
    assert.equal(target('other.org', '/api/v2/users'), 'api-v2');
    assert.equal(target('other.org', '/api/v2'), 'api-v2');
  });

  it('no match without a catch-all', () => {
    assert.equal(matchRoute([{ path: '/api', target: 'api' }], 'x', '/other'), undefined);
    assert.equal(matchRoute([{ host: 'a.com', target: 'a' }], 'b.com', '/'), undefined);
    assert.equal(matchRoute([], 'b.com', '/'), undefined);
  });
});
