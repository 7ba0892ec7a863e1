// __NAME__: an Aloft component in TypeScript.
// Build: aloft build __DIR__          Test: node --import tsx --test __DIR__/index.test.ts
//
// Export any of handleHttp, handleMessage and call; import capabilities from 'aloft:platform/*'
// (types come from the SDK: see tsconfig.json here and docs/components.md).
import { get as kvGet, set as kvSet } from 'aloft:platform/keyvalue@0.1.0';
import { get as configGet } from 'aloft:platform/config@0.1.0';
import { log } from 'aloft:platform/logging@0.1.0';
import type { HttpRequest, HttpResponse } from 'aloft:platform/types@0.1.0';

const enc = new TextEncoder();
const dec = new TextDecoder();

export function handleHttp(req: HttpRequest): HttpResponse {
  const greeting = configGet('greeting') ?? 'hello';
  log('info', '__NAME__', `${req.method} ${req.path}`);
  return {
    status: 200,
    headers: [['content-type', 'text/plain; charset=utf-8']],
    body: enc.encode(`${greeting} from __NAME__`),
  };
}

/** Operations callable with `aloft call __NAME__ <operation>` and from other components. */
export function call(operation: string, payload: Uint8Array): Uint8Array {
  switch (operation) {
    case 'remember':
      kvSet('__NAME__', 'last', payload);
      return payload;
    case 'recall':
      return kvGet('__NAME__', 'last') ?? enc.encode('');
    case 'shout':
      return enc.encode(dec.decode(payload).toUpperCase());
    default:
      // A thrown { code, message } becomes the operation's error result.
      throw { code: 'NO_SUCH_OPERATION', message: `__NAME__ has no operation ${operation}` };
  }
}
