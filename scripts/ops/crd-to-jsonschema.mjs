// Convert CustomResourceDefinition YAML files into the JSON Schema layout kubeconform reads:
//   OUT/<group>/<kind>_<version>.json   (-schema-location 'OUT/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json')
// Like kubeconform's openapi2jsonschema.py in strict mode: every object schema that lists
// `properties` and says nothing about additionalProperties gets `additionalProperties: false`
// (unless x-kubernetes-preserve-unknown-fields), and int-or-string becomes string|integer.
// Usage: node crd-to-jsonschema.mjs OUT CRD.yaml...   (js-yaml resolved via NODE_PATH)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const yaml = require("js-yaml");

function strict(schema) {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strict(v);
  if (out["x-kubernetes-int-or-string"] === true && !out.anyOf && !out.oneOf) {
    out.oneOf = [{ type: "string" }, { type: "integer" }];
  }
  if (
    out.properties &&
    !("additionalProperties" in out) &&
    out["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

const [outDir, ...files] = process.argv.slice(2);
if (!outDir || files.length === 0) {
  console.error("usage: crd-to-jsonschema.mjs OUT CRD.yaml...");
  process.exit(2);
}
let written = 0;
for (const file of files) {
  for (const doc of yaml.loadAll(fs.readFileSync(file, "utf8"))) {
    if (!doc || doc.kind !== "CustomResourceDefinition") continue;
    const { group, names, versions } = doc.spec;
    for (const v of versions) {
      const schema = v.schema && v.schema.openAPIV3Schema;
      if (!schema) continue;
      const dir = path.join(outDir, group);
      fs.mkdirSync(dir, { recursive: true });
      const target = path.join(dir, `${names.kind.toLowerCase()}_${v.name}.json`);
      const body = { $schema: "http://json-schema.org/draft-07/schema#", ...strict(schema) };
      fs.writeFileSync(target, JSON.stringify(body, null, 1));
      written += 1;
    }
  }
}
console.log(`wrote ${written} schemas to ${outDir}`);
