/** The HTTP server provider's engine: listen, route by host and path, call the host's handler. */
export { startHttpServer, type HttpServer, type HttpServerOptions } from './server.ts';
export { matchRoute, hostName, type HttpRoute } from './routes.ts';
export { statusForError, UNAVAILABLE_CODES } from './respond.ts';
export type { HeaderList, HttpHandler, HttpRequestData, HttpResponseData } from './types.ts';
