/** Blob storage for components: NATS object stores (containers = object stores) and memory. */
export { natsBlobStore, type NatsBlobStoreOptions } from './nats.ts';
export { memoryBlobStore } from './memory.ts';
export { BlobCodes, type BlobInfo, type BlobPage, type BlobStore } from './types.ts';
