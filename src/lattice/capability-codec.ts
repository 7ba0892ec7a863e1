import { z } from 'zod';
import { decodeJson, encodeJson } from './codec.ts';

/**
 * The wire form of capability calls between a host and a provider in another process (or another
 * host). JSON, so providers can be written in any language. Values that JSON cannot carry are
 * tagged: bytes `{"$b": "<base64>"}`, 64-bit integers `{"$n": "<decimal>"}`, an absent option
 * `{"$u": 1}`. See docs/providers.md.
 */
export type WireValue = unknown;

export function toWire(value: unknown): WireValue {
  if (value instanceof Uint8Array) return { $b: bytesToBase64(value) };
  if (typeof value === 'bigint') return { $n: value.toString() };
  if (value === undefined) return { $u: 1 };
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

export function fromWire(value: WireValue): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$b === 'string') return base64ToBytes(o.$b);
    if (typeof o.$n === 'string') return BigInt(o.$n);
    if (o.$u === 1) return undefined;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fromWire(v)]));
  }
  return value;
}

export const CapabilityCallWire = z.object({
  /** The calling component. */
  component: z.string(),
  /** The interface's short name: `keyvalue`, `messaging`, `outgoing-http`, … */
  interface: z.string(),
  /** The WIT function: `get`, `compare-and-swap`, … */
  function: z.string(),
  args: z.array(z.unknown()),
  /** The link's name and config (e.g. a bucket prefix, an allow-list). */
  link: z.object({ name: z.string(), config: z.record(z.string(), z.string()) }),
});
export type CapabilityCallWire = z.infer<typeof CapabilityCallWire>;

export interface CapabilityCall {
  component: string;
  interface: string;
  function: string;
  args: unknown[];
  link: { name: string; config: Record<string, string> };
}

export function encodeCapabilityCall(call: CapabilityCall): Uint8Array {
  return encodeJson({ ...call, args: call.args.map(toWire) });
}

export function decodeCapabilityCall(data: Uint8Array): CapabilityCall {
  const wire = decodeJson(data, CapabilityCallWire, 'capability call');
  return { ...wire, args: wire.args.map(fromWire) };
}

export function encodeCapabilityResult(value: unknown): Uint8Array {
  return encodeJson({ value: toWire(value) });
}

export function decodeCapabilityResult(data: Uint8Array): unknown {
  return fromWire(decodeJson(data, z.object({ value: z.unknown() }), 'capability result').value);
}

function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
