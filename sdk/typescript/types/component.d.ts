/// <reference path="./interfaces/aloft-platform-blobstore.d.ts" />
/// <reference path="./interfaces/aloft-platform-config.d.ts" />
/// <reference path="./interfaces/aloft-platform-http-handler.d.ts" />
/// <reference path="./interfaces/aloft-platform-keyvalue.d.ts" />
/// <reference path="./interfaces/aloft-platform-lattice.d.ts" />
/// <reference path="./interfaces/aloft-platform-logging.d.ts" />
/// <reference path="./interfaces/aloft-platform-message-handler.d.ts" />
/// <reference path="./interfaces/aloft-platform-messaging.d.ts" />
/// <reference path="./interfaces/aloft-platform-operation.d.ts" />
/// <reference path="./interfaces/aloft-platform-outgoing-http.d.ts" />
/// <reference path="./interfaces/aloft-platform-types.d.ts" />
declare module 'aloft:platform/component@0.1.0' {
  export type * as AloftPlatformBlobstore010 from 'aloft:platform/blobstore@0.1.0'; // import aloft:platform/blobstore@0.1.0
  export type * as AloftPlatformConfig010 from 'aloft:platform/config@0.1.0'; // import aloft:platform/config@0.1.0
  export type * as AloftPlatformKeyvalue010 from 'aloft:platform/keyvalue@0.1.0'; // import aloft:platform/keyvalue@0.1.0
  export type * as AloftPlatformLattice010 from 'aloft:platform/lattice@0.1.0'; // import aloft:platform/lattice@0.1.0
  export type * as AloftPlatformLogging010 from 'aloft:platform/logging@0.1.0'; // import aloft:platform/logging@0.1.0
  export type * as AloftPlatformMessaging010 from 'aloft:platform/messaging@0.1.0'; // import aloft:platform/messaging@0.1.0
  export type * as AloftPlatformOutgoingHttp010 from 'aloft:platform/outgoing-http@0.1.0'; // import aloft:platform/outgoing-http@0.1.0
  export type * as AloftPlatformTypes010 from 'aloft:platform/types@0.1.0'; // import aloft:platform/types@0.1.0
  export * as httpHandler from 'aloft:platform/http-handler@0.1.0'; // export aloft:platform/http-handler@0.1.0
  export * as messageHandler from 'aloft:platform/message-handler@0.1.0'; // export aloft:platform/message-handler@0.1.0
  export * as operation from 'aloft:platform/operation@0.1.0'; // export aloft:platform/operation@0.1.0
}
