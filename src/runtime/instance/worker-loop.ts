import { decode, encode, type Value } from '../codec.ts';
import { GuestEnd } from '../channel.ts';
import { createGuest, type GlueModule, type Instantiate } from './guest.ts';
import type { HostCallReply, InvokeRequest, WorkerInit, WorkerReady } from '../protocol.ts';

export type { GlueModule } from './guest.ts';

/**
 * The body of an instance worker, free of Node APIs: loads the glue, instantiates the component,
 * then serves requests from the channel forever (the worker is terminated to stop it).
 * `post` sends the one-time ready message; `loadGlue` imports the glue module's source.
 */
export async function runInstanceWorker(
  init: WorkerInit,
  post: (msg: WorkerReady) => void,
  loadGlue: (source: string) => Promise<GlueModule>,
): Promise<void> {
  const end = new GuestEnd(init.channel);
  let instantiate: Instantiate;
  try {
    ({ instantiate } = await loadGlue(init.glue));
  } catch (err) {
    post({ ready: false, error: err instanceof Error ? err.message : String(err) });
    return;
  }
  const guest = createGuest(
    init,
    instantiate,
    (call) => decode(end.hostCall(encode(call as unknown as Value))) as unknown as HostCallReply,
  );
  // A worker can be terminated: a metered module runs here on the fuel it starts with, which it
  // cannot burn (`UNMETERED`); only the host thread sets a budget.
  try {
    post({ ready: true, instantiateMs: guest.fresh() });
  } catch (err) {
    post({ ready: false, error: err instanceof Error ? err.message : String(err) });
    return;
  }

  for (;;) {
    const req = decode(end.nextRequest()) as unknown as InvokeRequest;
    const outcome = guest.run(req);
    let res = outcome.response;
    // An oversized result fails here, before it is copied, and the instance stays usable.
    const max = end.maxMessageBytes;
    if ('ok' in res && res.ok instanceof Uint8Array && res.ok.length > max) {
      res = {
        trap: `result of ${res.ok.length} bytes exceeds the ${max}-byte message limit`,
        ...(res.logs ? { logs: res.logs } : {}),
      };
    }
    let bytes: Uint8Array;
    try {
      bytes = encode(res as unknown as Value);
    } catch (err) {
      bytes = encode({ trap: `unencodable result: ${String(err)}` });
    }
    try {
      end.respond(bytes);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      end.respond(encode({ trap: `result too large: ${err.message}` }));
    }
    // A trap leaves the instance in an unknown state (and a wasi:http request uses it up): the
    // next request gets a fresh one, instantiated now, after the answer went out.
    if (outcome.poisoned) guest.fresh();
  }
}
