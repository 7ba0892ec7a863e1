/// <reference path="./aloft-platform-types.d.ts" />
declare module 'aloft:platform/messaging@0.1.0' {
  export function publish(msg: Message): void;
  export function request(subject: string, body: Uint8Array, timeoutMs: number): Message;
  export type Message = import('aloft:platform/types@0.1.0').Message;
  export type Error = import('aloft:platform/types@0.1.0').Error;
}
