import { startCluster } from "./cluster";

const count = Number(process.env.INSTANCES ?? 3);
const cluster = await startCluster(count);
// Ctrl-C (SIGINT) and a process manager's SIGTERM both stop cleanly, with status 0. Set
// before the first line is printed: a Ctrl-C that follows it must not meet Node's default
// action. The signal can arrive twice (the terminal sends it to pnpm too, which passes it
// on): `on`, not `once`, so the second one does not kill the process mid-stop.
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  const asked = cluster.upstream.verifications();
  if (asked !== undefined) console.log(`\nkeys.verifyKey calls that reached Unkey: ${asked}`);
  void cluster.stop().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
const [first, second] = cluster.urls;
console.log(
  `${count} instances sharing one Redis:\n${cluster.urls.map((url) => `  ${url}`).join("\n")}`,
);
const keys = cluster.upstream.keys;
if (keys) {
  console.log(`
# 200 from every instance; Unkey is asked once for all of them (the others read Redis)
${cluster.urls.map((url) => `curl -H "Authorization: Bearer ${keys.user}" ${url}/api/hello`).join("\n")}

# revoke the key on one instance (admin key, permission keys.revoke): 204
curl -X POST -H "Authorization: Bearer ${keys.admin}" ${first}/api/keys/${keys.userKeyId}/revoke

# ...and every instance refuses it at once: 401
curl -H "Authorization: Bearer ${keys.user}" ${second ?? first}/api/hello`);
} else {
  console.log("Real Unkey: call /api/hello on each instance with one of your keys.");
}
