/** The user-management pages without a browser (plain form posts, as with JavaScript off). */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { me, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { outbox, tokenFromLink } from "./helpers/mail";
import { type RegisteredUser, registerUser, uniqueUser } from "./helpers/users";
import { WebClient } from "./e2e/web-client";

let app: TestApp;
let admin: RegisteredUser;
let web: WebClient;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
  admin = await registerAdmin(app);
  web = new WebClient(app);
  await web.get("/login");
  expect((await web.post("/login", { username_or_email: admin.username, password: admin.password })).status).toBe(303);
  await web.get("/admin/users");
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("create and invite", () => {
  test("the form creates the user and mails the invitation; the link's page sets a password and signs in", async () => {
    const input = uniqueUser("paged");
    expect((await web.get("/admin/users/new")).status).toBe(200);
    const created = await web.post("/admin/users/new", { username: input.username, email: input.email, role: "user" });
    expect(created.status).toBe(303);
    expect(created.location).toMatch(/^\/admin\/users\/[0-9a-f-]{36}\?notice=invited$/);
    expect(text((await web.get(created.location!)).text)).toContain("An invitation to choose a password is on its way");

    const message = (await outbox(app)).find((m) => m.to === input.email)!;
    const token = tokenFromLink(message.text, "/invite");
    const visitor = new WebClient(app);
    const form = await visitor.get(`/invite?token=${encodeURIComponent(token)}`);
    expect(form.status).toBe(200);
    expect(form.headers.get("referrer-policy")).toBe("no-referrer");
    expect(form.text).toContain('name="password"');
    const weak = await visitor.post("/invite", { token, password: "short" });
    expect(weak.status).toBe(422);
    const done = await visitor.post("/invite", { token, password: input.password });
    expect(done.status).toBe(303);
    expect(done.location).toBe("/dashboard");
    expect((await me(app, visitor.cookies.get("access_token")!)).body.username).toBe(input.username);

    // Used: the page says so and offers no password form.
    const dead = await new WebClient(app).get(`/invite?token=${encodeURIComponent(token)}`);
    expect(dead.status).toBe(400);
    expect(dead.text).toContain("This invitation cannot be used");
    expect(dead.text).not.toContain('name="password"');
  });

  test("a taken username comes back as the form with the field marked and the values kept", async () => {
    const again = await web.post("/admin/users/new", { username: admin.username, email: "someone.new@example.com", role: "user" });
    expect(again.status).toBe(409);
    expect(again.text).toContain("This username is taken");
    expect(again.text).toContain('value="someone.new@example.com"');
  });
});

describe("edit and actions on the user's page", () => {
  test("edit saves username, email and the verified box", async () => {
    const user = await registerUser(app);
    expect((await web.get(`/admin/users/${user.id}/edit`)).status).toBe(200);
    const saved = await web.post(`/admin/users/${user.id}/edit`, { username: `${user.username}x`, email: user.email, email_verified: "on" });
    expect(saved.status).toBe(303);
    const page = text((await web.get(saved.location!)).text);
    expect(page).toContain(`${user.username}x`);
    expect(page).toContain("Verified");
    const bad = await web.post(`/admin/users/${user.id}/edit`, { username: "no spaces allowed", email: user.email });
    expect(bad.status).toBe(422);
  });

  test("reset link, unlock and sign out everywhere (confirmed on a page without JavaScript)", async () => {
    const user = await registerUser(app);
    expect((await web.post(`/admin/users/${user.id}/send-reset`)).location).toBe(`/admin/users/${user.id}?notice=reset-sent`);
    expect((await outbox(app)).some((m) => m.to === user.email && m.text.includes("/reset-password?token="))).toBe(true);
    expect((await web.post(`/admin/users/${user.id}/unlock`)).location).toBe(`/admin/users/${user.id}?notice=unlocked`);
    const confirm = await web.get(`/admin/users/${user.id}/logout-all`);
    expect(confirm.text).toContain("Sign this user out everywhere?");
    expect((await web.post(`/admin/users/${user.id}/logout-all`)).location).toBe(`/admin/users/${user.id}?notice=signed-out`);
    expect((await me(app, user.accessToken)).status).toBe(401);
    // Yourself: refused with the reason, on your own page.
    const self = await web.post(`/admin/users/${admin.id}/logout-all`);
    expect(self.status).toBe(409);
    expect(self.text).toContain("Sign out everywhere");
  });
});

describe("bulk", () => {
  test("disable asks first, listing who; then each row says what happened", async () => {
    const [a, b] = [await registerUser(app), await registerUser(app)];
    const list = await web.get("/admin/users");
    expect(list.text).toContain(`name="id_${a.id}"`);
    expect(list.text).toContain('form="bulk-form"');
    const fields = { action: "disable", [`id_${a.id}`]: "on", [`id_${b.id}`]: "on", [`id_${admin.id}`]: "on" };
    const confirm = await web.post("/admin/users/bulk", fields);
    expect(confirm.status).toBe(200);
    expect(text(confirm.text)).toContain("Disable 3 users?");
    expect(confirm.text).toContain(a.username);
    expect((await me(app, a.accessToken)).status).toBe(200);

    const done = text((await web.post("/admin/users/bulk", { ...fields, confirmed: "yes" })).text);
    expect(done).toContain("Disable: 2 of 3 done");
    expect(done).toContain("Refused: that is your own account");
    expect((await me(app, a.accessToken)).status).toBe(401);
  });

  test("enable needs no confirmation; nothing ticked changes nothing", async () => {
    const user = await registerUser(app);
    const done = text((await web.post("/admin/users/bulk", { action: "enable", [`id_${user.id}`]: "on" })).text);
    expect(done).toContain("Enable: 1 of 1 done");
    expect((await web.post("/admin/users/bulk", { action: "delete" })).location).toBe("/admin/users?notice=none-selected");
  });

  test("a user who is not an admin gets none of these pages", async () => {
    const user = await registerUser(app);
    const client = new WebClient(app);
    await client.get("/login");
    await client.post("/login", { username_or_email: user.username, password: user.password });
    await client.get("/dashboard");
    expect((await client.get("/admin/users/new")).status).toBe(403);
    expect((await client.post("/admin/users/bulk", { action: "disable", [`id_${admin.id}`]: "on", confirmed: "yes" })).status).toBe(403);
  });
});
