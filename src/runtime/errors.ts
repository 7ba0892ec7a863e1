import { AloftError } from '../support/index.ts';

/**
 * Error codes the runtime raises. The CLI maps every `COMPONENT_*` and `BUILD_*` code to exit 4.
 *
 * - `COMPONENT_NOT_WASM`: the bytes are not WebAssembly.
 * - `COMPONENT_CORE_MODULE`: a core module was given where a component is needed.
 * - `COMPONENT_WORLD_MISMATCH`: imports/exports do not fit `aloft:platform` (names them).
 * - `COMPONENT_INVALID`: the component could not be transpiled or compiled.
 * - `COMPONENT_NO_HANDLER`: the component does not export the handler being invoked.
 * - `COMPONENT_TIMEOUT`: an invocation passed its deadline; its instance was terminated (retryable).
 * - `COMPONENT_TRAP`: the guest trapped (e.g. hit its memory cap); its instance was replaced.
 * - `COMPONENT_BUSY`: every instance is busy and the queue is full (retryable).
 * - `COMPONENT_SUSPENDED`: its recent invocations kept trapping or timing out; refused for a
 *   backoff period (retryable, elsewhere or later).
 * - `COMPONENT_UNLOADED`: the component was unloaded or the runtime closed.
 * - `COMPONENT_ERROR`: the guest returned an `error` record (code and message are the guest's).
 * - `BUILD_FAILED`: guest source did not compile (message has file:line).
 */
export type RuntimeErrorCode =
  | 'COMPONENT_NOT_WASM'
  | 'COMPONENT_CORE_MODULE'
  | 'COMPONENT_WORLD_MISMATCH'
  | 'COMPONENT_INVALID'
  | 'COMPONENT_NO_HANDLER'
  | 'COMPONENT_TIMEOUT'
  | 'COMPONENT_TRAP'
  | 'COMPONENT_BUSY'
  | 'COMPONENT_SUSPENDED'
  | 'COMPONENT_UNLOADED'
  | 'COMPONENT_ERROR'
  | 'BUILD_FAILED';

const retryableCodes: ReadonlySet<RuntimeErrorCode> = new Set([
  'COMPONENT_TIMEOUT',
  'COMPONENT_BUSY',
  'COMPONENT_SUSPENDED',
]);

/** An error raised by the component runtime or the guest build. */
export class ComponentError extends AloftError {
  override name = 'ComponentError';
  declare readonly code: RuntimeErrorCode;
  /**
   * For `COMPONENT_TIMEOUT` and `COMPONENT_UNLOADED`: `false` when the invocation never ran and
   * never will (it waited for an instance until its deadline, or was dropped unstarted by the
   * unload), so it may safely run elsewhere; `true` when it ran, or may still run; `undefined`
   * when not known.
   */
  readonly started: boolean | undefined;

  constructor(
    code: RuntimeErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string; retryable?: boolean; started?: boolean } = {},
  ) {
    super(code, message, { retryable: options.retryable ?? retryableCodes.has(code), ...options });
    this.started = options.started;
  }
}

/**
 * The guest's own error record (`record error { code, message }`) returned by `operation.call`
 * or `message-handler.handle-message`. `guestCode` is what the guest said.
 */
export class GuestError extends ComponentError {
  override name = 'GuestError';
  readonly guestCode: string;

  constructor(guestCode: string, message: string) {
    super('COMPONENT_ERROR', `${guestCode}: ${message}`);
    this.guestCode = guestCode;
  }
}

/** A guest build failure, with the compiler's own message (which names file:line). */
export class BuildError extends ComponentError {
  override name = 'BuildError';
  /** `file:line:column` of the first diagnostic, when the compiler gave one. */
  readonly location: string | undefined;

  constructor(message: string, location: string | undefined, cause?: unknown) {
    super('BUILD_FAILED', message, { cause });
    this.location = location;
  }
}

/** True when `err` is a {@link GuestError} (the guest returned its own error record). */
export function isGuestError(err: unknown): err is GuestError {
  return err instanceof GuestError;
}
