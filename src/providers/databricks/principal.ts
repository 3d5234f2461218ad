/**
 * The identity a Databricks client acts as, spelt the way Databricks writes creator fields
 * (`creator_user_name` of clusters and jobs, `created_by` of Unity Catalog objects): SCIM
 * `GET /api/2.0/preview/scim/v2/Me` `userName` — a user's email, or for a service principal its
 * application id (a UUID; databricks/cli libs/iamutil/service_principal.go tells service principals
 * apart by exactly that, and databricks-sdk-go jobs.Job.RunAsUserName is "the email of an active
 * workspace user or the application ID of a service principal"). With OAuth M2M the application id
 * is the OAuth client id.
 */
import type { DatabricksClient } from "./client.js";

const cache = new WeakMap<DatabricksClient, Promise<string | undefined>>();

/**
 * The client's principal, read once per client (a failed read is not cached). Undefined when the
 * workspace does not name one. Throws the client's errors (DatabricksCallError: auth for rejected
 * credentials; ProviderError for network failures).
 */
export function principalOf(client: DatabricksClient, signal?: AbortSignal): Promise<string | undefined> {
  const cached = cache.get(client);
  if (cached) return cached;
  const p = client
    .request<{ userName?: string }>("GET", "/api/2.0/preview/scim/v2/Me", { signal })
    .then((me) => (typeof me.userName === "string" && me.userName ? me.userName : undefined));
  cache.set(client, p);
  p.catch(() => {
    if (cache.get(client) === p) cache.delete(client);
  });
  return p;
}
