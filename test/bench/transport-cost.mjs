// Child process: the CPU one upstream verification costs this process, with no server in
// front: `verifier.verify()` with `cache: false` against the emulator, 50 in flight, for the
// core's default Node client (node:http) and for WHATWG fetch (what a user-supplied `fetch`
// and the Web build use), in alternating rounds. argv: emulator URL, root key, key, calls per
// round, rounds. Prints one JSON line: { "node:http": [µs per call…], fetch: […] }.
//   node test/bench/transport-cost.mjs <url> <rootKey> <key> [4000] [4]
import { createVerifier } from "@keyguard/core";

const [url, rootKey, key, perRound = "4000", roundCount = "4"] = process.argv.slice(2);
const calls = Number(perRound);
const clients = {
  "node:http": createVerifier({ rootKey, baseUrl: url, cache: false }),
  // Any fetch but the global one is taken as the user's: the fetch path.
  fetch: createVerifier({ rootKey, baseUrl: url, cache: false, fetch: (i, o) => fetch(i, o) }),
};

async function round(verifier, count) {
  let left = count;
  const worker = async () => {
    while (left-- > 0) {
      const result = await verifier.verify(key);
      if (!result.valid) throw new Error(`the bench key was refused: ${result.code}`);
    }
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: 50 }, worker));
  const spent = process.cpuUsage(before);
  return (spent.user + spent.system) / count;
}

for (const verifier of Object.values(clients)) await round(verifier, Math.ceil(calls / 2)); // warm
const perCall = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
for (let r = 0; r < Number(roundCount); r++)
  for (const [name, verifier] of Object.entries(clients))
    perCall[name].push(await round(verifier, calls));
console.log(JSON.stringify(perCall));
