/**
 * A plain-HTTP client of the dashboard's SSE stream for tests: it applies `view` messages the way
 * the page's script does and lets a test wait until the page would show something.
 */
export interface ViewStream {
  contentType: string | null;
  messages: number;
  /** The current HTML of a fragment (a cloud's head/body are also cut out of a whole-grid swap). */
  fragment(id: string): string;
  /** Resolves once `predicate` holds for the applied fragments; rejects after `timeoutMs`. */
  until(predicate: (s: ViewStream) => boolean, timeoutMs: number, what: string): Promise<void>;
  close(): void;
}

export async function openViewStream(baseUrl: string): Promise<ViewStream> {
  const ac = new AbortController();
  const res = await fetch(new URL('/events', baseUrl), { signal: ac.signal });
  if (!res.body) throw new Error('no body');
  const fragments = new Map<string, string>();
  const waiters = new Set<() => void>();
  const apply = (data: string): void => {
    const msg = JSON.parse(data) as { layout: string; fragments: Record<string, string> };
    const grid = msg.fragments['f-clouds'];
    if (grid !== undefined) {
      for (const id of [...fragments.keys()]) {
        if (id.startsWith('f-head-') || id.startsWith('f-body-')) fragments.delete(id);
      }
      fragments.set('f-clouds', grid);
      for (const m of grid.matchAll(/<header id="([^"]+)">([\s\S]*?)<\/header>/g)) {
        fragments.set(m[1] ?? '', m[2] ?? '');
      }
      for (const m of grid.matchAll(/<div id="(f-body-[^"]+)">([\s\S]*?)<\/div>\n<\/section>/g)) {
        fragments.set(m[1] ?? '', m[2] ?? '');
      }
    }
    for (const [id, html] of Object.entries(msg.fragments)) {
      if (id !== 'f-clouds') fragments.set(id, html);
    }
    stream.messages++;
    for (const w of waiters) w();
  };
  const stream: ViewStream = {
    contentType: res.headers.get('content-type'),
    messages: 0,
    fragment: (id) => fragments.get(id) ?? '',
    until: (predicate, timeoutMs, what) =>
      new Promise((resolve, reject) => {
        if (predicate(stream)) return resolve();
        const check = (): void => {
          if (!predicate(stream)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the stream did not show ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      }),
    close: () => ac.abort(),
  };
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const lines = block.split('\n');
        if (!lines.includes('event: view')) continue;
        apply(
          lines
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n'),
        );
      }
    }
  })().catch(() => undefined);
  return stream;
}
