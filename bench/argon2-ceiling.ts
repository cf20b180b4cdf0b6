/**
 * One Argon2 worker for the ceiling measurement: verifies the password against the hash
 * (Argon2id at the configured cost, exactly what a sign-in costs) in a tight synchronous loop
 * for BENCH_SECONDS and prints {"verifications": n, "seconds": s, "cpuSeconds": c}. bench/run.ts starts one per
 * core at once, so the sum is the machine's hashes per second on all cores.
 */
const hash = process.env.BENCH_HASH!;
const password = process.env.BENCH_PASSWORD!;
const seconds = Number(process.env.BENCH_SECONDS ?? 5);

Bun.password.verifySync(password, hash); // allocate the memory once before timing
let verifications = 0;
const started = performance.now();
const cpuStarted = process.cpuUsage();
const until = started + seconds * 1000;
while (performance.now() < until) {
  if (!Bun.password.verifySync(password, hash)) throw new Error("the bench hash does not verify");
  verifications++;
}
const cpu = process.cpuUsage(cpuStarted);
console.log(JSON.stringify({ verifications, seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
