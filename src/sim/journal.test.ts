import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAloftError } from '../support/index.ts';
import { parseJournal } from './journal.ts';

describe('sim journal', () => {
  it('parses records, skips kinds it does not know and a last line cut short', () => {
    const text = [
      '{"type":"fault","at":1,"kind":"partition","targets":["gcp","aws"]}',
      '{"type":"ingress","at":2,"cloud":"aws"}',
      '{"type":"second","at":3,"servedBy":{"aws":4},"errors":0,"p50Ms":1,"p99Ms":2}',
      '{"type":"seco',
      '',
    ].join('\n');
    const records = parseJournal(text, 'j.jsonl');
    assert.deepEqual(
      records.map((r) => r.type),
      ['fault', 'second'],
    );
    assert.deepEqual(records[0], {
      type: 'fault',
      at: 1,
      kind: 'partition',
      targets: ['gcp', 'aws'],
    });
  });

  it('names the file, line and field of a bad record', () => {
    const bad = '{"type":"second","at":3,"servedBy":{"aws":4},"errors":-1,"p50Ms":1,"p99Ms":2}';
    assert.throws(
      () => parseJournal(`\n${bad}\n`, 'j.jsonl'),
      (err: unknown) =>
        isAloftError(err, 'INVALID_INPUT') &&
        /^j\.jsonl:2: second record: errors: /.test(err.message),
    );
    assert.throws(
      () => parseJournal('not json\n{"type":"start"}\n', 'j.jsonl'),
      (err: unknown) =>
        isAloftError(err, 'INVALID_INPUT') && err.message === 'j.jsonl:1: not a JSON record',
    );
  });
});
