/**
 * The slice of the browser's API the tab host uses, typed here rather than by adding the DOM
 * library to the whole program (which is type-checked for Node): the Node code must not see
 * `document` or `Worker` as if they existed.
 */

/** A dedicated Web Worker, as far as the spawner uses it. */
export interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  removeEventListener(type: string, listener: (event: never) => void): void;
}

export type WorkerConstructor = new (
  url: string,
  options: { type: 'module'; name?: string },
) => WebWorker;

/** A DOM element, as far as the page's status view uses it. */
export interface PageElement {
  textContent: string | null;
  innerHTML: string;
  dataset: Record<string, string | undefined>;
  disabled?: boolean;
  addEventListener(type: 'click', listener: () => void): void;
}

export interface PageGlobals {
  Worker: WorkerConstructor;
  crossOriginIsolated: boolean;
  isSecureContext: boolean;
  location: { search: string; href: string; origin: string };
  document: { getElementById(id: string): PageElement | null };
}

/** The page's globals. Call only in a browser page. */
export function page(): PageGlobals {
  return globalThis as unknown as PageGlobals;
}

/** The globals of a dedicated worker. Call only in a worker. */
export interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export function workerScope(): WorkerScope {
  return globalThis as unknown as WorkerScope;
}
