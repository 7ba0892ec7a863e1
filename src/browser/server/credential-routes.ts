import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAloftError } from '../../support/index.ts';
import { JOIN_CODES, type TabCredentialsService } from './credentials.ts';
import { send, type JoinRoute } from './http.ts';

const MAX_BODY = 4096;

const json = (res: ServerResponse, status: number, value: unknown): void =>
  send(res, status, 'application/json', JSON.stringify(value));

/** HTTP status of each refusal: the page's script reads the code from the body. */
const STATUS: Record<string, number> = {
  [JOIN_CODES.invalid]: 400,
  [JOIN_CODES.challenge]: 409,
  [JOIN_CODES.proof]: 403,
  [JOIN_CODES.evicted]: 403,
  [JOIN_CODES.busy]: 503,
};

/** A request from a page of another origin, or not a POST: refused before anything else. */
function refuseForeign(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'POST') {
    json(res, 405, { code: JOIN_CODES.invalid, error: `${req.method ?? ''} is not allowed here` });
    return true;
  }
  const origin = req.headers.origin;
  const host = req.headers.host ?? '';
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
    json(res, 403, { code: JOIN_CODES.invalid, error: `requests from ${origin} are refused` });
    return true;
  }
  return false;
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`the body is over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        reject(new Error('the body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

const answerError = (res: ServerResponse, err: unknown): void => {
  if (isAloftError(err) && STATUS[err.code] !== undefined)
    return json(res, STATUS[err.code] ?? 400, { code: err.code, error: err.message });
  json(res, 500, { code: 'INTERNAL', error: 'the credentials could not be issued' });
};

/**
 * `POST /join/challenge` → `{ nonce, expiresInMs }`; `POST /join/credentials` with
 * `{ hostId, nonce, signature }` → `{ jwt, inboxPrefix, expiresInMs, renewAfterMs }`, or a refusal
 * `{ code, error }` (400 bad request, 409 stale nonce, 403 bad proof or evicted, 503 busy). Same
 * origin only; nothing served here carries a seed.
 */
export function credentialRoutes(service: TabCredentialsService): Record<string, JoinRoute> {
  return {
    '/join/challenge': (req, res) => {
      if (refuseForeign(req, res)) return;
      try {
        json(res, 200, service.challenge());
      } catch (err) {
        answerError(res, err);
      }
    },
    '/join/credentials': async (req, res) => {
      if (refuseForeign(req, res)) return;
      let body: unknown;
      try {
        body = await readBody(req);
      } catch (err) {
        return json(res, 400, { code: JOIN_CODES.invalid, error: (err as Error).message });
      }
      try {
        json(res, 200, await service.issue(body));
      } catch (err) {
        answerError(res, err);
      }
    },
  };
}
