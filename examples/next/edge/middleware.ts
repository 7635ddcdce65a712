import { unkeyMiddleware } from "@keyguard/next";

// Every /api/me request is verified here, on the Edge runtime; the route handlers behind
// it receive the verified key (signed, on x-keyguard-context) without verifying again.
// Next.js 16 still runs middleware.ts (its new name, proxy.ts, runs on Node instead).
export default unkeyMiddleware();

export const config = { matcher: "/api/me/:path*" };
