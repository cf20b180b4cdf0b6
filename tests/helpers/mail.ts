import type { OutboxMessage } from "../../src/mail/mailer";
import type { TestApp } from "./app";

/** Waits for background sends, then returns the outbox, newest first. */
export async function outbox(app: TestApp): Promise<OutboxMessage[]> {
  await app.deps.background.settled();
  return app.deps.mailer.outbox ?? [];
}

export function tokenFromLink(text: string, path: string): string {
  const match = new RegExp(`${path.replace("/", "\\/")}\\?token=([A-Za-z0-9_%-]+)`).exec(text);
  if (!match) throw new Error(`no ${path} link in: ${text}`);
  return decodeURIComponent(match[1]!);
}

export async function latestTokenFor(app: TestApp, to: string, path: "/verify-email" | "/reset-password"): Promise<string> {
  const message = (await outbox(app)).find((m) => m.to === to && m.text.includes(path));
  if (!message) throw new Error(`no message to ${to} with ${path}`);
  return tokenFromLink(message.text, path);
}
