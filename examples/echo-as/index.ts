// Echo over every handler, with a visit counter in key-value and a log line per call.
// Build: aloft build examples/echo-as/index.ts
import {
  HttpRequest, HttpResponse, Message, Outcome, bytes, log, Level, kvIncrement, configGet, publish,
} from "aloft";

export function handleHttp(req: HttpRequest): HttpResponse {
  const visits = kvIncrement("echo", "visits", 1);
  log(Level.Info, "echo", req.method + " " + req.path + " (visit " + visits.value.toString() + ")");
  const prefix = configGet("prefix");
  const p = prefix.value;
  const body = req.body.length > 0 ? req.body : bytes((p === null ? "" : p) + req.path);
  return new HttpResponse(200, [["content-type", "application/octet-stream"], ["x-visits", visits.value.toString()]], body);
}

export function handleMessage(msg: Message): Outcome<bool> {
  const replyTo = msg.replyTo;
  if (replyTo === null) return Outcome.success<bool>(true);
  return publish(replyTo, msg.body);
}

export function call(name: string, payload: Uint8Array): Outcome<Uint8Array> {
  if (name == "echo") return Outcome.success<Uint8Array>(payload);
  return Outcome.failure<Uint8Array>(new Uint8Array(0), "NO_SUCH_OPERATION", "echo has no operation " + name);
}
