import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, fromIp, me, newSession, RELAXED_LIMITS, refresh, setCookieHeader, START_TIMEOUT_MS, withCookie } from "./helpers/auth";
import { bearer, registerUser } from "./helpers/users";

let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await startTestApp({ env: { ...RELAXED_LIMITS, TRUST_PROXY: "1" } });
  // A second instance of the same deployment: same database, same store.
  b = await startTestApp({ shareWith: a, env: { ...RELAXED_LIMITS, TRUST_PROXY: "1" } });
}, START_TIMEOUT_MS);
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

const logout = (app: TestApp, headers: Record<string, string>) => app.fetch("/api/v1/auth/logout", { method: "POST", headers });

function expectCleared(response: Response, name: string) {
  const header = setCookieHeader(response, name);
  expect(header).toBeDefined();
  const parts = header!.split(";").map((part) => part.trim().toLowerCase());
  expect(parts[0]).toBe(`${name}=`);
  expect(parts).toContain("path=/");
  const expired = parts.includes("max-age=0") || parts.some((part) => part.startsWith("expires=thu, 01 jan 1970"));
  expect(expired).toBe(true);
}

interface SessionView {
  id: string;
  created_at: string;
  last_used_at: string;
  ip: string | null;
  user_agent: string | null;
  current: boolean;
}
const listSessions = (app: TestApp, token: string) => app.json<{ sessions: SessionView[] }>("GET", "/api/v1/auth/sessions", undefined, bearer(token));

describe("POST /auth/logout", () => {
  test("204, clears the cookie, and both tokens stop working at once", async () => {
    const user = await registerUser(a);
    expect((await me(a, user.accessToken)).status).toBe(200);
    const response = await logout(a, { ...bearer(user.accessToken), ...withCookie("refresh_token", user.refreshToken) });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expectCleared(response, "refresh_token");
    expectError(await me(a, user.accessToken), 401, "invalid_token");
    expectError(await refresh(a, user.refreshToken), 401, "invalid_token");
  });

  test("with only the bearer token, the session's refresh token dies too", async () => {
    const user = await registerUser(a);
    expect((await logout(a, bearer(user.accessToken))).status).toBe(204);
    expectError(await me(a, user.accessToken), 401, "invalid_token");
    expectError(await refresh(a, user.refreshToken), 401, "invalid_token");
  });

  test("with only the refresh cookie, the session's access token dies too", async () => {
    const user = await registerUser(a);
    expect((await logout(a, withCookie("refresh_token", user.refreshToken))).status).toBe(204);
    expectError(await refresh(a, user.refreshToken), 401, "invalid_token");
    expectError(await me(a, user.accessToken), 401, "invalid_token");
  });

  test("ends only this session", async () => {
    const user = await registerUser(a);
    const other = await newSession(a, user.username, user.password);
    expect((await logout(a, { ...bearer(user.accessToken), ...withCookie("refresh_token", user.refreshToken) })).status).toBe(204);
    expect((await me(a, other.accessToken)).status).toBe(200);
    expect((await refresh(a, other.refreshToken)).status).toBe(200);
  });

  test("another user's refresh cookie sent along does not end that user's session", async () => {
    const caller = await registerUser(a);
    const victim = await registerUser(a);
    expect((await logout(a, { ...bearer(caller.accessToken), ...withCookie("refresh_token", victim.refreshToken) })).status).toBe(204);
    expect((await me(a, victim.accessToken)).status).toBe(200);
    expect((await refresh(a, victim.refreshToken)).status).toBe(200);
  });

  test("a logout on one instance is refused on another at once", async () => {
    const user = await registerUser(a);
    expect((await me(b, user.accessToken)).status).toBe(200);
    expect((await logout(a, bearer(user.accessToken))).status).toBe(204);
    expectError(await me(b, user.accessToken), 401, "invalid_token");
    expectError(await refresh(b, user.refreshToken), 401, "invalid_token");
  });

  test("is idempotent: a second logout with dead tokens is still 204", async () => {
    const user = await registerUser(a);
    const headers = { ...bearer(user.accessToken), ...withCookie("refresh_token", user.refreshToken) };
    expect((await logout(a, headers)).status).toBe(204);
    expect((await logout(a, headers)).status).toBe(204);
  });
});

