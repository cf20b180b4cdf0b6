/**
 * What the drivers' errors mean, known here and nowhere else. Bun.SQL puts its own
 * ERR_POSTGRES_* in `code` and the server's SQLSTATE in `errno`; PGlite puts the SQLSTATE in
 * `code`; either may wrap the real error in `cause` (Drizzle does).
 */

/** Connection failures mean "try later", not "we broke". */
const UNAVAILABLE_CODES = new Set(["ERR_POSTGRES_CONNECTION_CLOSED", "ERR_POSTGRES_CONNECTION_TIMEOUT", "ERR_POSTGRES_CONNECTION_REFUSED", "ERR_POSTGRES_IDLE_TIMEOUT", "ERR_POSTGRES_LIFETIME_TIMEOUT", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "CONNECT_TIMEOUT", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "57P01", "57P03"]);
const UNIQUE_VIOLATION = "23505";

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    for (const code of [(current as { code?: unknown }).code, (current as { errno?: unknown }).errno]) if (typeof code === "string") codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

export const isDatabaseUnavailable = (error: unknown) => codesOf(error).some((code) => UNAVAILABLE_CODES.has(code) || code.startsWith("08"));

/** A unique index refused the write (two sign-ups racing for one name: the index decides). */
export const isUniqueViolation = (error: unknown) => codesOf(error).includes(UNIQUE_VIOLATION);
