import assert from 'node:assert/strict';
import { it } from 'node:test';
import { renderJoinPage, scriptJson } from './page.ts';

it('the config in the page cannot end its script element or inject markup', () => {
  const hostile = '</script><script>alert(1)</script><!--';
  const html = renderJoinPage(
    { lattice: 'l', servers: ['ws://127.0.0.1:1'], workerUrl: hostile },
    '/join/host.js?v=1',
  );
  assert.equal(html.match(/<\/script>/g)?.length, 2); // the config's and the module's, nothing more
  assert.doesNotMatch(html, /<!--/);
  const json = /<script type="application\/json" id="aloft-join">(.*)<\/script>/.exec(html)?.[1];
  assert.deepEqual(JSON.parse(json ?? ''), {
    lattice: 'l',
    servers: ['ws://127.0.0.1:1'],
    workerUrl: hostile,
  });
  assert.equal(JSON.parse(scriptJson('a\u2028b&')), 'a\u2028b&');
});

it('the page carries the lattice as text and loads its script by content hash', () => {
  const html = renderJoinPage(
    { lattice: 'a<b', servers: ['ws://h:1'], workerUrl: '/w.js' },
    '/join/host.js?v=abc',
  );
  assert.match(html, /<dd id="lattice">a&lt;b<\/dd>/);
  assert.match(html, /<script type="module" src="\/join\/host.js\?v=abc"><\/script>/);
});
