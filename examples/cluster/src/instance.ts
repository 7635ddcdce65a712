// One instance of the API, in its own process (as each replica of your service would be).
// Env: INSTANCE_NAME, PORT (0: any free port), UNKEY_ROOT_KEY, UNKEY_BASE_URL (optional),
// REDIS_URL, KEYGUARD_CACHE_SECRET. Started by cluster.ts, or by hand.
import type { AddressInfo } from "node:net";
import { createInstance } from "./app";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const instance = createInstance({
  name: process.env.INSTANCE_NAME ?? `pid ${process.pid}`,
  rootKey: required("UNKEY_ROOT_KEY"),
  baseUrl: process.env.UNKEY_BASE_URL || undefined,
  redisUrl: required("REDIS_URL"),
  secret: required("KEYGUARD_CACHE_SECRET"),
});
// Opt-in start-up check: a replica with a wrong UNKEY_ROOT_KEY or UNKEY_BASE_URL exits here,
// with the fix, instead of joining the cluster and answering 500 or 503.
await instance.verifier.check().catch(async (error: Error) => {
  console.error(`keyguard (${process.env.INSTANCE_NAME ?? process.pid}): ${error.message}`);
  await instance.close();
  process.exit(1);
});
const server = instance.app.listen(Number(process.env.PORT ?? 0), "127.0.0.1");
await new Promise((resolve) => server.once("listening", resolve));
await instance.ready();
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
if (process.send) process.send({ type: "ready", url });
else console.log(`instance listening on ${url}`);

async function stop(): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await instance.close();
  process.exit(0);
}
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
