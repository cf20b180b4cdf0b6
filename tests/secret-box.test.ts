import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { openSecret, SealedSecretError, sealSecret } from "../src/crypto/secret-box";

const key = randomBytes(32);

describe("secrets at rest", () => {
  test("a sealed secret opens with the same key and context, and never shows the plaintext", () => {
    const sealed = sealSecret(key, "JBSWY3DPEHPK3PXP", "totp:user-1");
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    expect(new TextDecoder().decode(openSecret(key, sealed, "totp:user-1"))).toBe("JBSWY3DPEHPK3PXP");
  });

  test("the same secret sealed twice looks different (fresh nonce each time)", () => {
    expect(sealSecret(key, "same", "c")).not.toBe(sealSecret(key, "same", "c"));
  });

  test("another key, another context or one flipped bit refuses to open", () => {
    const sealed = sealSecret(key, "secret", "totp:user-1");
    expect(() => openSecret(randomBytes(32), sealed, "totp:user-1")).toThrow(SealedSecretError);
    expect(() => openSecret(key, sealed, "totp:user-2")).toThrow(SealedSecretError);
    const body = sealed.split(".")[2]!;
    const flipped = `${body[0] === "A" ? "B" : "A"}${body.slice(1)}`;
    expect(() => openSecret(key, sealed.replace(body, flipped), "totp:user-1")).toThrow(SealedSecretError);
    expect(() => openSecret(key, "garbage", "totp:user-1")).toThrow(SealedSecretError);
  });
});
