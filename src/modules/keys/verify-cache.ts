/**
 * Verified access tokens, remembered until they expire so a busy client's every request does
 * not pay for an Ed25519 verification (tens of microseconds). Keyed by the signature; an entry
 * holds the signed part too, and a hit needs both to match, so a token with the signature of
 * another cannot borrow its verdict. Bounded: past `capacity`, the oldest entry goes.
 * Only the signature check is cached: revocation is still asked of the store on every request.
 */
import type { AccessClaims } from "../auth/tokens";

interface Entry {
  signingInput: string;
  claims: AccessClaims;
}

export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(signature: string, signingInput: string, nowSeconds: number): AccessClaims | undefined {
    const entry = this.entries.get(signature);
    if (!entry || entry.signingInput !== signingInput) return undefined;
    if (entry.claims.exp <= nowSeconds) {
      this.entries.delete(signature);
      return undefined;
    }
    return entry.claims;
  }

  set(signature: string, signingInput: string, claims: AccessClaims): void {
    if (this.capacity === 0) return;
    if (this.entries.size >= this.capacity && !this.entries.has(signature)) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(signature, { signingInput, claims });
  }
}