describe("POST /auth/logout-all", () => {
  test("ends every session of the user, on every instance", async () => {
    const user = await registerUser(a);
    const second = await newSession(a, user.username, user.password);
    const third = await newSession(b, user.username, user.password);
    const bystander = await registerUser(a);

    const response = await a.fetch("/api/v1/auth/logout-all", { method: "POST", headers: bearer(second.accessToken) });
    expect(response.status).toBe(204);
    for (const session of [{ accessToken: user.accessToken, refreshToken: user.refreshToken }, second, third]) {
      expectError(await me(a, session.accessToken), 401, "invalid_token");
      expectError(await me(b, session.accessToken), 401, "invalid_token");
      expectError(await refresh(b, session.refreshToken), 401, "invalid_token");
    }
    expect((await me(a, bystander.accessToken)).status).toBe(200);
    // Signing in again works.
    const fresh = await newSession(a, user.username, user.password);
    expect((await me(a, fresh.accessToken)).status).toBe(200);
  });

  test("needs a bearer token", async () => {
    const response = await a.json("POST", "/api/v1/auth/logout-all");
    expect(response.status).toBe(401);
  });
});

describe("GET /auth/sessions", () => {
  test("lists the active sessions with the caller's marked current", async () => {
    const user = await registerUser(a);
    const other = await newSession(a, user.username, user.password, { ...fromIp("192.0.2.44"), "user-agent": "OtherDevice/2.0" });
    const listed = await listSessions(a, user.accessToken);
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toHaveLength(2);
    const current = listed.body.sessions.filter((s) => s.current);
    expect(current).toHaveLength(1);
    const ownId = current[0]!.id;
    const otherView = listed.body.sessions.find((s) => !s.current)!;
    expect(otherView.id).toBe(other.sessionId);
    expect(otherView.ip).toBe("192.0.2.44");
    expect(otherView.user_agent).toBe("OtherDevice/2.0");
    for (const session of listed.body.sessions) {
      expect(new Date(session.created_at).toISOString()).toBe(session.created_at);
      expect(new Date(session.last_used_at).toISOString()).toBe(session.last_used_at);
    }
    // From the other session, the other one is current.
    const fromOther = await listSessions(a, other.accessToken);
    expect(fromOther.body.sessions.find((s) => s.current)!.id).toBe(other.sessionId);
    expect(fromOther.body.sessions.find((s) => !s.current)!.id).toBe(ownId);
  });

  test("leaves out ended sessions and other users' sessions", async () => {
    const user = await registerUser(a);
    const ended = await newSession(a, user.username, user.password);
    await registerUser(a);
    expect((await logout(a, bearer(ended.accessToken))).status).toBe(204);
    const listed = await listSessions(a, user.accessToken);
    expect(listed.body.sessions.map((s) => s.id)).not.toContain(ended.sessionId);
    expect(listed.body.sessions).toHaveLength(1);
  });
});

describe("DELETE /auth/sessions/:id", () => {
  test("ends another of the user's sessions; its access token is refused at once", async () => {
    const user = await registerUser(a);
    const other = await newSession(a, user.username, user.password);
    expect((await me(b, other.accessToken)).status).toBe(200);
    const response = await a.fetch(`/api/v1/auth/sessions/${other.sessionId}`, { method: "DELETE", headers: bearer(user.accessToken) });
    expect(response.status).toBe(204);
    expectError(await me(a, other.accessToken), 401, "invalid_token");
    expectError(await me(b, other.accessToken), 401, "invalid_token");
    expectError(await refresh(a, other.refreshToken), 401, "invalid_token");
    expect((await me(a, user.accessToken)).status).toBe(200);
    const listed = await listSessions(a, user.accessToken);
    expect(listed.body.sessions.map((s) => s.id)).toEqual([listed.body.sessions.find((s) => s.current)!.id]);
  });

  test("another user's session id is a 404 and that session lives on", async () => {
    const caller = await registerUser(a);
    const victim = await registerUser(a);
    const victimSession = await newSession(a, victim.username, victim.password);
    const response = await a.json("DELETE", `/api/v1/auth/sessions/${victimSession.sessionId}`, undefined, bearer(caller.accessToken));
    expectError(response, 404, "not_found");
    expect((await me(a, victimSession.accessToken)).status).toBe(200);
    expect((await refresh(a, victimSession.refreshToken)).status).toBe(200);
  });

  test("an unknown uuid is a 404", async () => {
    const user = await registerUser(a);
    expectError(await a.json("DELETE", `/api/v1/auth/sessions/${crypto.randomUUID()}`, undefined, bearer(user.accessToken)), 404, "not_found");
  });

  test("a non-uuid id is a 422", async () => {
    const user = await registerUser(a);
    const response = await a.json("DELETE", "/api/v1/auth/sessions/not-a-uuid", undefined, bearer(user.accessToken));
    const body = expectError(response, 422, "validation_error");
    expect(Object.keys(body.details.fields as object)).toContain("id");
  });

  test("needs a bearer token", async () => {
    const user = await registerUser(a);
    const { sessionId } = await newSession(a, user.username, user.password);
    expect((await a.json("DELETE", `/api/v1/auth/sessions/${sessionId}`)).status).toBe(401);
  });
});
