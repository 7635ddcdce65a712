import { UnkeyDeniedException } from "@keyguard/nestjs";
import { HttpException } from "@nestjs/common";
import common from "@nestjs/common/package.json" with { type: "json" };
import core from "@nestjs/core/package.json" with { type: "json" };
import { describe, expect, it } from "vitest";

/**
 * The conformance table in this project proves nothing about NestJS 12 unless
 * NestJS 12 is what runs: both the harnesses' imports and those of the
 * @keyguard/nestjs build must reach the same NestJS 12 copy.
 */
describe("the NestJS this project runs on", () => {
  it("is NestJS 12", () => {
    expect(common.version).toMatch(/^12\./);
    expect(core.version).toMatch(/^12\./);
  });

  it("is the one @keyguard/nestjs's build imports", () => {
    expect(UnkeyDeniedException.prototype).toBeInstanceOf(HttpException);
  });

  // Only in the run that node22.test.ts starts, which names the exact version it pinned.
  it.runIf(process.env.KEYGUARD_NEST12_CHILD === "1")("runs on Node 22", () => {
    expect(process.versions.node).toMatch(/^22\./);
    expect(process.versions.node).toBe(process.env.KEYGUARD_NEST12_NODE);
  });
});
