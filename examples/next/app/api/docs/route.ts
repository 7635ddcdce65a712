import { withUnkey } from "@keyguard/next";

// Any key with docs.read; the verifier (and its cache) is shared with every other route.
export const GET = withUnkey(
  async (_request, { unkey }) => Response.json({ docs: ["welcome"], keyId: unkey.keyId }),
  { permissions: "docs.read" },
);
