import { unkeyMiddleware } from "@keyguard/next";

// The guard of ../proxy.ts as Next.js 15 names it, and as Next.js 16 still runs it (with a
// deprecation notice) on the Edge runtime. Next reads middleware.ts from the app's root:
// the example's test builds a copy of the app with this file there instead of proxy.ts.
export default unkeyMiddleware();

export const config = { matcher: "/api/me/:path*" };
