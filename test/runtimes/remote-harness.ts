import type { GuardOptions } from "@keyguard/core";
import type { HookSpec } from "../conformance/harness";
import type { ScenarioApp, ScenarioHarness } from "../conformance/runner";

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return (await response.json()) as T;
}

/**
 * The conformance harness for an app running in another runtime: `start` posts the
 * options and hooks (as data) to its /__runtime/start and the app is built there,
 * as hono.harness.ts builds it here. Options must be JSON: a `logger` is dropped
 * (the runtime's console is used), and scenarios needing functions are not run.
 */
export function remoteHarness(name: string, baseUrl: () => string): ScenarioHarness {
  return {
    name,
    async start(options: GuardOptions, hooks?: HookSpec): Promise<ScenarioApp> {
      const { logger: _dropped, ...data } = options;
      const response = await fetch(`${baseUrl()}/__runtime/start`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ options: data, hooks }),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 400) {
        const refused = (await response.json()) as { name: string; message: string };
        throw Object.assign(new Error(refused.message), refused);
      }
      if (response.status !== 204) throw new Error(`${name}: start answered ${response.status}`);
      const url = baseUrl();
      return {
        url,
        handlerCalls: async () => (await call<{ calls: number }>(`${url}/__runtime/calls`)).calls,
        async close() {},
      };
    },
  };
}
