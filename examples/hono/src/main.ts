import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { devUpstream } from "./dev-upstream";

const port = Number(process.env.PORT ?? 3002);
const upstream = await devUpstream(
  ["notes.read", "notes.write", "notes.delete"],
  ["notes.read", "notes.write"],
);
const server = serve({ fetch: createApp(upstream).fetch, port, hostname: "127.0.0.1" }, () => {
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
