import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { devUpstream } from "./dev-upstream";

const port = Number(process.env.PORT ?? 3002);
const upstream = await devUpstream(
  ["notes.read", "notes.write", "notes.delete"],
  ["notes.read", "notes.write"],
);
const { app, verifier } = createApp(upstream);
// Opt-in start-up check: one call to Unkey now, so a wrong UNKEY_ROOT_KEY or UNKEY_BASE_URL
// stops the start with the fix instead of answering 500 or 503 at the first request.
const report = await verifier.check().catch((error: Error) => {
  console.error(`keyguard: ${error.message}`);
  process.exit(1);
});
console.log(`keyguard: ${report.summary}`);
const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => {
  console.log(`Hono example on http://127.0.0.1:${port}`);
  if (upstream.key) {
    console.log(`Emulator key (notes.read, notes.write): ${upstream.key}`);
    console.log(
      `  curl -H "Authorization: Bearer ${upstream.key}" http://127.0.0.1:${port}/notes/me`,
    );
  }
});
// Ctrl-C (SIGINT) and a process manager's SIGTERM both stop cleanly, with status 0. The
// signal can arrive twice (the terminal sends it to pnpm too, which passes it on): `on`, not
// `once`, so the second one does not kill the process mid-stop.
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close(() => upstream.stop().then(() => process.exit(0)));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
