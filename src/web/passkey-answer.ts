/**
 * What every page route of a passkey ceremony shares (docs/passkeys.md): public/passkeys.js asks
 * an `options` route for JSON, then posts the browser's answer in the form's hidden `credential`
 * field. The sign-in, the account's passkeys, the second step and the "confirm it is you" prompt
 * all read that field here, held to the API's own schema.
 */
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { AppError } from "../errors";
import type { PageContext } from "./context";

/** What a page says when the browser's answer is not one (docs/pages.md). */
const TEXT = {
  incomplete: "The browser's passkey answer was incomplete: try again",
} as const;

/** The options answer to passkeys.js: JSON, never cached (a challenge is single use). */
export function passkeyJson(ctx: PageContext, body: unknown): Response {
  ctx.headers.set("content-type", "application/json; charset=utf-8");
  ctx.headers.set("cache-control", "no-store");
  return new Response(JSON.stringify(body), { headers: ctx.headers });
}

/** The hidden `credential` field: the browser's answer as JSON, held to the API's schema. */
export function credentialField<T extends TSchema>(ctx: PageContext, schema: T): T["static"] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ctx.form.credential ?? "");
  } catch {
    parsed = undefined;
  }
  if (!Value.Check(schema, parsed)) throw new AppError("invalid_passkey", TEXT.incomplete);
  return parsed;
}
