import { handle } from "./control";

declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen(address: { port: number }): void },
    handler: typeof handle,
  ): unknown;
};

// Prints the port it listens on as the first line of stdout (see ../runtimes.ts).
Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(JSON.stringify({ port })),
  },
  handle,
);
