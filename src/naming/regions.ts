/**
 * AWS region → short code table. Every region of every partition has exactly one code and no two
 * regions share one (a test proves it). The first ten codes are fixed for compatibility with v0.1;
 * the others match `^[a-z]{2,5}[0-9]$` and were chosen so they never collide with the fixed ones
 * (ap-south-1 is `apso1`, because `aps1` is ap-southeast-1).
 */

import { didYouMean } from "../core/did-you-mean.js";
import { DpnError } from "../core/errors.js";
import type { Convention } from "./types.js";

export type Partition =
  | "aws"
  | "aws-cn"
  | "aws-us-gov"
  | "aws-eusc"
  | "aws-iso"
  | "aws-iso-b"
  | "aws-iso-e"
  | "aws-iso-f";

export interface RegionInfo {
  region: string;
  code: string;
  partition: Partition;
  name: string;
}

/** The ten codes v0.1 users already have in their bucket names. Never change these. */
export const FIXED_REGION_CODES: Readonly<Record<string, string>> = Object.freeze({
  "us-east-1": "use1",
  "us-east-2": "use2",
  "us-west-1": "usw1",
  "us-west-2": "usw2",
  "eu-west-1": "euw1",
  "eu-west-2": "euw2",
  "eu-central-1": "euc1",
  "ap-southeast-1": "aps1",
  "ap-southeast-2": "aps2",
  "ap-northeast-1": "apne1",
});

/** Pattern every non-fixed code matches (and every code a user maps must match). */
export const REGION_CODE_PATTERN = /^[a-z]{2,5}[0-9]$/;

/** Shape of an AWS region name, loose enough for future regions (`eusc-de-east-1`, `us-isob-east-1`). */
export const REGION_NAME_PATTERN = /^[a-z]{2,4}(-[a-z]+)+-[0-9]+$/;

const r = (region: string, code: string, partition: Partition, name: string): RegionInfo => ({
  region,
  code,
  partition,
  name,
});

