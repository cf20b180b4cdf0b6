import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { ManualClock } from "../src/clock";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, fromIp, login, refresh, START_TIMEOUT_MS, type TokenBody } from "./helpers/auth";
import { latestTokenFor } from "./helpers/mail";
import { bearer, cookieValue, uniqueUser } from "./helpers/users";

let app: TestApp;
const clock = new ManualClock();
const LIMITS = { login: 4, loginAccount: 3, register: 2, registerAttempt: 8, email: 2, api: 3, refresh: 3 };

beforeAll(async () => {
  app = await startTestApp({
    clock,
    env: {
      TRUST_PROXY: "1",
      RATE_LIMIT_LOGIN: `${LIMITS.login}/60`,
      RATE_LIMIT_LOGIN_ACCOUNT: `${LIMITS.loginAccount}/900`,
      // These tests guess from a new IP each time: the account-wide ceiling is what they meet.
      // tests/password-guessing.test.ts pins the per-client count and the device-cookie exemption.
      RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL: `${LIMITS.loginAccount}/900`,
      RATE_LIMIT_REGISTER: `${LIMITS.register}/3600`,
      RATE_LIMIT_REGISTER_ATTEMPTS: `${LIMITS.registerAttempt}/3600`,
      RATE_LIMIT_EMAIL: `${LIMITS.email}/900`,
      RATE_LIMIT_API: `${LIMITS.api}/60`,
      RATE_LIMIT_REFRESH: `${LIMITS.refresh}/60`,
    },
  });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

/** Every request of this file comes from its own made-up client address unless it says otherwise. */
let ipCounter = 0;
const nextIp = () => {
  ipCounter += 1;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

async function makeUser() {
  const input = uniqueUser("rl");
  const response = await app.json<TokenBody>("POST", "/api/v1/auth/register", input, fromIp(nextIp()));
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { ...input, id: response.body.user.id, accessToken: response.body.access_token, refreshToken: cookieValue(response, "refresh_token")! };
}

function expectRateLimited(response: { status: number; body: unknown; headers: Headers }, limit?: number) {
  const body = expectError(response, 429, "rate_limited");
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect(body.details.retry_after).toBe(retryAfter);
  const headerLimit = response.headers.get("ratelimit-limit");
  expect(headerLimit).not.toBeNull();
  if (limit !== undefined) expect(Number(headerLimit)).toBe(limit);
  expect(response.headers.get("ratelimit-remaining")).toBe("0");
  const reset = Number(response.headers.get("ratelimit-reset"));
  expect(Number.isInteger(reset) && reset >= 1).toBe(true);
  return retryAfter;
}

const getMe = (token: string, ip: string, prefix = "/api/v1") => app.json("GET", `${prefix}/auth/me`, undefined, { ...bearer(token), ...fromIp(ip) });

describe("sign-in per IP (RATE_LIMIT_LOGIN)", () => {
  test("the request over the limit is a 429 with Retry-After and RateLimit headers", async () => {
    const ip = nextIp();
    for (let i = 0; i < LIMITS.login; i++) {
      const response = await login(app, `nobody-${crypto.randomUUID()}`, "wrong password", fromIp(ip));
      expect(response.status).toBe(401);
      expect(response.headers.get("ratelimit-limit")).toBe(String(LIMITS.login));
      expect(response.headers.get("ratelimit-remaining")).toBe(String(LIMITS.login - i - 1));
      expect(Number(response.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    }
    const refused = await login(app, `nobody-${crypto.randomUUID()}`, "wrong password", fromIp(ip));
    expect(expectRateLimited(refused, LIMITS.login)).toBeLessThanOrEqual(60);
  });

  test("the right password is refused too once the IP is over, and other IPs are not affected", async () => {
    const user = await makeUser();
    const ip = nextIp();
    for (let i = 0; i < LIMITS.login; i++) expect((await login(app, user.username, user.password, fromIp(ip))).status).toBe(200);
    expectRateLimited(await login(app, user.username, user.password, fromIp(ip)));
    expect((await login(app, user.username, user.password, fromIp(nextIp()))).status).toBe(200);
  });

  test.skipIf(Boolean(process.env.REDIS_URL))("the window ends and sign-in works again", async () => {
    const user = await makeUser();
    const ip = nextIp();
    for (let i = 0; i < LIMITS.login; i++) await login(app, user.username, user.password, fromIp(ip));
    expectRateLimited(await login(app, user.username, user.password, fromIp(ip)));
    clock.advance(61_000);
    expect((await login(app, user.username, user.password, fromIp(ip))).status).toBe(200);
  });
});

describe("failed sign-ins per account (RATE_LIMIT_LOGIN_ACCOUNT)", () => {
  test("failures from many IPs lock the account, even against the right password", async () => {
    const user = await makeUser();
    for (let i = 0; i < LIMITS.loginAccount; i++) {
      expectError(await login(app, user.username, "wrong password", fromIp(nextIp())), 401, "invalid_credentials");
    }
    expectRateLimited(await login(app, user.username, user.password, fromIp(nextIp())));
    expectRateLimited(await login(app, user.email, user.password, fromIp(nextIp())));
  });

  test("a locked account costs no Argon2 work", async () => {
    const user = await makeUser();
    for (let i = 0; i < LIMITS.loginAccount; i++) await login(app, user.username, "wrong password", fromIp(nextIp()));
    const verify = spyOn(Bun.password, "verify");
    restore = () => verify.mockRestore();
    for (let i = 0; i < 3; i++) expect((await login(app, user.username, i === 2 ? user.password : "wrong password", fromIp(nextIp()))).status).toBe(429);
    expect(verify).toHaveBeenCalledTimes(0);
  });

  test("username and email count against one account, whatever their case", async () => {
    const user = await makeUser();
    await login(app, user.username, "wrong password", fromIp(nextIp()));
    await login(app, user.email.toUpperCase(), "wrong password", fromIp(nextIp()));
    await login(app, user.username.toUpperCase(), "wrong password", fromIp(nextIp()));
    expectRateLimited(await login(app, user.email, user.password, fromIp(nextIp())));
  });

  test("a success before the lock resets the count", async () => {
    const user = await makeUser();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < LIMITS.loginAccount - 1; i++) {
        expect((await login(app, user.username, "wrong password", fromIp(nextIp()))).status).toBe(401);
      }
      expect((await login(app, user.username, user.password, fromIp(nextIp()))).status).toBe(200);
    }
  });

  test("the lock ends, and each further failure waits longer", async () => {
    const user = await makeUser();
    for (let i = 0; i < LIMITS.loginAccount; i++) await login(app, user.username, "wrong password", fromIp(nextIp()));
    const firstWait = expectRateLimited(await login(app, user.username, user.password, fromIp(nextIp())));
    clock.advance((firstWait + 1) * 1000);
    expect((await login(app, user.username, "wrong password", fromIp(nextIp()))).status).toBe(401);
    const secondWait = expectRateLimited(await login(app, user.username, user.password, fromIp(nextIp())));
    expect(secondWait).toBeGreaterThan(firstWait);
    clock.advance((secondWait + 1) * 1000);
    expect((await login(app, user.username, user.password, fromIp(nextIp()))).status).toBe(200);
  });

  test("one account's lock leaves other accounts alone", async () => {
    const locked = await makeUser();
    const other = await makeUser();
    for (let i = 0; i < LIMITS.loginAccount; i++) await login(app, locked.username, "wrong password", fromIp(nextIp()));
    expectRateLimited(await login(app, locked.username, locked.password, fromIp(nextIp())));
    expect((await login(app, other.username, other.password, fromIp(nextIp()))).status).toBe(200);
  });
});

describe("sign-up per IP (RATE_LIMIT_REGISTER counts accounts created, RATE_LIMIT_REGISTER_ATTEMPTS every try)", () => {
  test("the sign-up over the limit is a 429 and creates nothing; other IPs may sign up", async () => {
    const ip = nextIp();
    for (let i = 0; i < LIMITS.register; i++) {
      expect((await app.json("POST", "/api/v1/auth/register", uniqueUser("reg"), fromIp(ip))).status).toBe(201);
    }
    const input = uniqueUser("reg");
    expectRateLimited(await app.json("POST", "/api/v1/auth/register", input, fromIp(ip)), LIMITS.register);
    expect((await login(app, input.username, input.password, fromIp(nextIp()))).status).toBe(401);
    expect((await app.json("POST", "/api/v1/auth/register", input, fromIp(nextIp()))).status).toBe(201);
  });

  test("failed sign-ups (typos, a taken name) do not spend the budget of accounts: the office behind one IP still signs up", async () => {
    const ip = nextIp();
    const taken = uniqueUser("taken");
    expect((await app.json("POST", "/api/v1/auth/register", taken, fromIp(nextIp()))).status).toBe(201);
    for (let i = 0; i < LIMITS.register + 1; i++) {
      expect((await app.json("POST", "/api/v1/auth/register", { ...uniqueUser("typo"), password: "password" }, fromIp(ip))).status).toBe(422);
      expect((await app.json("POST", "/api/v1/auth/register", { ...uniqueUser("dup"), username: taken.username }, fromIp(ip))).status).toBe(409);
    }
    expect((await app.json("POST", "/api/v1/auth/register", uniqueUser("office"), fromIp(ip))).status).toBe(201);
  });

  test("attempts of any outcome have their own, higher ceiling", async () => {
    const ip = nextIp();
    const taken = uniqueUser("owned");
    expect((await app.json("POST", "/api/v1/auth/register", taken, fromIp(nextIp()))).status).toBe(201);
    // Probing which names are taken: each try is a 409.
    for (let i = 0; i < LIMITS.registerAttempt; i++) {
      expect((await app.json("POST", "/api/v1/auth/register", { ...uniqueUser("probe"), username: taken.username }, fromIp(ip))).status).toBe(409);
    }
    expectRateLimited(await app.json("POST", "/api/v1/auth/register", uniqueUser("probe"), fromIp(ip)), LIMITS.registerAttempt);
  });
});

describe("a new password from a reset link (RATE_LIMIT_RESET_PASSWORD)", () => {
  test("asking for mails up to the mail budget leaves the reset itself possible", async () => {
    const ip = nextIp();
    const user = await makeUser();
    for (let i = 0; i < LIMITS.email; i++) {
      expect((await app.json("POST", "/api/v1/auth/forgot-password", { email: user.email }, fromIp(ip))).status).toBe(202);
    }
    expectRateLimited(await app.json("POST", "/api/v1/auth/forgot-password", { email: user.email }, fromIp(ip)));
    const token = await latestTokenFor(app, user.email, "/reset-password");
    const reset = await app.json("POST", "/api/v1/auth/reset-password", { token, password: "a brand new passphrase" }, fromIp(ip));
    expect(reset.status).toBe(200);
  });
});

describe("refresh per IP (RATE_LIMIT_REFRESH)", () => {
  test("the refresh over the limit is a 429", async () => {
    const user = await makeUser();
    const ip = nextIp();
    let token = user.refreshToken;
    for (let i = 0; i < LIMITS.refresh; i++) {
      const response = await refresh(app, token, "cookie", fromIp(ip));
      expect(response.status).toBe(200);
      token = response.refreshToken!;
    }
    expectRateLimited(await refresh(app, token, "cookie", fromIp(ip)), LIMITS.refresh);
  });
});

describe("everything else under /api (RATE_LIMIT_API)", () => {
  test("other routes share the API budget per IP", async () => {
    const user = await makeUser();
    const ip = nextIp();
    for (let i = 0; i < LIMITS.api; i++) {
      const response = i % 2 === 0 ? await getMe(user.accessToken, ip) : await app.json("GET", "/api/v1/auth/sessions", undefined, { ...bearer(user.accessToken), ...fromIp(ip) });
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit-limit")).toBe(String(LIMITS.api));
      expect(response.headers.get("ratelimit-remaining")).toBe(String(LIMITS.api - i - 1));
    }
    expectRateLimited(await getMe(user.accessToken, ip), LIMITS.api);
    expect((await getMe(user.accessToken, nextIp())).status).toBe(200);
    // Outside /api nothing is limited.
    expect((await app.fetch("/health/live", { headers: fromIp(ip) })).status).toBe(200);
  });

  test("/api and /api/v1 share one budget and count each request once", async () => {
    const user = await makeUser();
    const ip = nextIp();
    const first = await getMe(user.accessToken, ip, "/api");
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-remaining")).toBe(String(LIMITS.api - 1));
    const second = await getMe(user.accessToken, ip, "/api/v1");
    expect(second.status).toBe(200);
    expect(second.headers.get("ratelimit-remaining")).toBe(String(LIMITS.api - 2));
    const third = await getMe(user.accessToken, ip, "/api");
    expect(third.status).toBe(200);
    expectRateLimited(await getMe(user.accessToken, ip, "/api"), LIMITS.api);
    expectRateLimited(await getMe(user.accessToken, ip, "/api/v1"), LIMITS.api);
  });

  test("a sign-in through /api counts against the sign-in limit, not the API budget", async () => {
    const user = await makeUser();
    const ip = nextIp();
    for (let i = 0; i < LIMITS.login; i++) {
      const response = await login(app, user.username, user.password, fromIp(ip), "/api");
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit-limit")).toBe(String(LIMITS.login));
    }
    expectRateLimited(await login(app, user.username, user.password, fromIp(ip), "/api"), LIMITS.login);
    // The API budget of that IP is untouched.
    const after = await getMe(user.accessToken, ip);
    expect(after.status).toBe(200);
    expect(after.headers.get("ratelimit-remaining")).toBe(String(LIMITS.api - 1));
  });
});
