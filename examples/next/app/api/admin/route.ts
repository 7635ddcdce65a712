import { withUnkey } from "@keyguard/next";

export const dynamic = "force-dynamic";

export const GET = withUnkey(async (_request, { unkey }) => Response.json({ admin: unkey.keyId }), {
  permissions: "admin",
});
