import { unkeyMiddleware } from "@keyguard/next";

// Every /api/me request is verified here, on the Edge runtime; the route handlers behind
// it receive the verified key (signed, on x-keyguard-context) without verifying again.
export default unkeyMiddleware();

export const config = { matcher: "/api/me/:path*" };
