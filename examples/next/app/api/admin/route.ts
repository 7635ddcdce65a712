import { withUnkey } from "@keyguard/next";

export const GET = withUnkey(async (_request, { unkey }) => Response.json({ admin: unkey.keyId }), {
  permissions: "admin",
});
