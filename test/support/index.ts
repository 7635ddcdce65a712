export { type FakeKey, fakeUnkey, type VerifyBody } from "./fake-unkey";