/** All AWS regions known to the AWS SDK partitions table (2026), in partition order. */
export const REGIONS: readonly RegionInfo[] = Object.freeze([
  // aws (commercial)
  r("us-east-1", "use1", "aws", "US East (N. Virginia)"),
  r("us-east-2", "use2", "aws", "US East (Ohio)"),
  r("us-west-1", "usw1", "aws", "US West (N. California)"),
  r("us-west-2", "usw2", "aws", "US West (Oregon)"),
  r("af-south-1", "afs1", "aws", "Africa (Cape Town)"),
  r("ap-east-1", "ape1", "aws", "Asia Pacific (Hong Kong)"),
  r("ap-east-2", "ape2", "aws", "Asia Pacific (Taipei)"),
  r("ap-south-1", "apso1", "aws", "Asia Pacific (Mumbai)"),
  r("ap-south-2", "apso2", "aws", "Asia Pacific (Hyderabad)"),
  r("ap-southeast-1", "aps1", "aws", "Asia Pacific (Singapore)"),
  r("ap-southeast-2", "aps2", "aws", "Asia Pacific (Sydney)"),
  r("ap-southeast-3", "apse3", "aws", "Asia Pacific (Jakarta)"),
  r("ap-southeast-4", "apse4", "aws", "Asia Pacific (Melbourne)"),
  r("ap-southeast-5", "apse5", "aws", "Asia Pacific (Malaysia)"),
  r("ap-southeast-6", "apse6", "aws", "Asia Pacific (New Zealand)"),
  r("ap-southeast-7", "apse7", "aws", "Asia Pacific (Thailand)"),
  r("ap-northeast-1", "apne1", "aws", "Asia Pacific (Tokyo)"),
  r("ap-northeast-2", "apne2", "aws", "Asia Pacific (Seoul)"),
  r("ap-northeast-3", "apne3", "aws", "Asia Pacific (Osaka)"),
  r("ca-central-1", "cac1", "aws", "Canada (Central)"),
  r("ca-west-1", "caw1", "aws", "Canada West (Calgary)"),
  r("eu-central-1", "euc1", "aws", "Europe (Frankfurt)"),
  r("eu-central-2", "euc2", "aws", "Europe (Zurich)"),
  r("eu-north-1", "eun1", "aws", "Europe (Stockholm)"),
  r("eu-south-1", "eus1", "aws", "Europe (Milan)"),
  r("eu-south-2", "eus2", "aws", "Europe (Spain)"),
  r("eu-west-1", "euw1", "aws", "Europe (Ireland)"),
  r("eu-west-2", "euw2", "aws", "Europe (London)"),
  r("eu-west-3", "euw3", "aws", "Europe (Paris)"),
  r("il-central-1", "ilc1", "aws", "Israel (Tel Aviv)"),
  r("me-central-1", "mec1", "aws", "Middle East (UAE)"),
  r("me-south-1", "mes1", "aws", "Middle East (Bahrain)"),
  r("me-west-1", "mew1", "aws", "Middle East (Saudi Arabia)"),
  r("mx-central-1", "mxc1", "aws", "Mexico (Central)"),
  r("sa-east-1", "sae1", "aws", "South America (Sao Paulo)"),
  r("sa-west-1", "saw1", "aws", "South America (Chile)"),
  // aws-us-gov
  r("us-gov-east-1", "usge1", "aws-us-gov", "AWS GovCloud (US-East)"),
  r("us-gov-west-1", "usgw1", "aws-us-gov", "AWS GovCloud (US-West)"),
  // aws-cn
  r("cn-north-1", "cnn1", "aws-cn", "China (Beijing)"),
  r("cn-northwest-1", "cnnw1", "aws-cn", "China (Ningxia)"),
  // aws-eusc (European Sovereign Cloud)
  r("eusc-de-east-1", "eusde1", "aws-eusc", "EU Sovereign Cloud (Germany)"),
  // isolated partitions
  r("us-iso-east-1", "usie1", "aws-iso", "US ISO East"),
  r("us-iso-west-1", "usiw1", "aws-iso", "US ISO West"),
  r("us-isob-east-1", "usibe1", "aws-iso-b", "US ISOB East (Ohio)"),
  r("us-isob-west-1", "usibw1", "aws-iso-b", "US ISOB West"),
  r("eu-isoe-west-1", "euiew1", "aws-iso-e", "EU ISOE West"),
  r("us-isof-east-1", "usife1", "aws-iso-f", "US ISOF East"),
  r("us-isof-south-1", "usifs1", "aws-iso-f", "US ISOF South"),
]);

/** region → code for the whole table (the built-in `transformations.region_mapping`). */
export const REGION_CODES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(REGIONS.map((x) => [x.region, x.code])),
);

/**
 * The short code of `region`: the convention's `transformations.region_mapping` first (it is already
 * merged over the built-in table when loaded), then the built-in table.
 *
 * @throws DpnError validation `UNKNOWN_REGION` when neither knows the region; the hint shows the YAML
 *   to add. It never falls back to another region's code.
 */
export function regionShort(region: string, conv?: Pick<Convention, "transformations">): string {
  const mapped = conv?.transformations.region_mapping[region] ?? REGION_CODES[region];
  if (mapped !== undefined) return mapped;
  const known = Object.keys(conv?.transformations.region_mapping ?? REGION_CODES);
  const guess = didYouMean(region, known);
  throw new DpnError(
    "validation",
    "UNKNOWN_REGION",
    `Unknown AWS region "${region}": it has no short code.`,
    {
      hint:
        `${guess ? `${guess} ` : ""}If "${region}" is a real region, add a code for it in .dpn/naming-patterns.yaml:\n` +
        `  transformations:\n    region_mapping:\n      ${region}: <code matching ^[a-z]{2,5}[0-9]$, used by no other region>`,
      details: { region },
    },
  );
}
