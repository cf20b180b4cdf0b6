/**
 * Who gets the next Argon2 slot. Argon2 is the one expensive thing an anonymous client can make
 * us do, so at most `concurrency` hashes run at once (one per core) and the queue in front of
 * them is ordered so that a flood from many clients cannot starve an honest one:
 *
 * - Jobs marked `priority` (a sign-in carrying a valid device cookie of the account) go before
 *   every other job.
 * - Otherwise the least demanding client goes first. A client's demand is its jobs waiting or
 *   running now plus its earlier ones, forgotten with a half-life (`halfLifeMs`): an IP that keeps
 *   signing in has a high demand, an honest user's first attempt has 1.
 * - Between clients of equal demand the newest job goes first. Under overload that is what keeps
 *   a newcomer from waiting behind a whole flood of clients it cannot yet be told apart from (each
 *   of 200 flooding IPs with one attempt waiting looks exactly like the honest user); the oldest
 *   waiters are also the likeliest to have given up.
 * - The queue is bounded: when it is full, the worst waiting job (highest demand, then oldest) is
 *   refused, or the newcomer when it is no better; a job that waited longer than `maxWaitMs` is
 *   refused instead of run. Refusals reject with `HashQueueFull`, answered as 429 with Retry-After.
 *
 * No HTTP and no timers here; time comes from the injected clock, so tests drive it by hand.
 */
import type { Clock } from "../../clock";

export class HashQueueFull extends Error {
  override name = "HashQueueFull";
  constructor(readonly retryAfterSeconds: number) {
    super("Too many password checks are waiting; try again shortly");
  }
}

export interface HashTurn {
  /** Whose turn this is: the client IP for sign-ins. */
  client: string;
  /** A sign-in carrying a valid device cookie of the account. */
  priority?: boolean;
}

export interface HashSchedulerOptions {
  concurrency: number;
  clock: Clock;
  /** Jobs waiting at most; beyond, the worst waiting job is refused. */
  maxQueued?: number;
  /** A job that waited this long is refused instead of run. */
  maxWaitMs?: number;
  /** How fast a client's earlier jobs are forgotten. */
  halfLifeMs?: number;
}

interface Job {
  client: string;
  priority: boolean;
  seq: number;
  queuedAt: number;
  start: () => void;
  refuse: (error: Error) => void;
}

type Rank = Pick<Job, "priority" | "seq">;

interface ClientState {
  /** Jobs waiting or running. */
  active: number;
  /** Earlier jobs, decayed to `at`. */
  past: number;
  at: number;
}

// A client's priority jobs wait in a queue of their own, not behind its other jobs.
const queueKey = (client: string, priority: boolean) => (priority ? `priority:${client}` : `client:${client}`);

export class HashScheduler {
  readonly concurrency: number;
  private readonly clock: Clock;
  private readonly maxQueued: number;
  private readonly maxWaitMs: number;
  private readonly halfLifeMs: number;
  private readonly queues = new Map<string, Job[]>();
  private readonly clients = new Map<string, ClientState>();
  private running = 0;
  private queued = 0;
  private seq = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private forgetAbove: number;

