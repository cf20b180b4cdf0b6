/**
 * Look-alikes: Cyrillic, fullwidth, zero-width and NFC/NFD copies of an address registered as
 * separate accounts that read identically in the admin list; `ceo@corp.example<helpdesk>`
 * passed and nodemailer delivered to `helpdesk`. Reserved names could be taken, and lone
 * surrogates in passwords collapsed to U+FFFD (different passwords, one account).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../src/db/schema";
import { normaliseEmail } from "../src/modules/users/identity";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { registerUser, uniqueUser } from "./helpers/users";
import { WebClient } from "./e2e/web-client";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const register = (input: { username: string; email: string; password: string }) => app.json<{ user: { email: string }; details: { fields: Record<string, string> } }>("POST", "/api/v1/auth/register", input);
const fresh = (email: string) => ({ ...uniqueUser("look"), email });
const login = (username_or_email: string, password: string) => app.json("POST", "/api/v1/auth/login", { username_or_email, password });

describe("emails are stored in one spelling", () => {
  test("fullwidth, upper-case and decomposed copies fold onto the original: 409", async () => {
    expect((await register(fresh("chief@exämple.com"))).status).toBe(201);
    for (const copy of ["ｃｈｉｅｆ@exämple.com", "CHIEF@EXÄMPLE.COM", "chief@exa\u0308mple.com", "chief@xn--exmple-cua.com", " chief@exämple.com "]) {
      const response = await register(fresh(copy));
      expectError(response, 409, "conflict");
    }
  });

  test("an IDN domain is stored as its ASCII form, so a Cyrillic look-alike reads differently", async () => {
    const latin = await register(fresh("boss@example.org"));
    const cyrillic = await register(fresh("boss@ехample.org"));
    expect(latin.status).toBe(201);
    expect(cyrillic.status).toBe(201);
    expect(cyrillic.body.user.email).toBe("boss@xn--ample-ywe6i.org");
    expect(cyrillic.body.user.email).not.toBe(latin.body.user.email);
  });

  test("a non-ASCII, invisible or syntax-bearing local part is refused", async () => {
    for (const email of ["аdmin@example.com", "ad\u200bmin@example.com", "ceo@corp.example<helpdesk>", "ceo<helpdesk>@corp.example", '"a b"@example.com', "a,b@example.com", "a;b@example.com", "a:b@example.com", "(x)a@example.com", "[a]@example.com", "a\\b@example.com", ".a@example.com", "a..b@example.com", "a@-example.com", "a@example", "a@example.c0m"]) {
      const response = await register(fresh(email));
      expectError(response, 422, "validation_error");
      expect(Object.keys(response.body.details.fields)).toEqual(["email"]);
    }
  });

  test("sign-in and forgot-password find the account by any spelling of its address", async () => {
    const user = fresh("Mixed.Case@Exämple.net");
    expect((await register(user)).status).toBe(201);
    const [row] = await app.deps.database.db.select().from(users).where(eq(users.username, user.username));
    expect(row!.email).toBe("mixed.case@xn--exmple-cua.net");
    for (const spelling of ["mixed.case@exämple.net", "ＭＩＸＥＤ.case@xn--exmple-cua.net", "MIXED.CASE@EXA\u0308MPLE.NET"]) {
      expect((await login(spelling, user.password)).status).toBe(200);
    }
  });

  test("the rule is the same one the admin bootstrap uses", () => {
    expect(normaliseEmail("Ｏｐｓ@Exämple.COM")).toBe("ops@xn--exmple-cua.com");
    expect(normaliseEmail("ceo@corp.example<helpdesk>")).toBeNull();
  });
});

describe("reserved usernames", () => {
  test("are refused on sign-up, in any case, on the API and the page", async () => {
    for (const username of ["admin", "Administrator", "ROOT", "support", "security", "api", "www", "null", "undefined", "__proto__", "constructor", "__defineGetter__"]) {
      const response = await register({ ...uniqueUser("r"), username });
      expectError(response, 422, "validation_error");
      expect(Object.keys(response.body.details.fields)).toEqual(["username"]);
    }
    const client = new WebClient(app);
    await client.get("/register");
    const page = await client.post("/register", { ...uniqueUser("r"), username: "Admin" });
    expect(page.status).toBe(422);
    expect(page.text).toContain("reserved");
  });
});

describe("passwords", () => {
  test("are compared in NFKC: the same password typed another way signs in", async () => {
    const user = { ...uniqueUser("nfkc"), password: "ｆｕｌｌｗｉｄｔｈ café passphrase" };
    expect((await register(user)).status).toBe(201);
    expect((await login(user.username, "fullwidth cafe\u0301 passphrase")).status).toBe(200);
    expect((await login(user.username, "fullwidth cafe passphrase")).status).toBe(401);
  });

  test("a hash made before normalisation still works once, then is replaced by the NFKC one", async () => {
    const user = await registerUser(app);
    const raw = "ｌｅｇａｃｙ passphrase ①";
    // What the old code stored: a hash of the raw form.
    const legacyHash = await Bun.password.hash(raw, { algorithm: "argon2id", memoryCost: 1024, timeCost: 1 });
    await app.deps.database.db.update(users).set({ passwordHash: legacyHash }).where(eq(users.id, user.id));
    expect((await login(user.username, raw)).status).toBe(200);
    const [after] = await app.deps.database.db.select().from(users).where(eq(users.id, user.id));
    expect(after!.passwordHash).not.toBe(legacyHash);
    expect(await Bun.password.verify("legacy passphrase 1", after!.passwordHash!)).toBe(true);
    expect((await login(user.username, "legacy passphrase 1")).status).toBe(200);
    expect((await login(user.username, raw)).status).toBe(200);
  });

  test("lone surrogates are refused, so two different ones can no longer share an account", async () => {
    const user = { ...uniqueUser("sur"), password: "surrogate \ud800 passphrase" };
    const refused = await register(user);
    expectError(refused, 422, "validation_error");
    expect(Object.keys(refused.body.details.fields)).toEqual(["password"]);
    const existing = await registerUser(app);
    expectError(await login(existing.username, "surrogate \udbff passphrase"), 422, "validation_error");
  });
});
