import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AloftError } from '../support/index.ts';
import { formatLogLine, matchesFilter, parseDuration } from './log-lines.ts';

const line = {
  time: '2026-05-01T10:00:00.000Z',
  level: 'info',
  msg: 'visits is now 3',
  component: 'counter',
  context: 'counter',
  hostId: 'NABCDEF0123456789',
  host: 'edge-1',
  cloud: 'aws',
  lattice: 'default',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

describe('aloft logs: filtering and formatting', () => {
  it('filters by cloud, and by host name or host id prefix', () => {
    assert.equal(matchesFilter(line, {}), true);
    assert.equal(matchesFilter(line, { cloud: 'aws' }), true);
    assert.equal(matchesFilter(line, { cloud: 'gcp' }), false);
    assert.equal(matchesFilter(line, { host: 'edge-1' }), true);
    assert.equal(matchesFilter(line, { host: 'NABCDEF' }), true);
    assert.equal(matchesFilter(line, { host: 'edge' }), false);
    assert.equal(matchesFilter({ ...line, cloud: undefined }, { cloud: 'aws' }), false);
  });

  it('prints time, level, host, cloud, context, message and trace id', () => {
    assert.equal(
      formatLogLine(line),
      '2026-05-01T10:00:00.000Z INFO  edge-1 [aws] counter: visits is now 3  trace=4bf92f3577b34da6a3ce929d0e0e4736',
    );
    const { host: _h, cloud: _c, traceId: _t, context: _x, ...bare } = line;
    assert.equal(
      formatLogLine({ ...bare, level: 'warn' }),
      '2026-05-01T10:00:00.000Z WARN  NABCDEF01234 visits is now 3',
    );
  });

  it('reads durations and names a bad one', () => {
    assert.equal(parseDuration('90s', '--since'), 90_000);
    assert.equal(parseDuration('15m', '--since'), 900_000);
    assert.equal(parseDuration('2h', '--since'), 7_200_000);
    assert.throws(
      () => parseDuration('yesterday', '--since'),
      (e: unknown) =>
        e instanceof AloftError && /--since "yesterday" is not a duration/.test(e.message),
    );
  });
});
