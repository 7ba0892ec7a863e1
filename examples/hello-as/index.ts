// The smallest useful AssemblyScript component: answers HTTP with a greeting.
// Build: aloft build examples/hello-as/index.ts
import { HttpRequest, HttpResponse } from "aloft";

export function handleHttp(req: HttpRequest): HttpResponse {
  return HttpResponse.text(200, "hello " + req.path);
}
