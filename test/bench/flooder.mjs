// Child process: sends one flood (flood section) so that the parent's event loop, which times
// the legitimate key's requests, is not the one busy sending it.
// Message in: {type:"flood", url, keys, rate}; out: {type:"flooded", sent, refused}.
import { paced } from "./paced.mjs";

process.on("message", async (message) => {
  try {
    if (message.type === "flood") {
      let i = 0;
      const results = await paced(message.url, {
        rate: message.rate,
        nextKey: () => message.keys[i++],
        count: message.keys.length,
        maxInFlight: 64,
      });
      const refused = results.filter((r) => r.status === 401).length;
      process.send({ type: "flooded", sent: results.length, refused });
    } else if (message.type === "stop") {
      process.exit(0);
    }
  } catch (error) {
    process.send({ type: "error", message: String(error?.stack ?? error) });
  }
});
