/**
 * Per-run cache of remote reads: each remote object is read (or looked up) at most once per run,
 * concurrent requests for the same object share one call, and our own writes invalidate the
 * entry so the next read sees the new state.
 */
import type { DesiredResource, ProvisionedType } from "../core/resources.js";
import type { Provider, ProviderContext, RemoteObject } from "./ports.js";

export class ReadCache {
  private readonly reads = new Map<string, Promise<RemoteObject | null>>();
  private readonly lookups = new Map<string, Promise<RemoteObject | null>>();
  /** Provider calls actually made (cache misses), for tests and `--verbose`. */
  calls = 0;
  hits = 0;

  /** Read by remote id through the cache. A failed read is not cached (the error propagates). */
  read(provider: Provider, remoteId: string, ctx: ProviderContext): Promise<RemoteObject | null> {
    const key = `${provider.type}|${remoteId}`;
    return this.memo(this.reads, key, () => provider.read(remoteId, ctx));
  }

  /** Natural-key lookup through the cache; a hit also primes the read cache for its remote id. */
  lookup(provider: Provider, desired: DesiredResource, ctx: ProviderContext): Promise<RemoteObject | null> {
    const key = `${desired.type}|${desired.address}`;
    return this.memo(this.lookups, key, async () => {
      const found = await provider.lookup(desired, ctx);
      if (found) this.reads.set(`${found.type}|${found.remoteId}`, Promise.resolve(found));
      return found;
    });
  }

  /** Forget what we know about an object after writing to it (or creating/deleting it). */
  invalidate(type: ProvisionedType, remoteId: string | undefined, address?: string): void {
    if (remoteId !== undefined) this.reads.delete(`${type}|${remoteId}`);
    if (address !== undefined) this.lookups.delete(`${type}|${address}`);
  }

  private memo(
    map: Map<string, Promise<RemoteObject | null>>,
    key: string,
    load: () => Promise<RemoteObject | null>,
  ) {
    const cached = map.get(key);
    if (cached) {
      this.hits++;
      return cached;
    }
    this.calls++;
    const p = load().catch((e: unknown) => {
      map.delete(key);
      throw e;
    });
    map.set(key, p);
    return p;
  }
}
