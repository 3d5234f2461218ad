import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import type { StateStore } from "../engine/ports.js";
import { openStateStore } from "../state/sqlite-store.js";
import type { AppContext } from "./context.js";
import { migrateState } from "./state-admin.js";

function app(source: string, target: () => StateStore): AppContext {
  return {
    openState: async (o) => openStateStore(source, { readonly: o.readonly }),
    openStateAt: async () => ({ store: target(), location: "sqlite:target" }),
    openRegistry: async () => {
      throw new Error("no provider is needed");
    },
    confirm: async () => undefined,
    command: "dpn state migrate (test)",
  };
}

describe("dpn state migrate", () => {
  it("a copy that fails part way names what was copied and leaves the source the state", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dpn-migrate-"));
    const source = path.join(dir, "source.db");
    const s = openStateStore(source);
    await s.ensureStack("ads", "dev");
    await s.ensureStack("sales", "dev");
    await s.close();
    const target = openStateStore(path.join(dir, "target.db"));
    const failing: StateStore = Object.create(target, {
      importStack: {
        value: async (d: Parameters<StateStore["importStack"]>[0]) => {
          if (d.stack.id === "sales/dev") throw new Error("connection reset");
          return target.importStack(d);
        },
      },
    });
    const err = await migrateState(
      app(source, () => failing),
      { to: "sqlite:target" },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(DpnError);
    expect(err.code).toBe("STATE_MIGRATE_PARTIAL");
    expect(err.details.copied).toEqual(["ads/dev"]);
    expect(err.message).toContain("connection reset");
    const after = openStateStore(source);
    expect((await after.describe()).migratedTo).toBeUndefined();
    // the source's locks were released: it is fully usable
    expect(
      (await after.tryLock("sales/dev", { holderId: "h", user: "u", host: "h", pid: 1 }, 1000)).acquired,
    ).toBe(true);
    await after.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
