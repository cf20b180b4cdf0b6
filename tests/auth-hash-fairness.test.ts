/**
 * Sign-in hashing under a flood: the Argon2 scheduler (src/modules/auth/hash-scheduler.ts) runs
 * at most one hash per core and gives the next slot to the least demanding client, so an honest
 * user is not queued behind many IPs flooding at their rate limits. Work here is fake (promises
 * the test settles) and time is a ManualClock: the order is asserted, never a duration.
 */
import { describe, expect, test } from "bun:test";
import { ManualClock } from "../src/clock";
import { HashQueueFull, HashScheduler, type HashSchedulerOptions } from "../src/modules/auth/hash-scheduler";

/** A scheduler whose jobs are fake hashes: each records when it starts and ends when `finish()` says. */
function harness(options: Partial<HashSchedulerOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const scheduler = new HashScheduler({ concurrency: 2, clock, ...options });
  const started: string[] = [];
  const pending: (() => void)[] = [];
  let running = 0;
  let peak = 0;
  const outcomes = new Map<string, "done" | "refused" | "failed">();
  const submit = (client: string, label = client, priority = false, fail = false) => {
    const result = scheduler.run({ client, priority }, async () => {
      started.push(label);
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => pending.push(resolve));
      running--;
      if (fail) throw new Error("hash failed");
      return label;
    });
    result.then(
      () => outcomes.set(label, "done"),
      (error) => outcomes.set(label, error instanceof HashQueueFull ? "refused" : "failed"),
    );
    return result;
  };
  /** Lets the oldest running job finish, then lets the scheduler start the next ones. */
  const finish = async (count = 1) => {
    for (let i = 0; i < count; i++) {
      pending.shift()?.();
      for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    }
  };
  return { clock, scheduler, started, submit, finish, outcomes, peak: () => peak };
}

