import { createApp } from "./app";
import { devUpstream } from "./dev-upstream";

const port = Number(process.env.PORT ?? 3003);
const upstream = await devUpstream(
  ["invoices.read", "invoices.write", "invoices.void"],
  ["invoices.read", "invoices.write"],
);
const app = await createApp(upstream);
// Opt-in start-up check through the plugin's decorator: one call to Unkey now, so a wrong
// UNKEY_ROOT_KEY or UNKEY_BASE_URL stops the start with the fix, not at the first request.
const report = await app.unkeyVerifier.check().catch((error: Error) => {
  console.error(`keyguard: ${error.message}`);
  process.exit(1);
});
console.log(`keyguard: ${report.summary}`);
await app.listen({ port, host: "127.0.0.1" });
// Ctrl-C (SIGINT) and a process manager's SIGTERM both stop cleanly, with status 0. Set
// before the first line is printed: a Ctrl-C that follows it must not meet Node's default
// action. The signal can arrive twice (the terminal sends it to pnpm too, which passes it
// on): `on`, not `once`, so the second one does not kill the process mid-stop.
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void app.close().then(() => upstream.stop().then(() => process.exit(0)));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
console.log(`Fastify example on http://127.0.0.1:${port}`);
if (upstream.key) {
  console.log(`Emulator key (invoices.read, invoices.write): ${upstream.key}`);
  console.log(`  curl -H "Authorization: Bearer ${upstream.key}" http://127.0.0.1:${port}/me`);
}
