import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AloftError, errorMessage, isAloftError, type Logger } from '../support/index.ts';
import { renderFragments, renderPage, type Fragments } from './render.ts';
import { renderClouds } from './render-clouds.ts';
import { SIM_ACTIONS, type DashboardView, type SimAction } from './view.ts';

/**
 * An extra page or endpoint on the dashboard's server, e.g. the browser-host page `/join`. It sets
 * its own headers (such as the cross-origin isolation a page with SharedArrayBuffer needs).
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ServerDeps {
  view(): DashboardView;
  /** Runs a simulation fault; absent outside simulation mode. Throws AloftError on failure. */
  act?: (action: SimAction, cloud: string | undefined) => Promise<string>;
  /** Subscribes to "the view may have changed". */
  onChange(listener: () => void): () => void;
  routes: Record<string, RouteHandler>;
  logger: Logger;
}

const assets = join(import.meta.dirname, 'public');
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  '/assets/app.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(join(assets, 'app.js')),
  },
  '/assets/style.css': {
    type: 'text/css; charset=utf-8',
    body: readFileSync(join(assets, 'style.css')),
  },
};

/** The most often the view is pushed to a browser (changes in between are coalesced). */
const PUSH_EVERY_MS = 200;
const MAX_BODY = 4096;

/** The dashboard's HTTP server: the page, its assets, a JSON view, the SSE stream and the fault API. */
export function createDashboardServer(deps: ServerDeps): Server {
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.logger.error('dashboard request failed', { url: req.url, error: err });
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.end();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    const extra = deps.routes[path];
    if (extra) return extra(req, res);
    const asset = ASSETS[path];
    if (req.method === 'POST' && path.startsWith('/api/sim/')) return simAction(req, res, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'text/plain', `${req.method ?? ''} is not allowed on ${path}\n`);
    }
    if (path === '/') return send(res, 200, 'text/html; charset=utf-8', renderPage(deps.view()));
    if (asset) return send(res, 200, asset.type, asset.body);
    if (path === '/api/view')
      return send(res, 200, 'application/json', JSON.stringify(deps.view()));
    if (path === '/events') return stream(req, res);
    if (path === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
    send(res, 404, 'text/plain', `no page at ${path}\n`);
  };

  /** Server-sent events: `view` messages carrying only the fragments that changed for this client. */
  const stream = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    let sent: Fragments = { layout: '', fragments: {} };
    let timer: NodeJS.Timeout | undefined;
    let lastPush = 0;
    const push = (): void => {
      timer = undefined;
      lastPush = Date.now();
      const view = deps.view();
      const next = renderFragments(view);
      const out: Record<string, string> = {};
      const relayout = next.layout !== sent.layout;
      if (relayout) out['f-clouds'] = renderClouds(view);
      for (const [id, html] of Object.entries(next.fragments)) {
        const cloudPart = id.startsWith('f-head-') || id.startsWith('f-body-');
        if (relayout && cloudPart) continue;
        if (sent.fragments[id] !== html) out[id] = html;
      }
      sent = next;
      if (Object.keys(out).length === 0) return;
      res.write(
        `event: view\ndata: ${JSON.stringify({ layout: next.layout, fragments: out })}\n\n`,
      );
    };
    const schedule = (): void => {
      if (timer) return;
      timer = setTimeout(push, Math.max(0, lastPush + PUSH_EVERY_MS - Date.now()));
    };
    const off = deps.onChange(schedule);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    push();
    req.on('close', () => {
      off();
      clearInterval(keepAlive);
      if (timer) clearTimeout(timer);
    });
  };

  const simAction = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<void> => {
    // Only this page may press the buttons: refuse cross-site form posts and fetches.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) {
      return json(res, 403, {
        ok: false,
        code: 'FORBIDDEN',
        message: `requests from ${origin} are refused`,
      });
    }
    const action = path.slice('/api/sim/'.length) as SimAction;
    if (!SIM_ACTIONS.includes(action)) {
      return json(res, 404, {
        ok: false,
        code: 'NOT_FOUND',
        message: `no action "${action}"; actions: ${SIM_ACTIONS.join(', ')}`,
      });
    }
    if (!deps.act) {
      return json(res, 404, {
        ok: false,
        code: 'NOT_SIMULATION',
        message:
          'this dashboard watches a real lattice: fault buttons exist only in simulation mode (aloft sim up)',
      });
    }
    let cloud: string | undefined;
    try {
      const body = await readBody(req);
      const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
      const c = (parsed as { cloud?: unknown } | null)?.cloud;
      if (c !== undefined && typeof c !== 'string') throw new Error('"cloud" must be a string');
      cloud = c;
    } catch (err) {
      return json(res, 400, {
        ok: false,
        code: 'INVALID_REQUEST',
        message: `request body: ${errorMessage(err)} (send {"cloud":"aws"})`,
      });
    }
    if (action !== 'heal' && !cloud) {
      return json(res, 400, {
        ok: false,
        code: 'INVALID_REQUEST',
        message: `${action} needs a cloud: send {"cloud":"aws"}`,
      });
    }
    try {
      const message = await deps.act(action, cloud);
      deps.logger.info('simulation fault from the dashboard', { action, cloud });
      json(res, 200, { ok: true, message });
    } catch (err) {
      const code = isAloftError(err) ? err.code : 'INTERNAL';
      const status =
        code === 'UNAVAILABLE' ? 501 : code === 'USAGE' || code === 'NOT_FOUND' ? 400 : 500;
      const hint = isAloftError(err) && err.hint ? ` (${err.hint})` : '';
      json(res, status, { ok: false, code, message: `${errorMessage(err)}${hint}` });
    }
  };
  return server;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new AloftError('INVALID_REQUEST', `larger than ${MAX_BODY} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
