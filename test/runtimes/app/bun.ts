import { handle } from "./control";

declare const Bun: {
  serve(options: { hostname: string; port: number; fetch: typeof handle }): { port: number };
};

// Prints the port it listens on as the first line of stdout (see ../runtimes.ts).
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handle });
console.log(JSON.stringify({ port: server.port }));
