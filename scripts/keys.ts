/**
 * Operator commands for the access-token signing keys (JWT_ALG=EdDSA):
 *   bun run keys list      the keys and their schedule
 *   bun run keys rotate    the next key signs as soon as it has been published for 10 minutes
 * Same configuration as the server (DATABASE_URL, or the embedded database in DATA_DIR,
 * ENCRYPTION_KEY). Running instances pick the change up within a minute, without a restart.
 */
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/client";
import { loadSigningKeys, maintainSigningKeys, rotateSigningKeys, schedule } from "../src/modules/keys/service";

const USAGE = "usage: bun run keys list | rotate";

async function main(): Promise<number> {
  const command = Bun.argv[2];
  if (command !== "list" && command !== "rotate") {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  if (config.jwtAlg !== "EdDSA") {
    console.error("keys: JWT_ALG is HS256; access tokens are signed with JWT_SECRET and there are no keys to manage");
    return 1;
  }
  const database = await openDatabase(config);
  try {
    await database.migrate();
    const now = Date.now();
    if (command === "rotate") {
      const result = await rotateSigningKeys(database.db, config, now);
      console.log(`rotated: key ${result.kid} signs from ${result.activatesAt.toISOString()}; next key ${result.nextKid} is published`);
      return 0;
    }
    await maintainSigningKeys(database.db, config, now);
    const { current, keys } = schedule(await loadSigningKeys(database.db), now, config);
    for (const key of keys) {
      const state = key === current ? "signing" : key.row.activatesAt.getTime() > now ? "next" : "retired";
      const until = Number.isFinite(key.publishedUntil) ? ` published until ${new Date(key.publishedUntil).toISOString()}` : "";
      console.log(`${key.row.kid}  ${state.padEnd(7)}  activates ${key.row.activatesAt.toISOString()}${until}`);
    }
    return 0;
  } finally {
    await database.close();
  }
}

process.exit(await main());
