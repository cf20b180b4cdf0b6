/**
 * Request bodies (docs/security.md, "Bodies"): counted as they stream and bounded in time.
 *
 * Whoever reads a body (Elysia's parsers, anything else) reads it through the request's own
 * methods, `json()`, `text()`, `formData()`, `arrayBuffer()`, `bytes()`, `blob()`. `guardBody`
 * gives the request its own versions of them that read the stream once, counting bytes as they
 * arrive: past the limit the stream is cancelled and the request gets 413, and a body that has
 * not fully arrived by the deadline is cancelled with 408. Nothing is read or copied before a
 * parser asks, and a body no route reads (a GET's, an unknown path's) is never read at all.
 */
import { AppError } from "../errors";

export interface BodyRules {
  /** Bytes a body may have. */
  limit: number;
  /** performance.now() by which the whole body must have arrived. */
  deadline: number;
}

export function tooLarge(limit: number): AppError {
  return new AppError("payload_too_large", `The request body is larger than ${limit} bytes`);
}

function bodyTimeout(): AppError {
  return new AppError("request_timeout");
}

/** The whole stream, or a 413 past `limit` bytes, or a 408 at the deadline (the stream is cancelled either way). */
async function readCounted(stream: ReadableStream<Uint8Array>, rules: BodyRules): Promise<Uint8Array<ArrayBuffer>> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(bodyTimeout()), Math.max(0, rules.deadline - performance.now()));
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      size += value.byteLength;
      if (size > rules.limit) throw tooLarge(rules.limit);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** True when the request announces a body: a non-zero Content-Length, or any Transfer-Encoding. */
export function announcesBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null && length.trim() !== "0") return true;
  return request.headers.has("transfer-encoding");
}

/**
 * Makes every way of reading this request's body go through the counted, time-bounded read.
 * The first reader starts it; later readers get the same bytes (or the same refusal).
 */
export function guardBody(request: Request, rules: BodyRules): void {
  const stream = request.body;
  if (!stream) return;
  let bytes: Promise<Uint8Array<ArrayBuffer>> | undefined;
  const read = () => (bytes ??= readCounted(stream, rules));
  const text = async () => new TextDecoder().decode(await read());
  const contentType = request.headers.get("content-type") ?? "";
  const methods = {
    bytes: read,
    arrayBuffer: async () => (await read()).buffer,
    text,
    json: async () => JSON.parse(await text()) as unknown,
    blob: async () => new Blob([await read()], { type: contentType }),
    // The platform's own form parsers (urlencoded, multipart) over the bytes already counted.
    formData: async () => new Response(await read(), { headers: { "content-type": contentType } }).formData(),
  };
  for (const [name, value] of Object.entries(methods)) Object.defineProperty(request, name, { value, configurable: true });
}
