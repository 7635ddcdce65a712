import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SlidingWindowLimiter } from "../sliding-window";
import type { State } from "../state";
import type { RunOperation } from "./actions";
import { loadAssets } from "./assets";
import type { ConsoleLog } from "./events";
import { allowedHosts } from "./loopback";
import { handleConsole } from "./routes";
import { ConsoleSessions } from "./session";
import { workspaceView } from "./workspace-view";

/** The emulator's console, when it serves one (see the `console` option). */
export interface EmulatorConsole {
  /** The console's address, e.g. `http://127.0.0.1:8787/console/`: it needs a session. */
  readonly url: string;
  /**
   * A new one-time link that opens a session in the browser it is opened in (a random
   * token, never the root key). Each link works once.
   */
  link(): string;
}

/** What the emulator hands its console. */
export interface ConsoleInput {
  readonly log: ConsoleLog;
  readonly address: AddressInfo;
  /** The emulator's base URL. */
  readonly url: string;
  readonly rootKey: string;
  readonly state: State;
  readonly limiter: SlidingWindowLimiter;
  readonly now: () => number;
  /** `dispatch` with the full-rights root key and the console's observer. */
  readonly run: RunOperation;
}

/** The console as the emulator's server uses it. */
export interface MountedConsole extends EmulatorConsole {
  /** Whether a request path belongs to the console. */
  handles(url: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/** Builds the console for a listening emulator. */
export function mountConsole(input: ConsoleInput): MountedConsole {
  const sessions = new ConsoleSessions();
  const rootDigest = sha256(input.rootKey);
  const link = () => `${input.url}/console/login?token=${sessions.issueLinkToken()}`;
  const routes = {
    rules: {
      hosts: allowedHosts(input.address.address, input.address.port),
      cookieName: `keyguard_console_${input.address.port}`,
      sessions,
      baseUrl: input.url,
    },
    log: input.log,
    assets: loadAssets(),
    view: () => workspaceView(input.state, input.limiter, input.now()),
    run: input.run,
    isRootKey: (token: string) => timingSafeEqual(sha256(token), rootDigest),
    link,
  };
  return {
    url: `${input.url}/console/`,
    link,
    handles: (url) =>
      url === "/console" || url.startsWith("/console/") || url.startsWith("/console?"),
    handle: (req, res) => handleConsole(routes, req, res),
  };
}
