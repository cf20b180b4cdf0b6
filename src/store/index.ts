import type { Config } from "../config";
import type { Logger } from "../logger";
import { MemoryStore } from "./memory";
import { RedisStore } from "./redis";
import type { Store } from "./types";

export type { HitResult, Store } from "./types";
export { StoreUnavailableError } from "./types";

/** Redis when REDIS_URL is set, the in-process store when not; never decided by probing. */
export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (!config.redisUrl) return new MemoryStore();
  const store = new RedisStore({ url: config.redisUrl, logger });
  await store.connect();
  return store;
}
