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
process.once("SIGINT", () => server.close(() => upstream.stop().then(() => process.exit(0))));
