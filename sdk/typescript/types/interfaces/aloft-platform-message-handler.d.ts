/// <reference path="./aloft-platform-types.d.ts" />
declare module 'aloft:platform/message-handler@0.1.0' {
  export function handleMessage(msg: Message): void;
  export type Message = import('aloft:platform/types@0.1.0').Message;
  export type Error = import('aloft:platform/types@0.1.0').Error;
}
