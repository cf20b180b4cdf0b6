import { afterAll, describe, expect, test } from "bun:test";
import { ManualClock } from "../src/clock";
import { MemoryStore } from "../src/store/memory";
import { RedisStore } from "../src/store/redis";
import type { Store } from "../src/store";
import { StoreUnavailableError } from "../src/store";

// One contract, two implementations. Redis runs when REDIS_URL is set (CI sets it in one pass).
const redisUrl = process.env.REDIS_URL;

interface Subject {
  store: Store;
  /** Let time pass: the manual clock for memory, real time for Redis. */
  wait(ms: number): Promise<void>;
}

const subjects: [string, () => Promise<Subject>][] = [
  [
    "memory",
    async () => {
      const clock = new ManualClock();
      return { store: new MemoryStore(clock), wait: async (ms) => clock.advance(ms) };
    },
  ],
];
if (redisUrl) {
  subjects.push([
    "redis",
    async () => {
      const store = new RedisStore({ url: redisUrl, prefix: `cobalt_contract_${crypto.randomUUID()}:` });
      await store.connect(5000);
      return { store, wait: (ms) => Bun.sleep(ms) };
    },
  ]);
}

for (const [name, make] of subjects) {
  describe(`store contract: ${name}`, async () => {
    const { store, wait } = await make();
    afterAll(async () => {
      if (store instanceof RedisStore) await store.clearPrefix();
      await store.close();
    });

    test("a value set with a TTL is readable until it expires", async () => {
      await store.set("k1", "v1", 150);
      expect(await store.get("k1")).toBe("v1");
      await wait(250);
      expect(await store.get("k1")).toBeNull();
    });

    test("anyExists is true when one of several keys exists, false when none do", async () => {
      await store.set("a", "1", 10_000);
      expect(await store.anyExists(["x", "y", "a"])).toBe(true);
      expect(await store.anyExists(["x", "y"])).toBe(false);
      expect(await store.anyExists([])).toBe(false);
    });

    test("getMany answers each key's value, null where absent, in order", async () => {
      await store.set("m1", "one", 10_000);
      await store.set("m3", "three", 10_000);
      expect(await store.getMany(["m1", "m2", "m3"])).toEqual(["one", null, "three"]);
      expect(await store.getMany([])).toEqual([]);
    });

    test("del removes keys and ignores missing ones", async () => {
      await store.set("d1", "1", 10_000);
      await store.set("d2", "1", 10_000);
      await store.del("d1", "d2", "missing");
      expect(await store.anyExists(["d1", "d2"])).toBe(false);
    });

    test("take returns a value once: of many concurrent takers exactly one gets it, and an expired key gives nothing", async () => {
      await store.set("once", "v", 10_000);
      const taken = await Promise.all(Array.from({ length: 20 }, () => store.take("once")));
      expect(taken.filter((value) => value === "v")).toHaveLength(1);
      expect(taken.filter((value) => value === null)).toHaveLength(19);
      await store.set("brief", "v", 100);
      await wait(200);
      expect(await store.take("brief")).toBeNull();
    });

    test("hit counts within a window and starts over after it", async () => {
      const first = await store.hit("rl", 200);
      expect(first.count).toBe(1);
      expect(first.resetMs).toBeGreaterThan(0);
      expect(first.resetMs).toBeLessThanOrEqual(200);
      expect((await store.hit("rl", 200)).count).toBe(2);
      expect((await store.hit("rl", 200)).count).toBe(3);
      await wait(300);
      expect((await store.hit("rl", 200)).count).toBe(1);
    });

    test("concurrent hits are all counted exactly once", async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => store.hit("burst", 10_000)));
      const counts = results.map((r) => r.count).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    test("ping answers when the store is up", async () => {
      await store.ping();
    });
  });
}

describe("redis store when Redis is unreachable", () => {
  test("operations fail fast with StoreUnavailableError instead of hanging", async () => {
    const store = new RedisStore({ url: "redis://127.0.0.1:1", prefix: "nowhere:" });
    const started = performance.now();
    await store.connect(300);
    await expect(store.anyExists(["a"])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.getMany(["a"])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.hit("a", 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.ping(200)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(performance.now() - started).toBeLessThan(3000);
    await store.close();
  });
});

describe("redis store when Redis stops answering", () => {
  // A server that speaks just enough RESP to let the client connect (+OK to everything), then
  // goes silent: a command must fail with StoreUnavailableError after the command timeout.
  test("a command without an answer fails after commandTimeoutMs", async () => {
    let silent = false;
    const server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket, data) {
          if (silent) return;
          const commands = data.toString().split("\r\n").filter((line) => line.startsWith("*")).length;
          socket.write("+OK\r\n".repeat(Math.max(1, commands)));
        },
      },
    });
    const store = new RedisStore({ url: `redis://127.0.0.1:${server.port}`, prefix: "silent:", commandTimeoutMs: 200 });
    try {
      await store.connect(2000);
      silent = true;
      const started = performance.now();
      await expect(store.getMany(["a", "b"])).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.anyExists(["a"])).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      server.stop(true);
      await store.close().catch(() => {});
    }
  });
});
