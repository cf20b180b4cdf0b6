/**
 * Times on pages are sent in UTC and say so, inside <time datetime="…Z" data-time> that the
 * browser's script rewrites in the viewer's zone (tests/e2e/local-times.test.ts): what a page
 * without JavaScript shows is still true.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { sessions, users } from "../src/db/schema";
import { Time } from "../src/web/components/time";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { signedUpClient, WebClient } from "./e2e/web-client";

const TIME = /<time datetime="([^"]+)" data-time="(datetime|date|relative)"(?: title="([^"]+)")?>([^<]+)<\/time>/g;
const UTC_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UTC_TEXT = /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M UTC$/;

const timesIn = (html: string) => [...html.matchAll(TIME)].map(([, datetime, kind, title, text]) => ({ datetime: datetime!, kind: kind!, title, text: text! }));

describe("<Time>", () => {
  const at = new Date("2026-03-04T23:30:00Z");

  test("a moment is its UTC clock time, saying UTC, with the instant in datetime", () => {
    expect(Time({ at }) as string).toBe('<time datetime="2026-03-04T23:30:00.000Z" data-time="datetime">Mar 4, 2026, 11:30 PM UTC</time>');
  });

  test("a day alone is the UTC day, with the exact UTC time on hover", () => {
    expect(Time({ at, as: "date" }) as string).toBe('<time datetime="2026-03-04T23:30:00.000Z" data-time="date" title="Mar 4, 2026, 11:30 PM UTC">Mar 4, 2026</time>');
  });

  test("a relative time is counted from the injected now, with the exact UTC time on hover", () => {
    const now = at.getTime() + 5 * 60_000;
    expect(Time({ at, as: "relative", now }) as string).toBe('<time datetime="2026-03-04T23:30:00.000Z" data-time="relative" title="Mar 4, 2026, 11:30 PM UTC">5 minutes ago</time>');
  });
});

describe("times on the pages", () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  test("the dashboard's sessions carry their start in UTC: datetime the row's instant, text in UTC", async () => {
    const { client, user } = await signedUpClient(app, "times");
    const page = await client.get("/dashboard");
    expect(page.status).toBe(200);
    const { db } = app.deps.database;
    const [owner] = await db.select().from(users).where(eq(users.username, user.username));
    const [row] = await db.select().from(sessions).where(eq(sessions.userId, owner!.id));
    const started = timesIn(page.text).find((time) => time.kind === "datetime" && time.datetime === row!.createdAt.toISOString());
    expect(started).toBeDefined();
    expect(started!.text).toMatch(UTC_TEXT);
    const active = timesIn(page.text).find((time) => time.kind === "relative");
    expect(active?.datetime).toMatch(UTC_ISO);
    expect(active?.title).toMatch(UTC_TEXT);
    // Every time on the page, whatever its kind, is an instant in UTC.
    for (const time of timesIn(page.text)) expect(time.datetime).toMatch(UTC_ISO);
  });

  test("the audit log and a user's page carry every time in UTC", async () => {
    const admin = await registerAdmin(app);
    const client = new WebClient(app);
    await client.get("/login");
    const signedIn = await client.post("/login", { username_or_email: admin.username, password: admin.password, next: "/admin/audit" });
    expect(signedIn.status).toBe(303);
    for (const path of ["/admin/audit", `/admin/users/${admin.id}`, "/admin/users", "/admin"]) {
      const page = await client.get(path);
      expect(page.status).toBe(200);
      const times = timesIn(page.text);
      expect(times.length).toBeGreaterThan(0);
      for (const time of times) {
        expect(time.datetime).toMatch(UTC_ISO);
        expect(time.kind === "datetime" ? time.text : time.title).toMatch(UTC_TEXT);
      }
    }
  });
});
