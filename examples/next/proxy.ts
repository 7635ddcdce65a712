import { unkeyProxy } from "@keyguard/next";

// Next.js 16's convention: every /api/me request is verified here, on the Node.js runtime
// (a proxy has no other), and the route handlers behind it receive the verified key
// (signed, on x-keyguard-context) without verifying again. edge/middleware.ts is the same
// guard as middleware.ts, for Next.js 15 or the Edge runtime.
export const proxy = unkeyProxy();

export const config = { matcher: "/api/me/:path*" };
