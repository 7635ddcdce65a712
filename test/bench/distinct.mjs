// Load with a distinct key per request (memory and flood sections).
import autocannon from "autocannon";
import { ROUTE } from "./apps.mjs";

/**
 * Sends `count` requests to GET /hello, each with the next key from `nextKey()`, on
 * `connections` connections, unless `budgetMs`
 * runs out first. Resolves autocannon's result and how many requests were sent.
 */
export function sendDistinct(url, { count, nextKey, budgetMs, connections }) {
  let sent = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: url + ROUTE,
        connections,
        amount: count,
        requests: [
          {
            setupRequest: (req) => {
              sent++;
              req.headers = { ...req.headers, authorization: `Bearer ${nextKey()}` };
              return req;
            },
          },
        ],
      },
      (error, result) => {
        clearTimeout(budget);
        if (error) reject(error);
        else resolve({ result, sent: Math.min(sent, count) });
      },
    );
    const budget = setTimeout(() => instance.stop(), Math.max(1, budgetMs));
  });
}
