import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStateUrl, redactUrl, resolveStateLocation } from "./state-location.js";

const dir = () => mkdtempSync(join(tmpdir(), "dpn-loc-"));

describe("where state lives", () => {
  it("--state beats DPN_STATE beats .dpn/settings.yaml beats the SQLite default", () => {
    const cwd = dir();
    mkdirSync(join(cwd, ".dpn"));
    expect(resolveStateLocation({ cwd, env: {} })).toMatchObject({
      kind: "sqlite",
      path: join(cwd, ".dpn", "state.db"),
      source: "default",
    });
    writeFileSync(join(cwd, ".dpn", "settings.yaml"), "state: s3://team-state/dpn/\n");
    expect(resolveStateLocation({ cwd, env: {} })).toMatchObject({
      kind: "s3",
      bucket: "team-state",
      prefix: "dpn",
      source: "settings",
    });
    expect(resolveStateLocation({ cwd, env: { DPN_STATE: "postgres://u:pw@db/state" } })).toMatchObject({
      kind: "postgres",
      display: "postgres://u:***@db/state",
      source: "env",
    });
    expect(
      resolveStateLocation({ cwd, env: { DPN_STATE: "postgres://db/x" }, stateUrl: "sqlite:other.db" }),
    ).toMatchObject({ kind: "sqlite", path: join(cwd, "other.db"), source: "flag" });
  });

  it("DPN_HOME moves the default and the settings file", () => {
    const home = dir();
    expect(resolveStateLocation({ cwd: "/nowhere", env: { DPN_HOME: home } })).toMatchObject({
      path: join(home, "state.db"),
    });
  });

  it("refuses what it cannot use, naming the value without its password", () => {
    expect(() => parseStateUrl("ftp://x/y", "/", "flag")).toThrow(/STATE_URL_INVALID|not usable/);
    expect(() => parseStateUrl("s3://No_Such/x", "/", "flag")).toThrow(/not an S3 bucket name/);
    expect(() => parseStateUrl("sqlite:", "/", "env")).toThrow(/no path/);
    try {
      parseStateUrl("mysql://root:hunter2@db/x", "/", "flag");
    } catch (e) {
      expect(String((e as Error).message)).not.toContain("hunter2");
    }
    expect(redactUrl("postgresql://alice:s3cr3t@h:5432/db")).toBe("postgresql://alice:***@h:5432/db");
    expect(redactUrl("postgres://h/db")).toBe("postgres://h/db");
  });

  it("a settings file with a non-string state is a usage error naming the file", () => {
    const cwd = dir();
    mkdirSync(join(cwd, ".dpn"));
    writeFileSync(join(cwd, ".dpn", "settings.yaml"), "state: 42\n");
    expect(() => resolveStateLocation({ cwd, env: {} })).toThrow(/settings.yaml/);
  });
});
