// The sample application's counter service, in AssemblyScript: the same HTTP contract as
// examples/counter (TypeScript), compiled ahead of time to a small component.
//
//   GET    /health            → 200 "ok"
//   GET    /counters          → the counter names (JSON)
//   GET    /counters/<name>   → {"name","value"}
//   POST   /counters/<name>   → increments it, publishes `counters.changed`, logs, returns the value
//   DELETE /counters/<name>   → removes it
//
// Key-value, messaging and logging are capabilities reached through links; an unavailable one
// (e.g. Redis down) becomes a 503 with Retry-After.
// Build: aloft build examples/counter-as/index.ts
import {
  HttpRequest, HttpResponse, Failure, bytes, text, log, Level,
  kvGet, kvIncrement, kvDelete, kvListKeys, publish,
} from "aloft";

const BUCKET = "counters";
const PREFIX = "/counters/";

function json(status: u16, body: string): HttpResponse {
  return new HttpResponse(status, [["content-type", "application/json"]], bytes(body));
}

/** A JSON string literal of `s`. */
function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += "\\\\";
    else if (c < 0x20) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

function unavailable(failure: Failure): HttpResponse {
  log(Level.Warn, "counter", "capability failed: " + failure.code + " " + failure.message);
  const code = failure.code;
  const retryable = code.endsWith("UNAVAILABLE") || code == "TIMEOUT" || code == "NO_RESPONDERS";
  const headers: Array<string[]> = [["content-type", "application/json"]];
  if (retryable) headers.push(["retry-after", "1"]);
  const body = '{"error":' + quote(code) + ',"message":' + quote(failure.message) + "}";
  return new HttpResponse(retryable ? 503 : 500, headers, bytes(body));
}

/** `<name>` of `/counters/<name>` when it is 1–64 of [A-Za-z0-9_-], else "". */
function counterName(path: string): string {
  if (!path.startsWith(PREFIX)) return "";
  const name = path.substring(PREFIX.length);
  if (name.length < 1 || name.length > 64) return "";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || c == 0x2d;
    if (!ok) return "";
  }
  return name;
}

function counter(name: string, value: i64): HttpResponse {
  return json(200, '{"name":' + quote(name) + ',"value":' + value.toString() + "}");
}

export function handleHttp(req: HttpRequest): HttpResponse {
  const q = req.path.indexOf("?");
  const path = q < 0 ? req.path : req.path.substring(0, q);
  if (path == "/health") return json(200, '"ok"');
  if (path == "/counters" && req.method == "GET") {
    const r = kvListKeys(BUCKET);
    if (!r.ok) return unavailable(r.error!);
    const keys = r.value!.keys;
    let out = "[";
    for (let i = 0; i < keys.length; i++) out += (i > 0 ? "," : "") + quote(keys[i]);
    return json(200, out + "]");
  }
  const name = counterName(path);
  if (name.length == 0) {
    return json(404, '{"error":"NOT_FOUND","message":' + quote("no route " + req.method + " " + path) + "}");
  }
  if (req.method == "GET") {
    const r = kvGet(BUCKET, name);
    if (!r.ok) return unavailable(r.error!);
    const raw = r.value;
    return counter(name, raw === null ? 0 : I64.parseInt(text(raw)));
  }
  if (req.method == "POST") {
    const r = kvIncrement(BUCKET, name, 1);
    if (!r.ok) return unavailable(r.error!);
    const value = r.value;
    const sent = publish("counters.changed", bytes(name + "=" + value.toString()));
    if (!sent.ok) return unavailable(sent.error!);
    log(Level.Info, "counter", name + " is now " + value.toString());
    return counter(name, value);
  }
  if (req.method == "DELETE") {
    const r = kvDelete(BUCKET, name);
    if (!r.ok) return unavailable(r.error!);
    return json(200, '{"name":' + quote(name) + ',"deleted":true}');
  }
  return json(405, '{"error":"METHOD_NOT_ALLOWED","message":' + quote(req.method) + "}");
}

