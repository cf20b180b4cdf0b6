import type { Background } from "./background";
import type { Clock } from "./clock";
import type { Config } from "./config";
import type { Database } from "./db/client";
import type { Logger } from "./logger";
import type { Mailer } from "./mail/mailer";
import type { Metrics } from "./metrics";
import type { AccessTokens } from "./modules/keys/access-tokens";
import type { AccountCache } from "./modules/users/account-cache";
import type { Store } from "./store";
import type { Tracing } from "./tracing";

/** What the app is built from; index.ts opens the real ones, tests pass their own. */
export interface Deps {
  config: Config;
  database: Database;
  store: Store;
  clock: Clock;
  logger: Logger;
  mailer: Mailer;
  /** Work that runs after the response (mail); shutdown waits for it. */
  background: Background;
  metrics: Metrics;
  /** Signs and verifies access tokens (EdDSA keys from the database, or HS256). */
  accessTokens: AccessTokens;
  /** This instance's copies of signed-in users' rows, checked against the store on every request. */
  accounts: AccountCache;
  /** Set when OTEL_EXPORTER_OTLP_ENDPOINT is: spans per request, query and store call. */
  tracing?: Tracing;
}
