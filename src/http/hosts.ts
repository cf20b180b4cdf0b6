/**
 * Which Host a request may name (docs/security.md "Hosts"): a request whose Host is missing,
 * unparseable or not in ALLOWED_HOSTS gets 421 before any route runs. This is what stops DNS
 * rebinding from reaching a developer's instance, and what keeps an odd Host from shaping the
 * URL the router reads.
 */
import { Elysia } from "elysia";
import type { Config } from "../config";
import { AppError } from "../errors";
import { requestMeta } from "./context";
import { isLoopbackAddress, parseHostHeader } from "./host-header";

export const invalidHost = () => new AppError("invalid_host");

/** A matcher over the configured entries: a bare name allows any port, name:port only that one. */
export function hostMatcher(allowed: string[]): (header: string | null) => boolean {
  const anyPort = new Set(allowed.filter((entry) => !/:\d+$/.test(entry)));
  const exact = new Set(allowed.filter((entry) => /:\d+$/.test(entry)));
  // A deployment sees a handful of Host values: each is parsed once. Only allowed ones are
  // remembered (a scanner's made-up names must not grow the map), and at most 64 of them.
  const allowedSeen = new Set<string>();
  return (header) => {
    if (header === null) return false;
    if (allowedSeen.has(header)) return true;
    const parsed = parseHostHeader(header);
    if (!parsed) return false;
    const ok = anyPort.has(parsed.name) || (parsed.port !== null && exact.has(`${parsed.name}:${parsed.port}`));
    if (ok && allowedSeen.size < 64) allowedSeen.add(header);
    return ok;
  };
}

export function hostGuard(config: Pick<Config, "allowedHosts">) {
  const allowed = hostMatcher(config.allowedHosts);
  return new Elysia({ name: "host-guard" }).onRequest(({ request }) => {
    if (!allowed(request.headers.get("host"))) throw invalidHost();
  });
}

/** Headers a proxy adds: a request carrying one did not come straight from this machine. */
const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip", "x-forwarded-host"];

/**
 * True when the TCP peer is on this machine and no proxy forwarded the request: a local
 * proxy's loopback connection stands for someone else, so it does not count.
 */
export function isLocalRequest(request: Request): boolean {
  if (!isLoopbackAddress(requestMeta(request)?.peer)) return false;
  return !FORWARDING_HEADERS.some((name) => request.headers.has(name));
}
