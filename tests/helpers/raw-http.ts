/**
 * HTTP/1.1 over a bare socket, for requests fetch() will not send: a missing or malformed Host,
 * an absolute-form target, a body that arrives slowly or on a GET.
 */
import { connect, type Socket } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parse(text: string): RawResponse {
  const end = text.indexOf("\r\n\r\n");
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end === -1 ? "" : text.slice(end + 4);
  if (headers["transfer-encoding"] === "chunked") body = dechunk(body);
  return { status: Number(statusLine.split(" ")[1] ?? 0), headers, body };
}

function dechunk(text: string): string {
  let out = "";
  let rest = text;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    if (lineEnd === -1) return out;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!size) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

export interface RawRequest {
  /** The whole request head and body, sent at once; "Connection: close" is up to the caller. */
  send?: string;
  /** Called with the open socket instead, for requests that drip. */
  drive?: (socket: Socket) => void | Promise<void>;
}

/** Sends a request to 127.0.0.1:port and reads until the server closes or one response is complete. */
export function rawRequest(port: number, request: RawRequest | string): Promise<RawResponse> {
  const spec = typeof request === "string" ? { send: request } : request;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = "";
    const finish = () => {
      socket.destroy();
      resolve(parse(received));
    };
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      if (spec.send !== undefined) socket.write(spec.send);
      if (spec.drive) void Promise.resolve(spec.drive(socket)).catch(() => {});
    });
    socket.on("data", (chunk: string) => {
      received += chunk;
      const parsed = parse(received);
      const length = Number(parsed.headers["content-length"] ?? Number.NaN);
      const headEnd = received.indexOf("\r\n\r\n");
      if (headEnd !== -1 && Number.isFinite(length) && Buffer.byteLength(received.slice(headEnd + 4)) >= length) finish();
      if (headEnd !== -1 && parsed.headers["transfer-encoding"] === "chunked" && received.endsWith("0\r\n\r\n")) finish();
    });
    socket.on("end", finish);
    socket.on("error", (error) => (received ? finish() : reject(error)));
  });
}

/** A GET with exactly these header lines (no Host unless given). */
export function rawGet(port: number, path: string, headerLines: string[]): Promise<RawResponse> {
  return rawRequest(port, `GET ${path} HTTP/1.1\r\n${headerLines.map((line) => `${line}\r\n`).join("")}Connection: close\r\n\r\n`);
}
