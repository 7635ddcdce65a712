import { expect } from "vitest";

/** The request Next forwards to the route after a middleware's `NextResponse.next({ request })`. */
export function forwarded(response: Response, original: Request): Request {
  expect(response.headers.get("x-middleware-next")).toBe("1");
  const names = response.headers.get("x-middleware-override-headers")?.split(",") ?? [];
  const headers = new Headers();
  for (const name of names.filter(Boolean))
    headers.set(name, response.headers.get(`x-middleware-request-${name}`) ?? "");
  return new Request(original.url, { method: original.method, headers });
}
