import type { NatsConnection } from '@nats-io/nats-core';
import { AloftError, type Logger } from '../support/index.ts';
import type { TraceContext, Tracing } from '../telemetry/index.ts';

/**
 * One capability call as a provider receives it: a component's call of `interface.function`
 * through a link. `args` use jco's JavaScript mapping of the WIT types (`list<u8>` Uint8Array,
 * `option<T>` T | undefined, `s64` bigint, records with camelCase fields).
 */
export interface ProviderCall {
  component: string;
  /**
   * Short interface name: `keyvalue`, `messaging`, `outgoing-http`, `blobstore`, `logging`,
   * `config`.
   */
  interface: string;
  /** WIT function name: `get`, `list-keys`, `compare-and-swap`, `publish`, `fetch`… */
  function: string;
  args: unknown[];
  /** The config of the link the call came through. */
  linkConfig: Record<string, string>;
  /** W3C `traceparent` of the invocation, when it is traced (in-process calls only). */
  traceparent?: string;
  /**
   * The trace of this call as the provider serves it (its span's context, in-process or from
   * another host; the caller's, unchanged, when the host does not record): work the provider does
   * for the call, such as a message it publishes, continues it.
   */
  trace?: TraceContext;
}

/** A link whose target is this provider. */
export interface ProviderLink {
  /** The component. */
  source: string;
  interface: string;
  name: string;
  config: Record<string, string>;
}

/** What a provider may use from its host. */
export interface ProviderContext {
  nc: NatsConnection;
  lattice: string;
  hostId: string;
  /** The host's friendly name. */
  hostName: string;
  logger: Logger;
  /** The provider's own config (`aloft start provider … --config`). */
  config: Record<string, string>;
  /** The labels of the host the provider runs on (`cloud`, `region`…). */
  labels(): Record<string, string>;
  /** Named config from the lattice state (`aloft config put`), kept current by its watch. */
  namedConfig(name: string): Record<string, string> | undefined;
  /** The host's tracing, for providers that start or carry traces (`http-server`, `messaging-nats`). Off when absent. */
  tracing?: Tracing;
  /**
   * Calls a component's HTTP handler wherever it runs (`http-server`), as part of `trace` when
   * given.
   */
  handleHttp(
    component: string,
    request: unknown,
    timeoutMs: number,
    trace?: TraceContext,
  ): Promise<unknown>;
  /** Delivers a message to a component's message handler wherever it runs (`messaging-nats`). */
  deliverMessage(
    component: string,
    message: unknown,
    timeoutMs: number,
    trace?: TraceContext,
  ): Promise<void>;
  /** The links whose target is this provider, kept current. */
  linksTo(): ProviderLink[];
  /** Calls `listener` after the links change; returns a function that unsubscribes. */
  onLinksChange(listener: () => void): () => void;
}

/** A running provider instance. */
export interface ProviderInstance {
  /** Short names of the `aloft:platform` interfaces it implements (`keyvalue`, `messaging`…). */
  interfaces: readonly string[];
  /** Serves one call: resolves with the WIT function's ok value, or throws an error with a `code`. */
  handle(call: ProviderCall): Promise<unknown>;
  /** Stops listeners and subscriptions (draining work in progress) and releases connections. */
  stop(): Promise<void>;
}

/** Builds a provider instance; rejects (e.g. `PROVIDER_CONFIG_INVALID`) when it cannot start. */
export type ProviderFactory = (ctx: ProviderContext) => Promise<ProviderInstance>;

/** Runs a synchronous factory body so that a throw (bad config) becomes a rejection. */
export function startWith<T>(build: () => T): Promise<T> {
  return new Promise((resolve) => resolve(build()));
}

/** The error for a function the provider does not have. */
export function unknownFunction(call: ProviderCall): AloftError {
  return new AloftError(
    'CAPABILITY_UNKNOWN_FUNCTION',
    `this provider has no ${call.interface}.${call.function}`,
  );
}

/** A positive integer from config, or `fallback` when absent. */
export function intConfig(config: Record<string, string>, key: string, fallback: number): number {
  const raw = config[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new AloftError(
      'PROVIDER_CONFIG_INVALID',
      `config ${key}=${raw} is not a positive integer`,
    );
  }
  return n;
}

/** A required string from config. */
export function requiredConfig(
  config: Record<string, string>,
  key: string,
  example: string,
): string {
  const v = config[key]?.trim();
  if (!v) {
    throw new AloftError('PROVIDER_CONFIG_INVALID', `config ${key} is required`, {
      hint: `e.g. --config ${key}=${example}`,
    });
  }
  return v;
}
