/// <reference path="./aloft-platform-types.d.ts" />
declare module 'aloft:platform/config@0.1.0' {
  export function get(key: string): string | undefined;
  export function getAll(): Array<[string, string]>;
  export type Error = import('aloft:platform/types@0.1.0').Error;
}
