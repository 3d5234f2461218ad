/**
 * The intermediate form of one blueprint entry during resolution: where it is, what it is
 * called (when its name could be generated), and what it refers to. rules.ts checks these;
 * resolve.ts turns the complete ones into DesiredResources.
 */
import type { DesiredResource, ProvisionedType } from "../core/resources.js";
import type { EntryNode } from "../types/spec.js";
import type { PathSegment } from "./json-source.js";

/** One reference from an entry to another resource (database_ref, cluster_ref, bucket_ref). */
export interface RefUse {
  /** The referring field, e.g. `database_ref`. */
  field: string;
  /** The value written in the blueprint. */
  value: string;
  /** What it must name, for messages: "glue database", "cluster", "bucket". */
  kind: string;
  /** The type the reference must resolve to. */
  targetType: ProvisionedType;
  /** Address it resolved to; undefined when nothing matched. */
  target?: string;
  /** Addresses of every entry that matched when more than one did (ambiguous reference). */
  ambiguous?: string[];
  /** Accepted spellings, for did-you-mean (e.g. "sales-bronze", generated names). */
  candidates: string[];
  /** JSON path segments of the referring field. */
  segments: PathSegment[];
}

/** An entry during resolution; the type specs' rules read it as an `EntryNode`. */
export interface ResourceNode extends EntryNode {
  type: ProvisionedType;
  /** Position in the blueprint (document order), the tie-breaker of the execution order. */
  order: number;
  /** JSON path segments of the entry and its formatted path. */
  segments: PathSegment[];
  path: string;
  /** The blueprint entry as written (shape not guaranteed when it has schema problems). */
  entry: Record<string, unknown>;
  /** True when a schema problem points inside this entry (not inside a nested entry). */
  invalid: boolean;
  name?: string;
  address?: string;
  fullName?: string;
  dependencies: string[];
  refs: RefUse[];
  /** Set once everything about the entry resolved. */
  resource?: DesiredResource;
}
