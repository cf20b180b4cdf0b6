import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SMTPServer } from "smtp-server";
import { startTestApp, type TestApp } from "./helpers/app";
import { tokenFromLink } from "./helpers/mail";
import { bearer, registerUser } from "./helpers/users";

interface Received {
  to: string[];
  raw: string;
}

const received: Received[] = [];
let server: SMTPServer;
let port = 0;
let app: TestApp;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
      stream.on("end", () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  port = (server.server.address() as { port: number }).port;
  app = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: "Cobalt <auth@cobalt.test>" } });
});

afterAll(async () => {
  await app.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Quoted-printable soft line breaks and =3D escapes would hide the link from a plain search. */
function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

describe("SMTP mailer", () => {
  test("the verification message reaches the SMTP server and its link verifies through the API", async () => {
    const user = await registerUser(app);
    await app.deps.background.settled();
    const message = received.find((m) => m.to.includes(user.email));
    expect(message).toBeDefined();
    const body = decodeQuotedPrintable(message!.raw);
    expect(body).toContain("From: Cobalt <auth@cobalt.test>");
    expect(body).toContain("Subject: Confirm your email address");
    expect(app.deps.mailer.outbox).toBeNull();

    const token = tokenFromLink(body, "/verify-email");
    expect((await app.json("POST", "/api/v1/auth/verify-email", { token })).status).toBe(200);
    const me = await app.json<{ email_verified: boolean }>("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken));
    expect(me.body.email_verified).toBe(true);
    expect(app.deps.mailer.stats.sent).toBeGreaterThan(0);
  });

  test("no dev outbox is served when SMTP is configured", async () => {
    expect((await app.fetch("/dev/outbox.json")).status).toBe(404);
  });
});

describe("SMTP server unreachable", () => {
  test("sign-up still succeeds; the send is retried, then logged and counted as failed", async () => {
    const logLines: string[] = [];
    const broken = await startTestApp({ env: { SMTP_URL: "smtp://127.0.0.1:1" }, logLines });
    try {
      const user = await registerUser(broken);
      expect(user.accessToken).toBeTruthy();
      await broken.deps.background.settled();
      expect(broken.deps.mailer.stats.failed).toBe(1);
      expect(broken.deps.mailer.stats.sent).toBe(0);
      const failure = logLines.find((line) => line.includes('"mail failed"'));
      expect(failure).toContain('"attempts":4');
      expect(failure).not.toContain(user.email);
    } finally {
      await broken.stop();
    }
    // Its own app plus four spaced tries: on a loaded machine that is more than the default 5 s.
  }, 30_000);
});