  constructor(options: HashSchedulerOptions) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency));
    this.clock = options.clock;
    this.maxQueued = options.maxQueued ?? 1024;
    this.maxWaitMs = options.maxWaitMs ?? 20_000;
    this.halfLifeMs = options.halfLifeMs ?? 60_000;
    this.forgetAbove = 4 * this.maxQueued;
  }

  /** Hashes running and waiting now. */
  get stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.queued };
  }

  /** Runs `work` when its turn comes; rejects with HashQueueFull when refused. */
  run<T>(turn: HashTurn, work: () => Promise<T>): Promise<T> {
    const now = this.clock.now();
    const priority = turn.priority === true;
    const state = this.enter(turn.client, now);
    if (this.running < this.concurrency && this.queued === 0) return this.execute(turn.client, work);
    this.sweep(now);
    if (this.queued >= this.maxQueued && !this.makeRoom({ priority, seq: this.seq }, this.demand(state, now), now)) {
      this.leave(turn.client, now);
      return Promise.reject(new HashQueueFull(this.retryAfter()));
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        client: turn.client,
        priority,
        seq: this.seq++,
        queuedAt: now,
        start: () => this.execute(turn.client, work).then(resolve, reject),
        refuse: reject,
      };
      const key = queueKey(job.client, priority);
      const queue = this.queues.get(key);
      if (queue) queue.push(job);
      else this.queues.set(key, [job]);
      this.queued++;
      this.dispatch();
    });
  }

  private async execute<T>(client: string, work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.leave(client, this.clock.now());
      this.dispatch();
    }
  }

  private dispatch(): void {
    while (this.running < this.concurrency && this.queued > 0) {
      const now = this.clock.now();
      const job = this.take(now);
      if (now - job.queuedAt > this.maxWaitMs) this.refuse(job, now);
      else job.start();
    }
  }

  /** Removes and returns the next job: priority first, then least demand, then newest (each queue's newest is its best). */
  private take(now: number): Job {
    let best: { queue: Job[]; demand: number } | undefined;
    for (const queue of this.queues.values()) {
      const demand = this.demand(this.clients.get(queue[0]!.client)!, now);
      if (!best || this.before(queue[queue.length - 1]!, demand, best.queue[best.queue.length - 1]!, best.demand)) best = { queue, demand };
    }
    const job = best!.queue.pop()!;
    if (best!.queue.length === 0) this.queues.delete(queueKey(job.client, job.priority));
    this.queued--;
    return job;
  }

  private before(a: Rank, demandA: number, b: Rank, demandB: number): boolean {
    if (a.priority !== b.priority) return a.priority;
    if (demandA !== demandB) return demandA < demandB;
    return a.seq > b.seq;
  }

  /** Refuses the worst waiting job (each queue's oldest is its worst) if the newcomer ranks before it. */
  private makeRoom(newcomer: Rank, newcomerDemand: number, now: number): boolean {
    let worst: { queue: Job[]; demand: number } | undefined;
    for (const queue of this.queues.values()) {
      const demand = this.demand(this.clients.get(queue[0]!.client)!, now);
      if (!worst || this.before(worst.queue[0]!, worst.demand, queue[0]!, demand)) worst = { queue, demand };
    }
    if (!worst || !this.before(newcomer, newcomerDemand, worst.queue[0]!, worst.demand)) return false;
    const victim = worst.queue.shift()!;
    if (worst.queue.length === 0) this.queues.delete(queueKey(victim.client, victim.priority));
    this.queued--;
    this.refuse(victim, now);
    return true;
  }

  /** At most once a second: refuses every job that has waited too long, wherever it is queued. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [key, queue] of this.queues) {
      while (queue.length > 0 && now - queue[0]!.queuedAt > this.maxWaitMs) {
        this.queued--;
        this.refuse(queue.shift()!, now);
      }
      if (queue.length === 0) this.queues.delete(key);
    }
  }

  private refuse(job: Job, now: number): void {
    this.leave(job.client, now);
    job.refuse(new HashQueueFull(this.retryAfter()));
  }

  private enter(client: string, now: number): ClientState {
    let state = this.clients.get(client);
    if (!state) {
      if (this.clients.size >= this.forgetAbove) {
        this.forget(now);
        this.forgetAbove = Math.max(4 * this.maxQueued, 2 * this.clients.size);
      }
      state = { active: 0, past: 0, at: now };
      this.clients.set(client, state);
    }
    state.active++;
    return state;
  }

  /** A job ran or was refused: it moves from the client's active jobs to its past ones. */
  private leave(client: string, now: number): void {
    const state = this.clients.get(client);
    if (!state) return;
    state.active--;
    state.past = this.decayed(state, now) + 1;
    state.at = now;
  }

  private decayed(state: ClientState, now: number): number {
    return state.past * 2 ** (-(now - state.at) / this.halfLifeMs);
  }

  private demand(state: ClientState, now: number): number {
    return state.active + this.decayed(state, now);
  }

  /** Drops idle clients whose past has all but decayed (bounds the map under many IPs). */
  private forget(now: number): void {
    for (const [client, state] of this.clients) {
      if (state.active === 0 && this.decayed(state, now) < 0.5) this.clients.delete(client);
    }
  }

  private retryAfter(): number {
    return Math.max(1, Math.ceil(this.maxWaitMs / 1000));
  }
}
