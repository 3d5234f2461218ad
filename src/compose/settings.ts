/**
 * The project settings file, `.dpn/settings.yaml` (`$DPN_HOME/settings.yaml` when DPN_HOME is
 * set): team-wide defaults that a flag or an environment variable overrides, committed with the
 * project. Keys: `state` (where the state lives, docs/state.md) and `refresh` (how `dpn create`
 * reads what state has, docs/aws.md). Other keys are left alone.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { usageError } from "../core/errors.js";
import type { RefreshMode } from "../engine/plan.js";

export interface ProjectSettings {
  /** The file read (whether or not it exists). */
  file: string;
  state?: string;
  refresh?: RefreshMode;
}

const REFRESH_MODES: readonly RefreshMode[] = ["full", "quick"];

/**
 * The settings of the project at `cwd` (or of DPN_HOME). Throws SETTINGS_INVALID (usage, exit 2)
 * naming the file and the key when the file is not YAML or a key has a value of the wrong kind.
 */
export function projectSettings(e: {
  cwd: string;
  env: Record<string, string | undefined>;
}): ProjectSettings {
  const file = join(e.env.DPN_HOME ? e.env.DPN_HOME : join(e.cwd, ".dpn"), "settings.yaml");
  if (!existsSync(file)) return { file };
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    throw usageError("SETTINGS_INVALID", `${file} is not valid YAML: ${(err as Error).message}`, {
      hint: "for example  state: s3://my-team-state/dpn  and  refresh: quick",
      details: { file },
    });
  }
  if (doc === null || doc === undefined) return { file };
  if (typeof doc !== "object" || Array.isArray(doc))
    throw usageError("SETTINGS_INVALID", `${file} must be a mapping of settings`, {
      hint: "for example  state: s3://my-team-state/dpn",
      details: { file },
    });
  const { state, refresh } = doc as { state?: unknown; refresh?: unknown };
  const out: ProjectSettings = { file };
  if (state !== undefined) {
    if (typeof state !== "string" || state === "")
      throw usageError("SETTINGS_INVALID", `${file}: 'state' must be a state URL string`, {
        hint: "for example  state: s3://my-team-state/dpn",
        details: { file, key: "state" },
      });
    out.state = state;
  }
  if (refresh !== undefined) {
    if (typeof refresh !== "string" || !REFRESH_MODES.includes(refresh as RefreshMode))
      throw usageError(
        "SETTINGS_INVALID",
        `${file}: 'refresh' is ${JSON.stringify(refresh)}, not one of ${REFRESH_MODES.join(", ")}`,
        { hint: "refresh: quick  (or full, the default)", details: { file, key: "refresh", value: refresh } },
      );
    out.refresh = refresh as RefreshMode;
  }
  return out;
}
