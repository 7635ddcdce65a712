// Public: no key needed.
export function GET() {
  return Response.json({ ok: true });
}
