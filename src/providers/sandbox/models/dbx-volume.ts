/**
 * Simulated Unity Catalog volume: needs its schema, lower-cased ids, `storage_location` required
 * for EXTERNAL and refused for MANAGED (as the API does). Volumes have no properties, so their
 * ownership/archive markers live in UC tags next to the user tags. Only the comment can change.
 */
import type { VolumeProps } from "../../../core/resources.js";
import { compact, stringMap, type TypeModel } from "../type-model.js";
import {
  checkUcName,
  renameUc,
  requireSchema,
  setOptional,
  ucAlreadyExists,
  ucInvalid,
} from "./uc-common.js";

export const dbxVolumeModel: TypeModel<"dbx_volume"> = {
  type: "dbx_volume",
  platform: "databricks",
  noun: "Volume",
  notFoundCode: "RESOURCE_DOES_NOT_EXIST",
  notFoundStatus: 404,
  changeable: ["comment"],
  normalizeId: (id) => id.toLowerCase(),
  candidates(desired, store) {
    const p = desired.properties;
    const o = store.get("dbx_volume", `${p.catalog_name}.${p.schema_name}.${desired.name}`.toLowerCase());
    return o ? [o] : [];
  },
  build(desired, ctx, store, opts) {
    const p: VolumeProps = desired.properties;
    const catalog = p.catalog_name.toLowerCase();
    const schema = p.schema_name.toLowerCase();
    const name = desired.name.toLowerCase();
    checkUcName("Volume", name);
    const fullName = `${catalog}.${schema}.${name}`;
    if (p.volume_type === "MANAGED" && p.storage_location)
      throw ucInvalid("CreateVolume storage_location can not be provided.");
    if (p.volume_type === "EXTERNAL" && !p.storage_location)
      throw ucInvalid(`Volume ${fullName}: an EXTERNAL volume needs a storage_location.`);
    if (p.volume_type !== "MANAGED" && p.volume_type !== "EXTERNAL")
      throw ucInvalid(
        `Volume ${fullName}: volume_type '${String(p.volume_type)}' is not MANAGED or EXTERNAL.`,
      );
    requireSchema(store, catalog, schema, `volume ${fullName}`);
    if (store.get("dbx_volume", fullName))
      throw ucAlreadyExists("Volume", fullName, "RESOURCE_ALREADY_EXISTS");
    const seq = store.nextSeq("volume_id", 1);
    const volumeId = `sbx-vol-${seq}`;
    const data = compact({
      name,
      catalog_name: catalog,
      schema_name: schema,
      full_name: fullName,
      volume_id: volumeId,
      volume_type: p.volume_type,
      storage_location: p.storage_location,
      managed_location:
        p.volume_type === "MANAGED" ? `s3://sandbox-metastore/volumes/${volumeId}` : undefined,
      comment: p.comment,
      owner: ctx.actor,
      created_at: opts.now(),
      tags: {},
    });
    return {
      remoteId: fullName,
      name,
      fullName,
      parentType: "dbx_schema",
      parentId: `${catalog}.${schema}`,
      data,
    };
  },
  rename: (o, newName, store) => renameUc(store, o, newName, "Volume"),
  markerBag: (d) => stringMap(d, "tags"),
  tagBag: (d) => stringMap(d, "tags"),
  toProperties(o) {
    const d = o.data;
    return compact({
      catalog_name: d.catalog_name,
      schema_name: d.schema_name,
      volume_type: d.volume_type,
      storage_location: d.storage_location,
      comment: d.comment,
    });
  },
  desiredProperties(desired) {
    const p = desired.properties;
    return compact({
      catalog_name: p.catalog_name.toLowerCase(),
      schema_name: p.schema_name.toLowerCase(),
      volume_type: p.volume_type,
      storage_location: p.storage_location,
      comment: p.comment,
    });
  },
  applyField(o, field, value) {
    if (field === "comment") setOptional(o.data, "comment", value);
  },
};
