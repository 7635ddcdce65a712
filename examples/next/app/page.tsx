export default function Home() {
  return <p>keyguard + Next.js: try GET /api/docs with an API key.</p>;
}
