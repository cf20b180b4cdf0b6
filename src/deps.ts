import type { Clock } from "./clock";
import type { Config } from "./config";
import type { Database } from "./db/client";
import type { Logger } from "./logger";
import type { Store } from "./store";

/** What the app is built from; index.ts opens the real ones, tests pass their own. */
export interface Deps {
  config: Config;
  database: Database;
  store: Store;
  clock: Clock;
  logger: Logger;
}
