/**
 * One worker for better-auth's hash ceiling: verifies a password against a hash made by
 * better-auth's own hashPassword (scrypt, its default cost), one at a time for BENCH_SECONDS,
 * and prints {"verifications": n, "seconds": s, "cpuSeconds": c}. bench/run.ts starts one per
 * core, as for Cobalt's Argon2 ceiling.
 */
import { hashPassword, verifyPassword } from "better-auth/crypto";

const password = process.env.BENCH_PASSWORD!;
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const hash = await hashPassword(password);

await verifyPassword({ hash, password });
let verifications = 0;
const started = performance.now();
const cpuStarted = process.cpuUsage();
const until = started + seconds * 1000;
while (performance.now() < until) {
  if (!(await verifyPassword({ hash, password }))) throw new Error("better-auth's hash does not verify");
  verifications++;
}
const cpu = process.cpuUsage(cpuStarted);
console.log(JSON.stringify({ verifications, seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
