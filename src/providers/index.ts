/**
 * Capability providers: the side effects components reach through `aloft:platform` imports.
 */
export * from './keyvalue/index.ts';
export * from './http-server/index.ts';
export * from './http-client/index.ts';
export * from './messaging/index.ts';
export * from './blobstore/index.ts';
