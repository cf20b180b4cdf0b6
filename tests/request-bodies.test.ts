/**
 * Request bodies (docs/security.md, "Bodies"): a body must arrive within BODY_TIMEOUT_SECONDS
 * (408), is counted as it streams (413 past the limit, chunked or not, before the rest arrives),
 * and a GET or HEAD carrying one is refused with 400. Never a 500. Raw sockets, since fetch will
 * not send a slow body or a GET with one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { rawRequest, type RawResponse } from "./helpers/raw-http";

const LIMIT = 1024 * 1024;
let app: TestApp;
let port: number;
beforeAll(async () => {
  app = await startTestApp({ env: { ...RELAXED_LIMITS, BODY_TIMEOUT_SECONDS: "1" } });
  port = Number(new URL(app.url).port);
}, START_TIMEOUT_MS);
afterAll(() => app?.stop());

const HOST = "Host: localhost:3000\r\n";
const head = (method: string, path: string, lines: string[]) => `${method} ${path} HTTP/1.1\r\n${HOST}${lines.map((line) => `${line}\r\n`).join("")}\r\n`;
const chunk = (data: string) => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`;

function expectJsonError(response: RawResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers["content-type"]).toContain("application/json");
  const body = JSON.parse(response.body) as { code: string; request_id: string };
  expect(body.code).toBe(code);
  expect(body.request_id).toBe(response.headers["x-request-id"]!);
}

const LOGIN = "/api/v1/auth/login";
const JSON_TYPE = "Content-Type: application/json";

describe("a body that does not arrive in time gets 408", () => {
  test("Content-Length announced, part sent, then nothing", async () => {
    const started = performance.now();
    const response = await rawRequest(port, {
      drive: (socket: Socket) => {
        socket.write(head("POST", LOGIN, [JSON_TYPE, "Content-Length: 100"]));
        socket.write('{"username_or_email":"');
      },
    });
    expectJsonError(response, 408, "request_timeout");
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test("a chunked body dripped a byte at a time is cut off at the deadline, however steady the drip", async () => {
    let stop = false;
    const started = performance.now();
    const response = await rawRequest(port, {
      drive: async (socket: Socket) => {
        socket.write(head("POST", LOGIN, [JSON_TYPE, "Transfer-Encoding: chunked"]));
        while (!stop && !socket.destroyed) {
          socket.write(chunk(" "));
          await Bun.sleep(100);
        }
      },
    });
    stop = true;
    expectJsonError(response, 408, "request_timeout");
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test("a page form that never finishes gets the 408 too", async () => {
    const response = await rawRequest(port, {
      drive: (socket: Socket) => {
        socket.write(head("POST", "/login", ["Content-Type: application/x-www-form-urlencoded", "Accept: text/html", "Content-Length: 80"]));
        socket.write("username_or_email=a");
      },
    });
    expect(response.status).toBe(408);
  });
});

describe("body size is counted as it streams", () => {
  test("a chunked body past the limit gets 413 before it has finished arriving", async () => {
    const piece = "x".repeat(64 * 1024);
    const started = performance.now();
    const response = await rawRequest(port, {
      drive: async (socket: Socket) => {
        socket.write(head("POST", LOGIN, [JSON_TYPE, "Transfer-Encoding: chunked"]));
        // One chunk past the limit, then silence: no terminating chunk ever comes. A reader that
        // waits for the whole body (a buffered copy) would answer only at the deadline, with 408.
        for (let sent = 0; sent <= LIMIT && !socket.destroyed; sent += piece.length) socket.write(chunk(piece));
      },
    });
    expectJsonError(response, 413, "payload_too_large");
    expect(performance.now() - started).toBeLessThan(900);
  });

  test("a Content-Length past the limit gets 413 at once", async () => {
    const response = await rawRequest(port, { send: head("POST", LOGIN, [JSON_TYPE, `Content-Length: ${LIMIT + 1}`, "Connection: close"]) });
    expectJsonError(response, 413, "payload_too_large");
  });

  test("a page form past the limit (chunked) gets 413, not a 500", async () => {
    const big = `username_or_email=${"a".repeat(LIMIT)}`;
    const response = await app.fetch("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      }),
    });
    expect(response.status).toBe(413);
  });

  test("a chunked body within the limit is read as usual", async () => {
    const body = JSON.stringify({ username_or_email: "nobody-here", password: "not the password 123" });
    const response = await rawRequest(port, { send: head("POST", LOGIN, [JSON_TYPE, "Transfer-Encoding: chunked", "Connection: close"]) + chunk(body.slice(0, 10)) + chunk(body.slice(10)) + "0\r\n\r\n" });
    expectJsonError(response, 401, "invalid_credentials");
  });

  test("a fixed-length body within the limit is read as usual", async () => {
    const response = await app.json("POST", LOGIN, { username_or_email: "nobody-here", password: "not the password 123" });
    expect(response.status).toBe(401);
  });
});

describe("a GET or HEAD with a body is refused with 400", () => {
  for (const method of ["GET", "HEAD"]) {
    for (const [framing, lines, payload] of [
      ["Content-Length", ["Content-Length: 5"], "hello"],
      ["chunked", ["Transfer-Encoding: chunked"], `${chunk("hello")}0\r\n\r\n`],
    ] as const) {
      test(`${method} with a ${framing} body, on an API route, a page and an unknown path`, async () => {
        for (const path of ["/api/v1/auth/me", "/login", "/health/live", "/no/such/path"]) {
          const response = await rawRequest(port, { send: head(method, path, [...lines, "Connection: close"]) + payload });
          expect(response.status).toBe(400);
          if (method === "GET") expectJsonError(response, 400, "bad_request");
        }
      });
    }
  }

  test("a GET with Content-Length: 0 is an ordinary GET", async () => {
    const response = await rawRequest(port, { send: head("GET", "/health/live", ["Content-Length: 0", "Connection: close"]) });
    expect(response.status).toBe(200);
  });
});

describe("after refusing a body the connection closes", () => {
  /** Sends `first`, waits, then sends what would be a second request; returns every status line seen and whether the server closed. */
  async function refuseThenSmuggle(first: (socket: Socket) => void, wait: number): Promise<{ statuses: string[]; closed: boolean }> {
    const socket = connect({ host: "127.0.0.1", port });
    let received = "";
    let closed = false;
    socket.on("data", (data) => (received += data.toString()));
    socket.on("close", () => (closed = true));
    socket.on("error", () => {});
    await new Promise((resolve) => socket.on("connect", resolve));
    first(socket);
    await Bun.sleep(wait);
    if (!socket.destroyed) socket.write(`\r\n0\r\n\r\n${head("GET", "/health/live", [])}`);
    await Bun.sleep(300);
    socket.destroy();
    return { statuses: received.match(/HTTP\/1\.1 \d+/g) ?? [], closed };
  }

  test("a 408: the rest of the body is never read as a request", async () => {
    const result = await refuseThenSmuggle((socket) => socket.write(`${head("POST", LOGIN, [JSON_TYPE, "Content-Length: 100"])}{"a`), 1500);
    expect(result.statuses).toEqual(["HTTP/1.1 408"]);
    expect(result.closed).toBe(true);
  });

  test("a 413 on a chunked body: the same", async () => {
    const piece = "x".repeat(64 * 1024);
    const result = await refuseThenSmuggle((socket) => {
      socket.write(head("POST", LOGIN, [JSON_TYPE, "Transfer-Encoding: chunked"]));
      for (let sent = 0; sent <= LIMIT; sent += piece.length) socket.write(chunk(piece));
    }, 500);
    expect(result.statuses).toEqual(["HTTP/1.1 413"]);
    expect(result.closed).toBe(true);
  });
});
