/**
 * Helpers for the auth and HTTP suites: token decoding and forging, sign-in and refresh calls,
 * cookie inspection and the error-shape assertion every error test makes.
 */
import { expect } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import type { Env } from "../../src/config";
import type { TestApp } from "./app";
import { cookieValue } from "./users";

/** Limits high enough that suites not about rate limiting never meet one. */
export const RELAXED_LIMITS: Env = {
  RATE_LIMIT_LOGIN: "100000/60",
  RATE_LIMIT_LOGIN_ACCOUNT: "100000/900",
  RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL: "100000/900",
  RATE_LIMIT_REGISTER: "100000/60",
  RATE_LIMIT_REGISTER_ATTEMPTS: "100000/60",
  RATE_LIMIT_RESET_PASSWORD: "100000/60",
  RATE_LIMIT_REFRESH: "100000/60",
  RATE_LIMIT_API: "100000/60",
  RATE_LIMIT_EMAIL: "100000/60",
};

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ErrorBody {
  error: string;
  code: string;
  details: Record<string, unknown>;
  request_id: string;
}

export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  user: { id: string; username: string; email: string; email_verified: boolean; role: string; created_at: string };
}

/** Asserts the error shape (docs/architecture.md), the status and code, and that request_id matches X-Request-Id. */
export function expectError(response: { status: number; body: unknown; headers: Headers }, status: number, code: string): ErrorBody {
  const body = response.body as ErrorBody;
  expect({ status: response.status, code: body?.code }).toEqual({ status, code });
  expect(typeof body.error).toBe("string");
  expect(body.error.length).toBeGreaterThan(0);
  expect(typeof body.details).toBe("object");
  expect(body.details).not.toBeNull();
  expect(body.request_id).toBeTruthy();
  expect(body.request_id).toBe(response.headers.get("x-request-id")!);
  expect(response.headers.get("content-type") ?? "").toContain("application/json");
  return body;
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header!, "base64url").toString("utf8")),
    payload: JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")),
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A JWT with any header and payload, signed with HMAC-SHA(bits) and the given secret. */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string, bits: 256 | 384 | 512 = 256): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(`sha${bits}`, secret).update(input).digest("base64url")}`;
}

export function unsignedJwt(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64(header)}.${b64(payload)}.`;
}

export const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

/** The whole Set-Cookie header for one cookie name, if the response sets it. */
export function setCookieHeader(response: { headers: Headers }, name: string): string | undefined {
  return response.headers.getSetCookie().find((header) => header.split("=")[0]!.trim() === name);
}

export const fromIp = (ip: string) => ({ "x-forwarded-for": ip });
export const withCookie = (name: string, value: string) => ({ cookie: `${name}=${value}` });

export async function login(app: TestApp, usernameOrEmail: string, password: string, headers: Record<string, string> = {}, prefix = "/api/v1") {
  const response = await app.json<TokenBody & ErrorBody>("POST", `${prefix}/auth/login`, { username_or_email: usernameOrEmail, password }, headers);
  return { ...response, refreshToken: cookieValue(response, "refresh_token") };
}

/** Signs in and returns the tokens of the new session; fails the test if sign-in fails. */
export async function newSession(app: TestApp, usernameOrEmail: string, password: string, headers: Record<string, string> = {}) {
  const response = await login(app, usernameOrEmail, password, headers);
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { accessToken: response.body.access_token, refreshToken: response.refreshToken!, sessionId: decodeJwt(response.body.access_token).payload.sid as string };
}

/** POST /auth/refresh with the token in the cookie (default) or in the body. */
export async function refresh(app: TestApp, token: string, via: "cookie" | "body" = "cookie", headers: Record<string, string> = {}) {
  const response =
    via === "cookie"
      ? await app.json<TokenBody & ErrorBody>("POST", "/api/v1/auth/refresh", undefined, { ...withCookie("refresh_token", token), ...headers })
      : await app.json<TokenBody & ErrorBody>("POST", "/api/v1/auth/refresh", { refresh_token: token }, headers);
  return { ...response, refreshToken: cookieValue(response, "refresh_token") };
}

export async function me(app: TestApp, accessToken: string, headers: Record<string, string> = {}) {
  return app.json<TokenBody["user"] & ErrorBody>("GET", "/api/v1/auth/me", undefined, { authorization: `Bearer ${accessToken}`, ...headers });
}

/** For beforeAll: the first app of a run migrates the PGlite template or creates a Postgres database. */
export const START_TIMEOUT_MS = 60_000;
