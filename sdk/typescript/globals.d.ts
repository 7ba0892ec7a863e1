// Globals a TypeScript guest may use inside StarlingMonkey with every WASI feature off.
// (No clocks, random, fetch or console: use the aloft:platform imports instead.)
declare class TextEncoder {
  readonly encoding: string;
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  readonly encoding: string;
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
