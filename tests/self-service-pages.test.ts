import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { users } from "../src/db/schema";
import { startTestApp, type TestApp } from "./helpers/app";
import { login, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { outbox, tokenFromLink } from "./helpers/mail";
import { uniqueUser } from "./helpers/users";
import { htmx, signedUpClient, WebClient } from "./e2e/web-client";

const clock = new ManualClock(Date.now());
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ clock, env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const userRow = async (username: string) => (await app.deps.database.db.select().from(users).where(eq(users.username, username)))[0];

describe(`the profile card (${backendName()})`, () => {
  test("without JavaScript: change the username, errors shown in place with what was typed", async () => {
    const { client, user } = await signedUpClient(app, "page");
    const dashboard = await client.get("/dashboard");
    expect(dashboard.text).toContain("Change username");
    expect(dashboard.text).toContain("Change email");
    const taken = await signedUpClient(app, "other");
    const refused = await client.post("/account/username", { username: taken.user.username });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain("This username is taken");
    const reserved = await client.post("/account/username", { username: "admin" });
    expect(reserved.status).toBe(422);
    expect(reserved.text).toContain("reserved");
    const wanted = uniqueUser("newname").username;
    const done = await client.post("/account/username", { username: wanted });
    expect(done.status).toBe(303);
    expect(done.location).toBe("/dashboard?notice=username-changed");
    const after = await client.get(done.location!);
    expect(after.text).toContain(`Hello, ${wanted}`);
    expect(after.text).toContain("Username changed.");
    expect(await userRow(user.username)).toBeUndefined();
  });

  test("with htmx: the card comes back alone, with the outcome", async () => {
    const { client } = await signedUpClient(app, "hx");
    await client.get("/dashboard");
    const wanted = uniqueUser("hxname").username;
    const fragment = await client.post("/account/username", { username: wanted }, htmx);
    expect(fragment.status).toBe(200);
    expect(fragment.text.startsWith('<div id="profile">')).toBe(true);
    expect(fragment.text).not.toContain("<html");
    expect(fragment.text).toContain(wanted);
    const bad = await client.post("/account/username", { username: "nul\u0000x" }, htmx);
    expect(bad.headers.get("x-status")).toBe("422");
    expect(bad.text).toContain('aria-invalid="true"');
    expect(bad.text).not.toContain("hx-swap-oob");
  });

  test("with htmx: the greeting, the password managers' account name and the delete confirmation follow the new name", async () => {
    const { client, user } = await signedUpClient(app, "hxall");
    await client.get("/dashboard");
    const wanted = uniqueUser("hxall2").username;
    const fragment = await client.post("/account/username", { username: wanted }, htmx);
    const outOfBand = [...fragment.text.matchAll(/<(\w+) [^>]*id="([\w-]+)"[^>]*hx-swap-oob="true"/g)].map((match) => match[2]);
    expect(outOfBand.sort()).toEqual(["delete-account", "greeting", "password-account-name"]);
    expect(fragment.text).toContain(`Hello, ${wanted}`);
    expect(fragment.text).toContain(`To confirm, type your username: ${wanted}`);
    expect(fragment.text).not.toContain(`value="${user.username}"`);
    // The swapped-in confirmation is the one the server checks.
    const deleted = await client.post("/account/delete", { confirm_username: wanted });
    expect(deleted.location).toBe("/login?notice=account-deleted");
  });

  test("change email through the outbox: pending shown, the link page only looks on GET, the POST confirms signed out", async () => {
    const { client, user } = await signedUpClient(app, "mail");
    await client.get("/dashboard");
    const newEmail = uniqueUser("newmail").email;
    const sent = await client.post("/account/email", { new_email: newEmail });
    expect(sent.status).toBe(303);
    const dashboard = await client.get(sent.location!);
    expect(dashboard.text).toContain("We sent a link to your new address.");
    expect(dashboard.text).toContain(`A link was sent to ${newEmail}`);
    const message = (await outbox(app)).find((m) => m.to === newEmail)!;
    const token = tokenFromLink(message.text, "/confirm-email");

    // Another browser, signed out (the link opened on a phone, or by a mail scanner).
    const stranger = new WebClient(app);
    const look = await stranger.get(`/confirm-email?token=${encodeURIComponent(token)}`);
    expect(look.status).toBe(200);
    expect(look.text).toContain("Confirm new email address");
    expect(look.headers.get("referrer-policy")).toBe("no-referrer");
    expect((await userRow(user.username))?.email).toBe(user.email);
    const confirmed = await stranger.post("/confirm-email", { token });
    expect(confirmed.status).toBe(303);
    expect(confirmed.location).toBe("/login?notice=email-changed");
    expect((await userRow(user.username))?.email).toBe(newEmail);
    // Used: the link now says so instead of offering a button.
    const dead = await stranger.get(`/confirm-email?token=${encodeURIComponent(token)}`);
    expect(dead.status).toBe(400);
    expect(dead.text).toContain("This link cannot be used");
    expect(dead.text).not.toContain("Confirm new email address");
    const unknown = await stranger.get("/confirm-email?token=nothing");
    expect(unknown.status).toBe(400);
    expect((await stranger.get("/confirm-email")).status).toBe(400);
  });

  test("a look-alike of a taken address is refused on the page", async () => {
    const { client } = await signedUpClient(app, "look");
    const other = await signedUpClient(app, "owner");
    await client.get("/dashboard");
    const refused = await client.post("/account/email", { new_email: other.user.email.replace("@", "＠").toUpperCase() });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain("An account with this email already exists");
  });
});

describe(`sessions, data and the danger zone (${backendName()})`, () => {
  test("this device first; sign out the others; the others are signed out at once", async () => {
    const { client, user } = await signedUpClient(app, "sess");
    const elsewhere = await login(app, user.username, user.password);
    await login(app, user.username, user.password);
    const dashboard = await client.get("/dashboard");
    const first = dashboard.text.indexOf("End this session");
    expect(dashboard.text.indexOf("This device")).toBeLessThan(first);
    expect(dashboard.text).toContain("Sign out 2 other sessions");
    const fragment = await client.post("/account/sessions/end-others", {}, htmx);
    expect(fragment.text).toContain("Your other sessions have been signed out.");
    expect(fragment.text).not.toContain("End this session");
    expect(fragment.text).not.toContain("other sessions</span>");
    expect((await app.json("GET", "/api/v1/auth/me", undefined, { authorization: `Bearer ${elsewhere.body.access_token}` })).status).toBe(401);
    expect((await client.get("/dashboard")).status).toBe(200);
  });

  test("Download my data: a JSON attachment without hashes", async () => {
    const { client, user } = await signedUpClient(app, "data");
    const dashboard = await client.get("/dashboard");
    expect(dashboard.text).toContain('href="/account/export"');
    const file = await client.get("/account/export");
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toContain(`attachment; filename="cobalt-${user.username}-`);
    const data = JSON.parse(file.text) as { profile: { username: string } };
    expect(data.profile.username).toBe(user.username);
    expect(file.text).not.toContain("argon2");
  });

  test("delete my account without JavaScript: the typed name must match; then signed out and gone", async () => {
    const { client, user } = await signedUpClient(app, "bye");
    const dashboard = await client.get("/dashboard");
    expect(dashboard.text).toContain("Delete my account");
    const mismatch = await client.post("/account/delete", { confirm_username: "someone-else" });
    expect(mismatch.status).toBe(422);
    expect(mismatch.text).toContain("Nothing was deleted");
    expect(await userRow(user.username)).toBeDefined();
    const deleted = await client.post("/account/delete", { confirm_username: user.username });
    expect(deleted.status).toBe(303);
    expect(deleted.location).toBe("/login?notice=account-deleted");
    expect(client.cookies.has("refresh_token")).toBe(false);
    expect(await userRow(user.username)).toBeUndefined();
    expect((await client.get("/login?notice=account-deleted")).text).toContain("Your account has been deleted");
  });

  test("deleting needs a recent sign-in: the page asks to confirm it is you, then comes back", async () => {
    const { client, user } = await signedUpClient(app, "late");
    await client.get("/dashboard");
    clock.advance(6 * 60 * 1000);
    await client.get("/dashboard");
    const refused = await client.post("/account/delete", { confirm_username: user.username }, { referer: `${app.url}/dashboard` });
    expect(refused.status).toBe(303);
    expect(refused.location).toBe("/account/reauthenticate?next=%2Fdashboard");
    expect(await userRow(user.username)).toBeDefined();
    await client.get(refused.location!);
    const confirmed = await client.post("/account/reauthenticate", { password: user.password, next: "/dashboard" });
    expect(confirmed.status).toBe(303);
    expect(confirmed.location).toBe("/dashboard");
    await client.get("/dashboard");
    expect((await client.post("/account/delete", { confirm_username: user.username })).status).toBe(303);
    expect(await userRow(user.username)).toBeUndefined();
  });
});
