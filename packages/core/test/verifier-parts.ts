import { type Mock, vi } from "vitest";
import { resolveVerifierOptions, type VerifierOptions } from "../src/options/verifier-options";
import { createTransport, type VerifyKeyBody } from "../src/transport/transport";
import { createFailurePolicy } from "../src/verify/failure-policy";
import { createUpstreamCall } from "../src/verify/upstream-call";
import { createVerifierState } from "../src/verify/verifier-state";
import { type FakeAnswer, fakeUnkey, ROOT_KEY } from "./fake-unkey";

/**
 * The parts a verifier is built from, as createVerifier() wires them, over a fake Unkey
 * (the injectable `fetch`): each unit test takes the part it tests and the real parts
 * below it.
 */
export function verifierParts(
  answer: (body: VerifyKeyBody) => FakeAnswer | Promise<FakeAnswer>,
  options: VerifierOptions = {},
) {
  const unkey = fakeUnkey(answer);
  const logger: { warn: Mock<(message: string) => void>; error: Mock<(message: string) => void> } =
    { warn: vi.fn(), error: vi.fn() };
  const resolved = resolveVerifierOptions({
    rootKey: ROOT_KEY,
    fetch: unkey.fetch,
    logger,
    ...options,
  });
  const transport = createTransport(resolved);
  const state = createVerifierState(resolved);
  const failure = createFailurePolicy(resolved, state);
  const upstream = createUpstreamCall(resolved, transport, failure.fail);
  return { unkey, logger, resolved, transport, state, failure, upstream };
}
