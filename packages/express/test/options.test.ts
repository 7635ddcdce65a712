import { configErrorOf } from "@keyguard/test-support";
import { describe, expect, it } from "vitest";
import { requirePermissions, type UnkeyExpressOptions, unkey } from "../src/index";

describe("unknown option names are refused at start-up, with the nearest valid one", () => {
  it.each([
    ["onDenid", "onDenied"],
    ["skipp", "skip"],
    ["getkey", "getKey"],
    ["rootkey", "rootKey"],
    ["permission", "permissions"],
  ])("unkey({ %s }) names it and suggests %s", (typo, meant) => {
    const options = { rootKey: "unkey_root_test", [typo]: () => true } as UnkeyExpressOptions;
    const error = configErrorOf(() => unkey(options));
    expect(error.option).toBe(typo);
    expect(error.message).toContain(`did you mean \`${meant}\`?`);
  });

  it("requirePermissions(query, { onDenid }) names it and suggests onDenied", () => {
    const options = { onDenid: () => undefined } as never;
    const error = configErrorOf(() => requirePermissions("docs.read", options));
    expect(error.option).toBe("onDenid");
    expect(error.message).toContain("did you mean `onDenied`?");
  });

  it("a per-route unkey({ verifier, cots }) names it and suggests cost", () => {
    const auth = unkey({ rootKey: "unkey_root_test" });
    const error = configErrorOf(() => unkey({ verifier: auth.verifier, cots: 1 } as never));
    expect(error.option).toBe("cots");
    expect(error.message).toContain("did you mean `cost`?");
  });
});
