/**
 * One sign-in attempt, from "Continue with …" to the callback. Its secrets (state, PKCE
 * verifier, nonce) and intent (where to go next, which user is linking) live in the shared
 * store for ten minutes under a hash of the state; the browser holds the state itself in an
 * HttpOnly cookie, so the callback must come back to the browser that started it. The record
 * is claimed once: a replayed callback finds nothing.
 */
import { timingSafeEqual } from "node:crypto";
import type { Deps } from "../../deps";
import { hashToken } from "../auth/tokens";
import { OAuthFailure } from "./failure";
import { type FlowSecrets, newFlowSecrets, type ProviderProfile, providerClient } from "./protocol";

export const FLOW_TTL_SECONDS = 600;

export interface FlowIntent {
  /** A local path (already checked by the caller) to land on afterwards. */
  next: string;
  /** Set when a signed-in user links this provider instead of signing in. */
  linkUserId: string | null;
}

interface FlowRecord extends FlowSecrets, FlowIntent {
  provider: string;
}

const flowKey = (state: string) => `oauth:flow:${hashToken(state)}`;
const claimKey = (state: string) => `oauth:claimed:${hashToken(state)}`;

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Starts an attempt: the provider URL to send the browser to, and the state for its cookie. */
export async function beginFlow(deps: Deps, providerId: string, intent: FlowIntent): Promise<{ url: string; state: string }> {
  const client = providerClient(deps, providerId);
  if (!client) throw new OAuthFailure("unknown_provider");
  const secrets = newFlowSecrets(client.provider);
  const url = await client.authorizationUrl(secrets);
  const record: FlowRecord = { provider: providerId, ...secrets, ...intent };
  await deps.store.set(flowKey(secrets.state), JSON.stringify(record), FLOW_TTL_SECONDS * 1000);
  return { url: url.toString(), state: secrets.state };
}

/**
 * Finishes an attempt: the state must be the one this browser holds and still unclaimed; then
 * the code is redeemed and the profile verified. Returns the attempt's intent with the profile.
 */
export async function finishFlow(deps: Deps, providerId: string, cookieState: string | undefined, callback: URLSearchParams): Promise<{ intent: FlowIntent; profile: ProviderProfile }> {
  const client = providerClient(deps, providerId);
  if (!client) throw new OAuthFailure("unknown_provider");
  const state = callback.get("state");
  if (!state || !cookieState || !sameSecret(state, cookieState)) throw new OAuthFailure("state_mismatch");
  const raw = await deps.store.get(flowKey(state));
  // The claim is one atomic step: of two callbacks racing with one state, only the first goes on.
  if (!raw || (await deps.store.hit(claimKey(state), FLOW_TTL_SECONDS * 1000)).count !== 1) throw new OAuthFailure("state_expired");
  await deps.store.del(flowKey(state));
  const record = JSON.parse(raw) as FlowRecord;
  if (record.provider !== providerId) throw new OAuthFailure("state_mismatch");
  const profile = await client.profile(callback, record);
  return { intent: { next: record.next, linkUserId: record.linkUserId }, profile };
}
