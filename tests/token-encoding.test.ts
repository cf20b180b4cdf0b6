/**
 * Access tokens are accepted only in canonical base64url (docs/security.md, "Tokens"): no
 * padding, no `+` or `/`, no characters the decoder would skip, no set unused bits in a
 * segment's last character. Node's decoder reads all of these as the same bytes, so each
 * variant below would carry a genuine signature. HS256 variants are signed with the real secret
 * (the segment is what was signed, so only the encoding rule can refuse them); EdDSA ones reuse
 * a genuine signature.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { canonicalBase64url } from "../src/modules/auth/tokens";
import { startTestApp, TEST_ENV, type TestApp } from "./helpers/app";
import { expectError, me, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { registerUser } from "./helpers/users";

const SECRET = TEST_ENV.JWT_SECRET!;
let hs: TestApp;
let ed: TestApp;
beforeAll(async () => {
  hs = await startTestApp({ env: { ...RELAXED_LIMITS, JWT_ALG: "HS256" } });
  ed = await startTestApp({ env: { ...RELAXED_LIMITS, JWT_ALG: "EdDSA" } });
}, START_TIMEOUT_MS);
afterAll(async () => {
  await hs?.stop();
  await ed?.stop();
});

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The same bytes, spelled otherwise: what a lenient decoder accepts. Empty entries are dropped. */
function spellings(segment: string): Record<string, string> {
  const out: Record<string, string> = {
    "padding": `${segment}${"=".repeat((4 - (segment.length % 4)) % 4 || 2)}`,
    "a trailing skipped character": `${segment}!`,
    "a space inside": `${segment.slice(0, 4)} ${segment.slice(4)}`,
    "a skipped character inside": `${segment.slice(0, 4)}*${segment.slice(4)}`,
    "standard alphabet": segment.replaceAll("-", "+").replaceAll("_", "/"),
  };
  // The last character's unused low bits (there are some unless the length is a multiple of 4).
  const unused = [0, 0, 4, 2][segment.length % 4]!;
  if (unused > 0) {
    const index = B64.indexOf(segment.at(-1)!);
    out["set unused bits"] = segment.slice(0, -1) + B64[index + 1]!;
  }
  if (out["standard alphabet"] === segment) delete out["standard alphabet"];
  return out;
}

const hmac = (input: string) => createHmac("sha256", SECRET).update(input).digest("base64url");

describe("canonical base64url", () => {
  test("the decoder's lenient spellings all decode to the same bytes, and only the canonical one is taken", () => {
    for (const segment of ["eyJhbGciOiJIUzI1NiJ9", "YWJj", "YWI", "YQ", "-_-_aQ", ""]) {
      expect(canonicalBase64url(segment)?.toString("base64url")).toBe(segment);
      for (const [name, variant] of Object.entries(spellings(segment))) {
        if (segment === "" && name !== "padding") continue;
        expect({ name, accepted: canonicalBase64url(variant) !== null }).toEqual({ name, accepted: false });
      }
    }
    expect(canonicalBase64url("A")).toBeNull();
  });
});

describe("HS256 access tokens in any other spelling get 401", () => {
  test("signature, payload and header variants, each signed with the real secret", async () => {
    let refused = 0;
    // Several users, so the segments end on different characters and some carry - or _.
    for (let round = 0; round < 4; round++) {
      const user = await registerUser(hs);
      const [header, payload, signature] = user.accessToken.split(".") as [string, string, string];
      expect((await me(hs, user.accessToken)).status).toBe(200);
      for (const [name, sig] of Object.entries(spellings(signature))) {
        const response = await me(hs, `${header}.${payload}.${sig}`);
        expect({ part: "signature", name, status: response.status }).toEqual({ part: "signature", name, status: 401 });
        expectError(response, 401, "invalid_token");
        refused++;
      }
      for (const [part, index] of [["header", 0], ["payload", 1]] as const) {
        for (const [name, variant] of Object.entries(spellings([header, payload][index]!))) {
          const segments = [header, payload];
          segments[index] = variant;
          const input = segments.join(".");
          const response = await me(hs, `${input}.${hmac(input)}`);
          expect({ part, name, status: response.status }).toEqual({ part, name, status: 401 });
          refused++;
        }
      }
      // The canonical token re-signed the same way is accepted: the refusals are about the spelling.
      expect((await me(hs, `${header}.${payload}.${hmac(`${header}.${payload}`)}`)).status).toBe(200);
    }
    expect(refused).toBeGreaterThan(40);
  });
});

describe("EdDSA access tokens in any other spelling get 401", () => {
  test("signature and payload variants with the genuine signature", async () => {
    for (let round = 0; round < 3; round++) {
      const user = await registerUser(ed);
      const [header, payload, signature] = user.accessToken.split(".") as [string, string, string];
      for (const [name, sig] of Object.entries(spellings(signature))) {
        expect({ name, status: (await me(ed, `${header}.${payload}.${sig}`)).status }).toEqual({ name, status: 401 });
      }
      for (const [name, variant] of Object.entries(spellings(payload))) {
        expect({ name, status: (await me(ed, `${header}.${variant}.${signature}`)).status }).toEqual({ name, status: 401 });
      }
      expect((await me(ed, user.accessToken)).status).toBe(200);
    }
  });
});
