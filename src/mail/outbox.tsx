import Html from "@kitajs/html";
import { Elysia, NotFoundError } from "elysia";
import { isLocalRequest } from "../http/hosts";
import type { Mailer, OutboxMessage } from "./mailer";

function linksOf(text: string): string[] {
  return [...text.matchAll(/https?:\/\/\S+/g)].map((match) => match[0]);
}

function OutboxPage({ messages }: { messages: OutboxMessage[] }) {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Dev outbox · Cobalt</title>
        </head>
        <body>
          <h1>Development outbox</h1>
          <p>Messages the app would have mailed, newest first. This page exists only outside production, when SMTP_URL is not set.</p>
          {messages.length === 0 ? (
            <p>No messages yet.</p>
          ) : (
            <ol>
              {messages.map((message) => (
                <li>
                  <h2 safe>{message.subject}</h2>
                  <p safe>{`To ${message.to} · ${message.created_at}`}</p>
                  <pre safe>{message.text}</pre>
                  <ul>
                    {linksOf(message.text).map((link) => (
                      <li>
                        <a href={link} safe>
                          {link}
                        </a>
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ol>
          )}
        </body>
      </html>
    </>
  );
}

/**
 * /dev/outbox and /dev/outbox.json: mounted only when the mailer keeps an outbox (outside
 * production, no SMTP_URL), and answered only to a browser on this machine (the Host was
 * already checked against ALLOWED_HOSTS); anyone else gets the same 404 as a missing route.
 * The outbox holds live reset links: read from elsewhere it is an account takeover.
 */
export function outboxRoutes(mailer: Mailer) {
  const outbox = mailer.outbox;
  if (!outbox) return new Elysia();
  return new Elysia({ name: "dev-outbox", prefix: "/dev" })
    .onBeforeHandle(({ request }) => {
      if (!isLocalRequest(request)) throw new NotFoundError();
    })
    .get("/outbox.json", () => outbox, { detail: { hide: true } })
    .get(
      "/outbox",
      ({ set }) => {
        set.headers["content-type"] = "text/html; charset=utf-8";
        return String(<OutboxPage messages={outbox} />);
      },
      { detail: { hide: true } },
    );
}