describe("Argon2 scheduling", () => {
  test("never runs more hashes at once than its concurrency, and runs every job in the end", async () => {
    const h = harness({ concurrency: 2 });
    for (let i = 0; i < 10; i++) h.submit(`10.0.0.${i % 3}`, `job${i}`);
    expect(h.started.length).toBe(2);
    for (let i = 0; i < 10; i++) await h.finish();
    expect(h.peak()).toBe(2);
    expect(h.started.length).toBe(10);
    expect([...h.outcomes.values()].every((o) => o === "done")).toBe(true);
  });

  test("an honest user's first sign-in goes ahead of 200 flooding IPs' backlog", async () => {
    const h = harness({ concurrency: 2 });
    // 200 IPs, each at its per-IP limit of 10 sign-ins: 2,000 jobs waiting on 2 slots.
    for (let attempt = 0; attempt < 10; attempt++) for (let ip = 0; ip < 200; ip++) h.submit(`203.0.${ip >> 8}.${ip & 255}`, `flood-${ip}-${attempt}`);
    h.clock.advance(250);
    h.submit("198.51.100.7", "honest");
    expect(h.started).not.toContain("honest");
    await h.finish();
    // The first slot that frees up is the honest user's.
    expect(h.started[h.started.length - 1]).toBe("honest");
  });

  test("an honest user goes ahead of 200 IPs that each have one attempt waiting (they look alike: the newest goes first)", async () => {
    const h = harness({ concurrency: 2 });
    // 200 connections, one per IP: every IP has exactly one sign-in waiting, like the honest user.
    for (let ip = 0; ip < 202; ip++) h.submit(`10.77.0.${ip}`, `flood-${ip}`);
    h.clock.advance(250);
    h.submit("198.51.100.7", "honest");
    await h.finish();
    expect(h.started.at(-1)).toBe("honest");
  });

  test("a second attempt of the honest user still goes ahead of clients that keep flooding", async () => {
    const h = harness({ concurrency: 1 });
    for (let attempt = 0; attempt < 5; attempt++) for (const ip of ["a", "b", "c"]) h.submit(ip, `${ip}${attempt}`);
    h.submit("honest", "honest1");
    await h.finish();
    expect(h.started.at(-1)).toBe("honest1");
    h.submit("honest", "honest2");
    await h.finish();
    expect(h.started.at(-1)).toBe("honest2");
  });

  test("clients of equal demand: the newest goes first, and everyone is served in the end", async () => {
    const h = harness({ concurrency: 1 });
    h.submit("busy", "first");
    for (const ip of ["p", "q", "r", "s"]) h.submit(ip);
    for (let i = 0; i < 5; i++) await h.finish();
    expect(h.started).toEqual(["first", "s", "r", "q", "p"]);
  });

  test("a sign-in marked priority (a known device of the account) goes before everyone, newcomers included", async () => {
    const h = harness({ concurrency: 1 });
    h.submit("busy", "running");
    for (let i = 0; i < 20; i++) h.submit(`flood${i % 4}`, `flood${i}`);
    h.submit("newcomer", "newcomer");
    h.submit("flood0", "device", true);
    await h.finish();
    expect(h.started.at(-1)).toBe("device");
    await h.finish();
    expect(h.started.at(-1)).toBe("newcomer");
  });

  test("demand is forgotten over time: a client that flooded long ago is a newcomer again", async () => {
    const h = harness({ concurrency: 1, halfLifeMs: 60_000 });
    h.submit("old-flooder", "o0");
    for (let i = 1; i < 30; i++) h.submit("old-flooder", `o${i}`);
    for (let i = 0; i < 30; i++) await h.finish();
    h.clock.advance(30 * 60_000);
    h.submit("busy", "running");
    h.submit("other", "other");
    h.submit("other", "other2");
    h.submit("old-flooder", "returning");
    await h.finish();
    await h.finish();
    // "other" has two waiting; the old flooder's 30 sign-ins are forgotten after 30 half-lives,
    // so with one waiting it is the less demanding of the two and goes first.
    expect(h.started.slice(-2)).toEqual(["returning", "other2"]);
  });

  test("a full queue refuses the most demanding client's oldest job, not the newcomer's", async () => {
    const h = harness({ concurrency: 1, maxQueued: 5 });
    h.submit("busy", "running");
    for (let i = 0; i < 5; i++) h.submit("flooder", `f${i}`);
    h.submit("honest", "honest");
    await h.finish(0);
    expect(h.outcomes.get("f0")).toBe("refused");
    expect(h.outcomes.has("honest")).toBe(false);
    // More from the flooder only replaces its own oldest; the honest user's job stays.
    h.submit("flooder", "f5");
    await h.finish(0);
    expect(h.outcomes.get("f1")).toBe("refused");
    expect(h.outcomes.has("honest")).toBe(false);
    await h.finish();
    expect(h.started.at(-1)).toBe("honest");
    for (let i = 0; i < 4; i++) await h.finish();
    expect(h.started.slice(2)).toEqual(["f5", "f4", "f3", "f2"]);
  });

  test("a priority job is never refused to make room for an ordinary one", async () => {
    const h = harness({ concurrency: 1, maxQueued: 2 });
    h.submit("busy", "running");
    h.submit("known-device", "device1", true);
    h.submit("known-device", "device2", true);
    h.submit("newcomer", "newcomer");
    await h.finish(0);
    expect(h.outcomes.get("newcomer")).toBe("refused");
    expect(h.outcomes.has("device1")).toBe(false);
    expect(h.outcomes.has("device2")).toBe(false);
  });

  test("a job that waited longer than the limit is refused instead of run", async () => {
    const h = harness({ concurrency: 1, maxWaitMs: 10_000 });
    h.submit("busy", "running");
    h.submit("slow", "stale");
    h.clock.advance(10_001);
    h.submit("fresh", "fresh");
    await h.finish();
    expect(h.outcomes.get("stale")).toBe("refused");
    expect(h.started).toEqual(["running", "fresh"]);
  });

  test("a hash that fails frees its slot and reports its own error", async () => {
    const h = harness({ concurrency: 1 });
    h.submit("a", "broken", false, true);
    h.submit("b", "next");
    await h.finish();
    expect(h.outcomes.get("broken")).toBe("failed");
    expect(h.started).toEqual(["broken", "next"]);
    await h.finish();
    expect(h.scheduler.stats).toEqual({ running: 0, queued: 0 });
  });
});
