// A C component with hand-written canonical ABI glue for aloft:platform@0.1.0:
// exports http-handler.handle and operation.call, imports logging.log.
// Build: node --import tsx examples/hello-c/build.ts   (needs clang-19, lld-19, wasi-libc)
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

__attribute__((import_module("aloft:platform/logging@0.1.0"), import_name("log")))
extern void aloft_log(int32_t level, const char *ctx, size_t ctx_len, const char *msg, size_t msg_len);

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;
  return realloc(ptr, new_size);
}

// Frees a block the host passed in; an empty list or string arrives as a dangling pointer.
static void release(void *ptr, size_t len) {
  if (len > 0) free(ptr);
}

typedef struct { const char *ptr; size_t len; } str_t;
typedef struct { str_t name; str_t value; } header_t;

static uint8_t ret_area[20] __attribute__((aligned(4)));
static const header_t content_type[1] = {{{"content-type", 12}, {"text/plain", 10}}};

// http-handler.handle(request) -> http-response
// request flattens to (method, path, headers, body) as (ptr, len) pairs; the response is
// returned through a pointer: status u16 @0, headers (ptr, len) @4, body (ptr, len) @12.
__attribute__((export_name("aloft:platform/http-handler@0.1.0#handle")))
uint8_t *handle(char *method, size_t method_len, char *path, size_t path_len,
                header_t *headers, size_t headers_len, uint8_t *body, size_t body_len) {
  static const char hello[] = "hello from C ";
  size_t n = sizeof(hello) - 1 + path_len;
  char *out = malloc(n);
  memcpy(out, hello, sizeof(hello) - 1);
  memcpy(out + sizeof(hello) - 1, path, path_len);
  aloft_log(2, "hello-c", 7, out, n);
  for (size_t i = 0; i < headers_len; i++) {
    release((void *)headers[i].name.ptr, headers[i].name.len);
    release((void *)headers[i].value.ptr, headers[i].value.len);
  }
  release(headers, headers_len);
  release(method, method_len);
  release(path, path_len);
  release(body, body_len);
  *(uint16_t *)(ret_area + 0) = 200;
  *(const header_t **)(ret_area + 4) = content_type;
  *(size_t *)(ret_area + 8) = 1;
  *(char **)(ret_area + 12) = out;
  *(size_t *)(ret_area + 16) = n;
  return ret_area;
}

__attribute__((export_name("cabi_post_aloft:platform/http-handler@0.1.0#handle")))
void handle_post(uint8_t *ret) { free(*(char **)(ret + 12)); }

// operation.call(name, payload) -> result<list<u8>, error>: tag @0, ok (ptr, len) @4,
// err { code (ptr, len) @4, message (ptr, len) @12 }.
__attribute__((export_name("aloft:platform/operation@0.1.0#call")))
uint8_t *call(char *name, size_t name_len, uint8_t *payload, size_t payload_len) {
  int echo = name_len == 4 && memcmp(name, "echo", 4) == 0;
  release(name, name_len);
  if (echo) {
    ret_area[0] = 0;
    *(uint8_t **)(ret_area + 4) = payload;
    *(size_t *)(ret_area + 8) = payload_len;
  } else {
    release(payload, payload_len);
    ret_area[0] = 1;
    *(const char **)(ret_area + 4) = "NO_SUCH_OPERATION";
    *(size_t *)(ret_area + 8) = 17;
    *(const char **)(ret_area + 12) = "hello-c only echoes";
    *(size_t *)(ret_area + 16) = 19;
  }
  return ret_area;
}

__attribute__((export_name("cabi_post_aloft:platform/operation@0.1.0#call")))
void call_post(uint8_t *ret) {
  if (ret[0] == 0) release(*(uint8_t **)(ret + 4), *(size_t *)(ret + 8));
}
