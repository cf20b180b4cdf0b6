import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { sessions, users } from "../src/db/schema";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { login, me, refresh, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { latestTokenFor } from "./helpers/mail";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";

// Requests in flight when a credential or an account changes, with real concurrency: every
// round fires the competing requests at once and then checks what a user would find. The
// rounds are many because a lost race shows up in a fraction of them.
const ROUNDS = 30;

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

async function resetTokenFor(user: RegisteredUser): Promise<string> {
  const asked = await app.json("POST", "/api/v1/auth/forgot-password", { email: user.email });
  expect(asked.status).toBe(202);
  return latestTokenFor(app, user.email, "/reset-password");
}

async function liveSessionCount(userId: string): Promise<number> {
  const rows = await app.deps.database.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  return rows.length;
}

/** What a holder of these tokens can still do: read /auth/me or refresh. */
async function stillWorks(tokens: { accessToken: string; refreshToken?: string }): Promise<string[]> {
  const found: string[] = [];
  if ((await me(app, tokens.accessToken)).status === 200) found.push("access token works");
  if (tokens.refreshToken && (await refresh(app, tokens.refreshToken)).status === 200) found.push("refresh token works");
  return found;
}

describe(`credential changes racing requests in flight (${backendName()})`, () => {
  test("change-password racing the victim's reset: exactly one wins; a winning reset ends the intruder's session", async () => {
    const problems: string[] = [];
    const winners = { reset: 0, change: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      // The intruder holds a stolen session (the user's own tokens) and knows the old password.
      const victim = await registerUser(app);
      const token = await resetTokenFor(victim);
      const intruderPassword = `intruder chose ${victim.username}`;
      const victimPassword = `victim chose ${victim.username}`;
      const [change, reset] = await Promise.all([
        app.json("POST", "/api/v1/auth/change-password", { current_password: victim.password, new_password: intruderPassword }, bearer(victim.accessToken)),
        app.json("POST", "/api/v1/auth/reset-password", { token, password: victimPassword }),
      ]);
      await app.deps.background.settled();
      const statuses = `change ${change.status}, reset ${reset.status}`;
      if ([change.status, reset.status].filter((status) => status === 200).length !== 1) {
        problems.push(`round ${round}: ${statuses}`);
        continue;
      }
      const loser = change.status === 200 ? reset : change;
      // A change that reads the account after the reset committed finds its "current" password wrong: 422 is a clean loss too.
      if (![400, 401, 409, 422].includes(loser.status)) problems.push(`round ${round}: loser answered ${loser.status}`);
      const [standing, lost] = reset.status === 200 ? [victimPassword, intruderPassword] : [intruderPassword, victimPassword];
      winners[reset.status === 200 ? "reset" : "change"]++;
      if ((await login(app, victim.username, standing)).status !== 200) problems.push(`round ${round}: the winner's password does not sign in (${statuses})`);
      if ((await login(app, victim.username, lost)).status !== 401) problems.push(`round ${round}: the loser's password signs in (${statuses})`);
      if (reset.status === 200) {
        const left = await stillWorks(victim);
        if (left.length > 0) problems.push(`round ${round}: after the reset the intruder's ${left.join(", ")}`);
      }
    }
    expect(problems).toEqual([]);
    expect(winners.reset + winners.change).toBe(ROUNDS);
  }, 60_000);

  test("sign-ins with the old password racing a reset: no session signed in with the old password survives", async () => {
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const user = await registerUser(app);
      const token = await resetTokenFor(user);
      // The user's own session from sign-up is ended by the reset too.
      const [reset, ...logins] = await Promise.all([
        app.json("POST", "/api/v1/auth/reset-password", { token, password: `reset for ${user.username}` }),
        login(app, user.username, user.password),
        login(app, user.username, user.password),
        login(app, user.username, user.password),
      ]);
      await app.deps.background.settled();
      if (reset.status !== 200) problems.push(`round ${round}: the reset answered ${reset.status}`);
      for (const signIn of logins) {
        if (signIn.status !== 200 && signIn.status !== 401) problems.push(`round ${round}: a sign-in answered ${signIn.status}`);
        if (signIn.status !== 200) continue;
        const left = await stillWorks({ accessToken: signIn.body.access_token, refreshToken: signIn.refreshToken });
        if (left.length > 0) problems.push(`round ${round}: an old-password sign-in's ${left.join(", ")}`);
      }
      const live = await liveSessionCount(user.id);
      if (live > 0) problems.push(`round ${round}: ${live} live session(s) after the reset`);
    }
    expect(problems).toEqual([]);
  }, 60_000);

  test("sign-ins racing a disable: no session works again after the account is re-enabled", async () => {
    const admin = await registerAdmin(app);
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const user = await registerUser(app);
      const [disable, ...logins] = await Promise.all([
        app.json("PATCH", `/api/v1/admin/users/${user.id}/disable`, undefined, bearer(admin.accessToken)),
        login(app, user.username, user.password),
        login(app, user.username, user.password),
        login(app, user.username, user.password),
      ]);
      if (disable.status !== 200) problems.push(`round ${round}: the disable answered ${disable.status}`);
      const enable = await app.json("PATCH", `/api/v1/admin/users/${user.id}/enable`, undefined, bearer(admin.accessToken));
      if (enable.status !== 200) problems.push(`round ${round}: the enable answered ${enable.status}`);
      await app.deps.background.settled();
      for (const signIn of logins) {
        if (signIn.status !== 200 && signIn.status !== 403) problems.push(`round ${round}: a sign-in answered ${signIn.status}`);
        if (signIn.status !== 200) continue;
        const left = await stillWorks({ accessToken: signIn.body.access_token, refreshToken: signIn.refreshToken });
        if (left.length > 0) problems.push(`round ${round}: after disable and enable a racing sign-in's ${left.join(", ")}`);
      }
      const left = await stillWorks(user);
      if (left.length > 0) problems.push(`round ${round}: after disable and enable the sign-up session's ${left.join(", ")}`);
      const live = await liveSessionCount(user.id);
      if (live > 0) problems.push(`round ${round}: ${live} live session(s) after the disable`);
    }
    expect(problems).toEqual([]);
  }, 60_000);
});

describe(`admins acting on each other at once (${backendName()})`, () => {
  test("with three admins, X demoting Y while Y demotes X: never both", async () => {
    // A third admin keeps the last-admin rule out of the way: only the actor re-check decides.
    await registerAdmin(app);
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [x, y] = await Promise.all([registerAdmin(app), registerAdmin(app)]);
      const [xy, yx] = await Promise.all([
        app.json("PATCH", `/api/v1/admin/users/${y.id}/role`, { role: "user" }, bearer(x.accessToken)),
        app.json("PATCH", `/api/v1/admin/users/${x.id}/role`, { role: "user" }, bearer(y.accessToken)),
      ]);
      const statuses = [xy.status, yx.status].sort();
      if (statuses[0] !== 200 || statuses[1] !== 403) problems.push(`round ${round}: answered ${xy.status} and ${yx.status}`);
      const roles = await app.deps.database.db.select({ role: users.role }).from(users).where(inArray(users.id, [x.id, y.id]));
      const admins = roles.filter((row) => row.role === "admin").length;
      if (admins !== 1) problems.push(`round ${round}: ${admins} of the two are still admins`);
    }
    expect(problems).toEqual([]);
  }, 60_000);
});
