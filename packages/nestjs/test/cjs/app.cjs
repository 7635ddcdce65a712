// A CommonJS Nest app, as a user on `"module": "commonjs"` writes it once compiled:
// require() resolves @keyguard/nestjs to dist/index.cjs. Decorators are applied by
// hand here only because plain JavaScript has no decorator syntax.
require("reflect-metadata");
const { createServer } = require("node:http");
const { Controller, Get, Module } = require("@nestjs/common");
const { APP_GUARD, NestFactory } = require("@nestjs/core");
const { ApiKey, RequirePermissions, UnkeyGuard, UnkeyModule } = require("@keyguard/nestjs");

class DocsController {
  read(keyId) {
    return { keyId };
  }
}
const read = Object.getOwnPropertyDescriptor(DocsController.prototype, "read");
Reflect.decorate(
  [Get("docs"), RequirePermissions("docs.read")],
  DocsController.prototype,
  "read",
  read,
);
ApiKey("keyId")(DocsController.prototype, "read", 0);
Controller()(DocsController);

/** Plays Unkey's keys.verifyKey: `sk_read` holds docs.read, anything else is unknown. */
function startUpstream() {
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const { key } = JSON.parse(raw);
      const data =
        key === "sk_read"
          ? { valid: true, code: "VALID", keyId: "key_read", permissions: ["docs.read"], roles: [] }
          : { valid: false, code: "NOT_FOUND" };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ meta: { requestId: "req_cjs" }, data }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function main() {
  const upstream = await startUpstream();
  const baseUrl = `http://127.0.0.1:${upstream.address().port}`;
  class AppModule {}
  Module({
    imports: [UnkeyModule.forRoot({ rootKey: "unkey_root_cjs", baseUrl })],
    controllers: [DocsController],
    providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
  })(AppModule);
  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, "127.0.0.1");
  const url = (await app.getUrl()).replace("[::1]", "127.0.0.1");
  const allowed = await fetch(`${url}/docs`, { headers: { authorization: "Bearer sk_read" } });
  const denied = await fetch(`${url}/docs`);
  const result = {
    resolved: require.resolve("@keyguard/nestjs"),
    allowed: { status: allowed.status, body: await allowed.json() },
    denied: {
      status: denied.status,
      contentType: denied.headers.get("content-type"),
      body: await denied.json(),
    },
  };
  await app.close();
  upstream.close();
  process.stdout.write(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
