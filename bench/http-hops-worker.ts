/**
 * The instance worker of bench/http-hops-server.ts: for each request, one host call carrying the
 * request's bytes, then the reply as the response. No guest.
 */
import { workerData } from 'node:worker_threads';
import { GuestEnd, type ChannelBuffers } from '../src/runtime/channel.ts';

const end = new GuestEnd(workerData as ChannelBuffers);
for (;;) end.respond(end.hostCall(end.nextRequest()));
