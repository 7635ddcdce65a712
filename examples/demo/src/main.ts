import { PortInUseError, renderInstructions, startDemo } from "./demo";

/** `--port <n>`, `--port=<n>`, else PORT, else 3000. */
function portFrom(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  let raw: string | undefined = env.PORT;
  argv.forEach((arg, i) => {
    if (arg === "--port") raw = argv[i + 1];
    else if (arg.startsWith("--port=")) raw = arg.slice("--port=".length);
  });
  if (raw === undefined || raw === "") return 3000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`keyguard demo: invalid port ${JSON.stringify(raw)}; expected 0 to 65535.`);
    process.exit(1);
  }
  return port;
}

try {
  const demo = await startDemo({ port: portFrom(process.argv.slice(2), process.env) });
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    console.log("\nStopping the demo…");
    demo.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Set before the instructions are printed: a Ctrl-C that follows them must not meet Node's
  // default action. The signal can arrive twice (the terminal sends Ctrl-C to pnpm too, which
  // passes it on): `on`, not `once`, so the second one does not kill the demo mid-stop.
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  console.log(renderInstructions(demo));
} catch (error) {
  if (error instanceof PortInUseError) {
    console.error(
      `keyguard demo: ${error.message}; stop what uses it or choose another with PORT=<n> or --port <n>.`,
    );
  } else {
    console.error(`keyguard demo: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}
