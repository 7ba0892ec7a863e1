// __NAME__: an Aloft component in AssemblyScript.
// Build: aloft build __DIR__ --lang as      Test: node --import tsx --test __DIR__/index.test.ts
//
// Export any of handleHttp, handleMessage and call; capabilities come from the "aloft" SDK
// (sdk/assemblyscript/aloft.ts), whose canonical ABI glue the build adds.
import { HttpRequest, HttpResponse, Outcome, bytes, text, log, Level, configGet, kvGet, kvSet } from "aloft";

export function handleHttp(req: HttpRequest): HttpResponse {
  const greeting = configGet("greeting").value;
  log(Level.Info, "__NAME__", req.method + " " + req.path);
  return HttpResponse.text(200, (greeting === null ? "hello" : greeting) + " from __NAME__");
}

/** Operations callable with `aloft call __NAME__ <operation>` and from other components. */
export function call(operation: string, payload: Uint8Array): Outcome<Uint8Array> {
  if (operation == "remember") {
    kvSet("__NAME__", "last", payload);
    return Outcome.success<Uint8Array>(payload);
  }
  if (operation == "recall") {
    const v = kvGet("__NAME__", "last").value;
    return Outcome.success<Uint8Array>(v === null ? new Uint8Array(0) : v);
  }
  if (operation == "shout") return Outcome.success<Uint8Array>(bytes(text(payload).toUpperCase()));
  return Outcome.failure<Uint8Array>(new Uint8Array(0), "NO_SUCH_OPERATION", "__NAME__ has no operation " + operation);
}
