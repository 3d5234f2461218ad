import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import { projectSettings } from "./settings.js";

function project(yaml?: string): string {
  const cwd = mkdtempSync(join(tmpdir(), "dpn-settings-"));
  mkdirSync(join(cwd, ".dpn"));
  if (yaml !== undefined) writeFileSync(join(cwd, ".dpn", "settings.yaml"), yaml);
  return cwd;
}

const refusal = (cwd: string) => {
  try {
    projectSettings({ cwd, env: {} });
  } catch (e) {
    return e as DpnError;
  }
  throw new Error("no refusal");
};

describe(".dpn/settings.yaml", () => {
  it("gives state and refresh when set, nothing when the file or the keys are absent", () => {
    expect(projectSettings({ cwd: project(), env: {} })).toEqual({
      file: expect.stringMatching(/settings\.yaml$/),
    });
    expect(projectSettings({ cwd: project(""), env: {} }).refresh).toBeUndefined();
    const s = projectSettings({ cwd: project("state: s3://team/dpn\nrefresh: quick\nother: 1\n"), env: {} });
    expect(s).toMatchObject({ state: "s3://team/dpn", refresh: "quick" });
    // DPN_HOME holds the settings when it is set
    const home = mkdtempSync(join(tmpdir(), "dpn-home-"));
    writeFileSync(join(home, "settings.yaml"), "refresh: full\n");
    expect(projectSettings({ cwd: project("refresh: quick\n"), env: { DPN_HOME: home } }).refresh).toBe(
      "full",
    );
  });

  it("refuses a value of the wrong kind or a file that is not YAML, naming file and key (exit 2)", () => {
    for (const [yaml, key] of [
      ["refresh: sometimes\n", "refresh"],
      ["refresh: [quick]\n", "refresh"],
      ["state: 42\n", "state"],
      ["- a list\n", undefined],
      ["state: [unclosed\n", undefined],
    ] as const) {
      const e = refusal(project(yaml));
      expect(e).toBeInstanceOf(DpnError);
      expect(e.code, yaml).toBe("SETTINGS_INVALID");
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain("settings.yaml");
      if (key) expect(e.details.key).toBe(key);
    }
  });
});
