/**
 * The package a file inside node_modules belongs to, by its innermost `node_modules/`
 * (`node_modules/a/node_modules/@b/c/x.d.ts` → `@b/c`); undefined outside node_modules.
 */
export function packageOfPath(path: string): string | undefined {
  const marker = "node_modules/";
  const posix = path.replaceAll("\\", "/");
  const at = posix.lastIndexOf(marker);
  if (at === -1) return undefined;
  const [first, second] = posix.slice(at + marker.length).split("/");
  if (first === undefined || first === "") return undefined;
  return first.startsWith("@") && second !== undefined ? `${first}/${second}` : first;
}

/**
 * The third-party package a compiler error is inside (`node_modules/ioredis/built/x.d.ts(1,28):
 * error …` → `ioredis`); undefined for keyguard's own declarations (`@keyguard/*`) and for
 * errors outside node_modules. Those stay keyguard's to fix; a third party's declarations are
 * a pinning choice (or drift).
 */
export function thirdPartyPackage(error: string): string | undefined {
  const file = /^([^(\n]+)\(\d+,\d+\): /.exec(error)?.[1];
  const name = file === undefined ? undefined : packageOfPath(file);
  return name === undefined || name.startsWith("@keyguard/") ? undefined : name;
}
