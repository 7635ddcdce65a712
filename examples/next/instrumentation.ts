// Next.js calls register() once when a server starts (`next start`, `next dev`): the place
// for keyguard's opt-in start-up check, so a wrong UNKEY_ROOT_KEY or UNKEY_BASE_URL shows in
// the server's log at start, with the fix, instead of as 500s and 503s at the first request.
export async function register(): Promise<void> {
  // Route handlers run on Node; the middleware's Edge runtime calls register() too.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` runs without the secrets; only a server about to serve checks.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  // A route handler's verifier: the one (and the cache) every withUnkey() route shares.
  const { GET } = await import("./app/api/docs/route");
  try {
    console.log(`keyguard: ${(await GET.verifier.check()).summary}`);
  } catch (error) {
    console.error(`keyguard: ${(error as Error).message}`);
    process.exit(1);
  }
}
