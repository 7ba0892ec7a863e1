import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerInfo } from '@nats-io/nats-core';
import { quorumCut } from './quorum.ts';

const info = (urls: string[] | undefined, cluster: string | null = 'aloft'): ServerInfo =>
  ({
    server_id: 'N1',
    server_name: 'aws',
    version: '2.9.10',
    ...(cluster ? { cluster } : {}),
    ...(urls ? { connect_urls: urls } : {}),
  }) as unknown as ServerInfo;

describe('quorumCut', () => {
  it('a server with routes to nobody cannot reach a quorum of three replicas', () => {
    assert.deepEqual(quorumCut(info(['10.0.0.1:4222']), 3), {
      reachable: 1,
      needed: 2,
      server: 'aws',
    });
  });

  it('a majority of the servers is enough', () => {
    assert.equal(quorumCut(info(['a:4222', 'b:4222']), 3), undefined);
    assert.equal(quorumCut(info(['a:4222', 'b:4222', 'c:4222']), 3), undefined);
    assert.deepEqual(quorumCut(info(['a:4222', 'b:4222']), 5)?.needed, 3);
  });

  it('says nothing when it cannot know: one replica, not clustered, no advertised URLs', () => {
    assert.equal(quorumCut(info(['a:4222']), 1), undefined);
    assert.equal(quorumCut(info(['a:4222'], null), 3), undefined);
    assert.equal(quorumCut(info(undefined), 3), undefined);
    assert.equal(quorumCut(info([]), 3), undefined);
    assert.equal(quorumCut(undefined, 3), undefined);
  });

  it('counts a server advertised twice once', () => {
    assert.equal(quorumCut(info(['a:4222', 'a:4222']), 3)?.reachable, 1);
  });
});
