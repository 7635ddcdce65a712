import { withUnkey } from "@keyguard/next";

// Behind proxy.ts (or middleware.ts): the key it verified arrives signed, so this is no
// second call to Unkey.
export const GET = withUnkey(async (request, { unkey }) =>
  Response.json({
    keyId: unkey.keyId,
    meta: unkey.meta ?? null,
    // What a client sent on x-keyguard-context never gets this far: the proxy replaces it.
    handedOff: request.headers.has("x-keyguard-context"),
  }),
);
