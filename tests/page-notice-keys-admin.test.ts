/**
 * A `?notice=` key on the admin's users list and user page is looked up among the pages' own
 * notices only (noticeFrom): "constructor" or "__proto__" is on every object, and `key in table`
 * would put an empty notice box on the page for it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { type RegisteredUser, registerUser } from "./helpers/users";
import { WebClient } from "./e2e/web-client";

let app: TestApp;
let admin: RegisteredUser;
let user: RegisteredUser;
let web: WebClient;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
  admin = await registerAdmin(app);
  user = await registerUser(app);
  web = new WebClient(app);
  await web.get("/login");
  expect((await web.post("/login", { username_or_email: admin.username, password: admin.password })).status).toBe(303);
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

/** How many notice boxes a page has: an Alert is role="status" or role="alert". */
const notices = (html: string) => (html.match(/role="(status|alert)"/g) ?? []).length;

describe("a ?notice= key that is not one of the page's notices shows none", () => {
  for (const [name, path, known, knownText] of [
    ["the users list", () => "/admin/users", "deleted", "The user has been deleted."],
    ["a user's page", () => `/admin/users/${user.id}`, "updated", "Details saved."],
  ] as const) {
    test(`${name}: constructor and __proto__ add no notice; a real key still does`, async () => {
      const plain = await web.get(path());
      expect(plain.status).toBe(200);
      for (const key of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
        const page = await web.get(`${path()}?notice=${key}`);
        expect(page.status).toBe(200);
        expect(notices(page.text)).toBe(notices(plain.text));
      }
      const real = await web.get(`${path()}?notice=${known}`);
      expect(real.status).toBe(200);
      expect(notices(real.text)).toBe(notices(plain.text) + 1);
      expect(real.text).toContain(knownText);
    });
  }
});
