/// <reference path="./aloft-platform-types.d.ts" />
declare module 'aloft:platform/lattice@0.1.0' {
  export function call(component: string, operation: string, payload: Uint8Array): Uint8Array;
  export type Error = import('aloft:platform/types@0.1.0').Error;
}
