/** Outgoing HTTP for components, limited by an allow-list, a timeout and a response size limit. */
export {
  httpClient,
  HttpClientCodes,
  type HttpClient,
  type HttpClientOptions,
  type OutgoingRequest,
} from './client.ts';
export { isAllowed, parseAllowList, type AllowList } from './allow-list.ts';
