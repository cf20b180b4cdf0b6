/**
 * The audit log reads as sentences (docs/admin.md): every action the app records has its own,
 * naming the people in it, instead of the fallback "ada — mfa enabled".
 */
import { describe, expect, test } from "bun:test";
import type { AuditEvent } from "../src/db/schema";
import type { AuditNames } from "../src/modules/admin/names";
import { AUDIT_ACTIONS } from "../src/modules/audit/service";
import { sentenceText } from "../src/web/pages/audit-sentence";

const ada = "00000000-0000-4000-8000-00000000000a";
const bob = "00000000-0000-4000-8000-00000000000b";
const names: AuditNames = new Map([
  [ada, { name: "ada", deleted: false }],
  [bob, { name: "bob", deleted: false }],
]);
const event = (action: string, details: Record<string, unknown> = {}, actorId: string | null = ada, targetId: string | null = ada): AuditEvent => ({
  id: crypto.randomUUID(),
  action,
  actorId,
  targetId,
  ip: "10.1.2.3",
  userAgent: null,
  details,
  createdAt: new Date("2026-12-01T12:00:00Z"),
});

describe("audit sentences", () => {
  test("every recorded action has a sentence of its own", () => {
    const fallbacks = AUDIT_ACTIONS.filter((action) => sentenceText(event(action), names).includes(" — "));
    expect(fallbacks).toEqual([]);
  });

  test("second factors and passkeys read as what happened", () => {
    expect(sentenceText(event("mfa_enabled", { method: "totp" }), names)).toBe("ada set up an authenticator app as a second factor");
    expect(sentenceText(event("recovery_code_used", { remaining: 9, during: "sign_in" }), names)).toBe("ada used a recovery code while signing in (9 left)");
    expect(sentenceText(event("mfa_failed", { method: "totp", during: "sign_in" }, null, bob), names)).toBe("A second-factor check of bob with an authenticator app failed while signing in");
    expect(sentenceText(event("mfa_reset_by_admin", {}, ada, bob), names)).toBe("ada reset the second factors of bob");
    expect(sentenceText(event("passkey_added", { name: "Phone" }), names)).toBe("ada added the passkey “Phone”");
  });

  test("an action an older version recorded still reads, in the fallback form", () => {
    expect(sentenceText(event("retired_action", {}, ada, bob), names)).toBe("ada — retired action — bob");
  });
});
