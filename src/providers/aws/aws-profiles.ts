/**
 * The AWS profiles the shared files define, read the way the AWS SDK and CLI locate them:
 * `AWS_CONFIG_FILE` (default ~/.aws/config; sections `[default]` and `[profile NAME]`) and
 * `AWS_SHARED_CREDENTIALS_FILE` (default ~/.aws/credentials; sections `[NAME]`). A leading `~/`
 * is the home folder (HOME, else the OS's). Used to tell "this profile does not exist" apart from
 * "its credentials do not work".
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface AwsProfiles {
  /** Profile names, sorted, each once. */
  names: string[];
  /** The two files looked at (whether or not they exist). */
  files: { config: string; credentials: string };
}

function expandHome(path: string, home: string): string {
  return path.startsWith("~/") ? join(home, path.slice(2)) : path;
}

/** Section names of an ini text (`[name]`, trimmed), in order. */
function sections(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(line);
    if (m?.[1]) out.push(m[1].trim());
  }
  return out;
}

/** The file's text, or "" when it cannot be read (a missing file defines no profile). */
function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES" || code === "EISDIR") return "";
    throw e;
  }
}

/** The profiles of the shared config and credentials files for `env`. Throws only on unexpected I/O errors. */
export function awsProfiles(env: Record<string, string | undefined>): AwsProfiles {
  const home = env.HOME || homedir();
  const config = expandHome(env.AWS_CONFIG_FILE || join(home, ".aws", "config"), home);
  const credentials = expandHome(env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"), home);
  const names = new Set<string>();
  for (const s of sections(readOrEmpty(config))) {
    if (s === "default") names.add(s);
    else if (s.startsWith("profile ")) names.add(s.slice("profile ".length).trim());
    // other sections (sso-session, services) are not profiles
  }
  for (const s of sections(readOrEmpty(credentials))) names.add(s);
  return { names: [...names].sort(), files: { config, credentials } };
}
