import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAloftError } from '../support/index.ts';
import { generateKey } from './keys.ts';
import { hasSecretRefs, openSecret, resolveSecretRefs, sealSecret, secretRef } from './secrets.ts';

describe('secrets', () => {
  const key = generateKey('curve');

  it('seals for the recipient and opens only with its seed; the value never appears sealed', () => {
    const record = sealSecret('db-url', 'redis://:hunter2@db:6379', key.publicKey);
    assert.equal(record.recipient, key.publicKey);
    assert.match(record.sender, /^X/);
    assert.ok(!JSON.stringify(record).includes('hunter2'));
    assert.equal(openSecret(record, key.seed), 'redis://:hunter2@db:6379');
    // A fresh sender each time: the same value seals differently.
    assert.notEqual(
      sealSecret('db-url', 'v', key.publicKey).sealed,
      sealSecret('db-url', 'v', key.publicKey).sealed,
    );
  });

  it('refuses another key, an altered box, a swapped name or sender, and non-curve seeds', () => {
    const record = sealSecret('a', 'value-a', key.publicKey);
    const unreadable = (e: unknown) => isAloftError(e, 'SECRET_UNREADABLE');
    assert.throws(() => openSecret(record, generateKey('curve').seed), unreadable);
    const box = record.sealed;
    const flipped = box.slice(0, 40) + (box[40] === 'A' ? 'B' : 'A') + box.slice(41);
    assert.throws(() => openSecret({ ...record, sealed: flipped }, key.seed), unreadable);
    assert.throws(
      () => openSecret({ ...record, name: 'b' }, key.seed),
      (e) => unreadable(e) && /another name/.test(String(e)),
    );
    assert.throws(
      () => openSecret({ ...record, sender: generateKey('curve').publicKey }, key.seed),
      unreadable,
    );
    assert.throws(
      () => openSecret(record, generateKey('account').seed),
      (e) => isAloftError(e, 'KEY_INVALID'),
    );
    assert.throws(
      () => sealSecret('a', 'v', generateKey('account').publicKey),
      (e) => isAloftError(e, 'KEY_INVALID'),
    );
  });

  it('resolves secret:<name> references in config and leaves other values alone', () => {
    assert.equal(secretRef('secret:db'), 'db');
    assert.equal(secretRef('plain'), undefined);
    assert.ok(hasSecretRefs({ a: 'x', b: 'secret:y' }));
    assert.ok(!hasSecretRefs({ a: 'x' }));
    const opened: string[] = [];
    const out = resolveSecretRefs({ url: 'secret:db', bucket: 'orders' }, (n) => {
      opened.push(n);
      return `<${n}>`;
    });
    assert.deepEqual(out, { url: '<db>', bucket: 'orders' });
    assert.deepEqual(opened, ['db']);
  });
});
