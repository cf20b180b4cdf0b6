/**
 * Cookies, with the one set of attributes Cobalt gives every cookie it sets: HttpOnly,
 * SameSite=Lax, Path=/, and Secure unless the app runs on plain http in development.
 * Both the API and the pages write cookies through this (docs/architecture.md, "Sessions").
 */
import type { Cookie } from "elysia";
import type { Config } from "../config";

export interface CookieAccess {
  get(name: string): string | undefined;
  set(name: string, value: string, maxAgeSeconds: number): void;
  remove(name: string): void;
}

export const secureCookies = (config: Config) => config.env === "production" || config.appUrl.startsWith("https://");

/** Over Elysia's cookie jar: what is set here goes out on whatever the handler returns, Response objects included. */
export function cookieAccess(cookie: Record<string, Cookie<unknown>>, config: Config): CookieAccess {
  const attributes = { httpOnly: true, sameSite: "lax" as const, path: "/", secure: secureCookies(config) };
  const get = (name: string) => {
    const value = cookie[name]?.value;
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  return {
    get,
    set: (name, value, maxAge) => cookie[name]!.set({ ...attributes, value, maxAge }),
    // Only a cookie the browser has (or was just given) is cleared: no Set-Cookie noise on every answer.
    remove: (name) => {
      if (get(name) !== undefined) cookie[name]!.set({ ...attributes, value: "", maxAge: 0 });
    },
  };
}
