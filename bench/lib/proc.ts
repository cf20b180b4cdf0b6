/** Child processes for the benchmark: start a server, time it to its first answer, read its RSS and CPU, stop it. */
import { openSync, closeSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";

export interface ServerProcess {
  name: string;
  url: string;
  port: number;
  pid: number;
  proc: Subprocess;
  logFile: string | null;
  /** Milliseconds from spawn to the first HTTP answer on the health path. */
  startupMs: number;
  firstStatus: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  cmd: string[];
  env: Record<string, string | undefined>;
  port: number;
  cwd: string;
  /** Where stdout and stderr go; null discards them (the request log at 30k lines a second). */
  logFile: string | null;
  healthPath?: string;
  timeoutMs?: number;
}

export async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

function tail(file: string | null): string {
  if (!file) return "(output discarded)";
  try {
    return readFileSync(file, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "(no output)";
  }
}

const running = new Set<Subprocess>();

/** Kills every child still running (used on the way out, also after a failure). */
export function killAll(): void {
  for (const proc of running) {
    try {
      proc.kill("SIGKILL");
    } catch {}
  }
  running.clear();
}

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const healthPath = options.healthPath ?? "/health";
  const url = `http://127.0.0.1:${options.port}`;
  const fd = options.logFile ? openSync(options.logFile, "a") : null;
  const started = performance.now();
  const proc = Bun.spawn(options.cmd, {
    cwd: options.cwd,
    env: options.env as Record<string, string>,
    stdin: "ignore",
    stdout: fd ?? "ignore",
    stderr: fd ?? "ignore",
  });
  if (fd !== null) closeSync(fd);
  running.add(proc);
  const deadline = started + (options.timeoutMs ?? 60_000);
  let firstStatus = 0;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      running.delete(proc);
      throw new Error(`${options.name} exited during start-up (code ${proc.exitCode}):\n${tail(options.logFile)}`);
    }
    try {
      const response = await fetch(url + healthPath, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      firstStatus = response.status;
      break;
    } catch {
      await Bun.sleep(5);
    }
  }
  const startupMs = performance.now() - started;
  if (firstStatus === 0) {
    proc.kill("SIGKILL");
    running.delete(proc);
    throw new Error(`${options.name} did not answer ${healthPath} within ${options.timeoutMs ?? 60_000} ms:\n${tail(options.logFile)}`);
  }
  return {
    name: options.name,
    url,
    port: options.port,
    pid: proc.pid,
    proc,
    logFile: options.logFile,
    startupMs,
    firstStatus,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(15_000).then(() => false)]);
        if (!exited) proc.kill("SIGKILL");
        await proc.exited;
      }
      running.delete(proc);
    },
  };
}

/** Resident memory in MB (VmRSS from /proc/<pid>/status), null when unavailable. */
export function rssMb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

/** utime + stime of a process in clock ticks (100 a second on Linux). */
export function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Waits until the process uses less than a tenth of a core (e.g. queued Argon2 work after a login run). */
export async function waitIdle(pid: number, maxMs = 30_000): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  let last = cpuTicks(pid);
  while (performance.now() - started < maxMs && last !== null) {
    await Bun.sleep(250);
    const now = cpuTicks(pid);
    if (now === null) break;
    quiet = now - last <= 3 ? quiet + 1 : 0;
    last = now;
    if (quiet >= 2) break;
  }
  return performance.now() - started;
}
