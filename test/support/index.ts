export { type Challenge, parseChallenge, parseChallenges } from "./challenge";
export { configErrorOf } from "./config-error";
export { type FakeKey, fakeUnkey, type VerifyBody } from "./fake-unkey";
export {
  keptLogs,
  onServerError,
  type RefundEmulator,
  refundBench,
  VERIFY_ONLY_ROOT,
} from "./refund-bench";
