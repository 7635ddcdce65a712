import "reflect-metadata";
import { UNKEY_VERIFIER, type Verifier } from "@keyguard/nestjs";
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";
import { devUpstream } from "./dev-upstream";
import { setupOpenApi } from "./openapi";

async function bootstrap() {
  const port = Number(process.env.PORT ?? 3004);
  const upstream = await devUpstream(
    ["orders.read", "orders.write", "orders.cancel"],
    ["orders.read", "orders.write"],
  );
  const app = await NestFactory.create(AppModule.register(upstream), { logger: ["warn", "error"] });
  setupOpenApi(app);
  // Opt-in start-up check through UnkeyModule's verifier: one call to Unkey now, so a wrong
  // UNKEY_ROOT_KEY or UNKEY_BASE_URL stops the start with the fix, not at the first request.
  const report = await app
    .get<string, Verifier>(UNKEY_VERIFIER)
    .check()
    .catch((error: Error) => {
      console.error(`keyguard: ${error.message}`);
      process.exit(1);
    });
  console.log(`keyguard: ${report.summary}`);
  await app.listen(port, "127.0.0.1");
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
  console.log(`NestJS example on http://127.0.0.1:${port} (API docs at /docs, /openapi.json)`);
  if (upstream.key) {
    console.log(`Emulator key (orders.read, orders.write): ${upstream.key}`);
    console.log(
      `  curl -H "Authorization: Bearer ${upstream.key}" http://127.0.0.1:${port}/orders/me`,
    );
  }
}

void bootstrap();
