import { configErrorOf } from "@keyguard/test-support";
import "reflect-metadata";
import { Controller, Get } from "@nestjs/common";
import { describe, expect, it } from "vitest";
import { Public, RequirePermissions, UnkeyModule, UnkeyRoute } from "../src/index";
import { MiscController, startApp } from "./app";

describe("unknown option names are refused at start-up, with the nearest valid one", () => {
  it("UnkeyModule.forRoot({ exceptionFiltr }) names it and suggests exceptionFilter", () => {
    const options = { rootKey: "unkey_root_test", exceptionFiltr: false } as never;
    const error = configErrorOf(() => UnkeyModule.forRoot(options));
    expect(error.option).toBe("exceptionFiltr");
    expect(error.message).toContain("did you mean `exceptionFilter`?");
  });

  it("UnkeyModule.forRootAsync({ useFactry }) names it and suggests useFactory", () => {
    const options = { useFactry: () => ({}), useFactory: () => ({}) } as never;
    const error = configErrorOf(() => UnkeyModule.forRootAsync(options));
    expect(error.option).toBe("useFactry");
    expect(error.message).toContain("did you mean `useFactory`?");
  });

  it("a forRootAsync factory returning { rootkey } fails the app's start, suggesting rootKey", async () => {
    const module = UnkeyModule.forRootAsync({ useFactory: () => ({ rootkey: "x" }) as never });
    const started = startApp("express", { imports: [module], controllers: [MiscController] });
    await expect(started).rejects.toMatchObject({ name: "KeyguardConfigError", option: "rootkey" });
    await expect(started).rejects.toThrow("did you mean `rootKey`?");
  });

  it("a forRootAsync factory returning exceptionFilter is refused: it would be ignored", async () => {
    const module = UnkeyModule.forRootAsync({
      useFactory: () => ({ rootKey: "unkey_root_test", exceptionFilter: false }) as never,
    });
    const started = startApp("express", { imports: [module], controllers: [MiscController] });
    await expect(started).rejects.toThrow(/exceptionFilter.*beside useFactory/);
  });

  it("@UnkeyRoute({ cots }) names the handler and the option and suggests cost", () => {
    const error = configErrorOf(() => {
      class Priced {
        @UnkeyRoute({ cots: 1 } as never)
        run() {}
      }
      void Priced;
    });
    // The option's own name; the decorator and its target named apart (issue 29, item 6).
    expect(error).toMatchObject({ option: "cots", at: "@UnkeyRoute() on Priced.run" });
    expect(error.message).toBe(
      "@UnkeyRoute() on Priced.run: invalid option `cots`: unknown option; did you mean `cost`?",
    );
  });
});

describe("@Public() beside a requirement on the same class or method", () => {
  it("is refused at start-up, naming the handler", () => {
    // Two decorators that contradict each other: no option is wrong, so no "Invalid option".
    expect(() => {
      @Controller()
      class Mixed {
        @Get()
        @Public()
        @RequirePermissions("docs.read")
        read() {}
      }
      void Mixed;
    }).toThrow(
      expect.objectContaining({
        name: "KeyguardSetupError",
        at: "@Public() on Mixed.read",
        message: expect.stringMatching(
          /^@Public\(\) on Mixed\.read: cannot stand beside @RequirePermissions\(\)/,
        ),
      }),
    );
  });

  it("is refused on a controller too, whichever comes first", () => {
    expect(() => {
      @RequirePermissions("docs.read")
      @Public()
      class MixedController {}
      void MixedController;
    }).toThrow(/@RequirePermissions\(\) on MixedController.*cannot stand beside @Public\(\)/);
    expect(() => {
      @UnkeyRoute({ cost: 1 })
      @Public()
      class MeteredController {}
      void MeteredController;
    }).toThrow(/@UnkeyRoute\(\) on MeteredController/);
  });
});
