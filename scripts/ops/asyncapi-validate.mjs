// Validate an AsyncAPI document with the official parser (@asyncapi/parser), resolving
// relative $refs (./clean-article.v1.json ...) from the document's directory.
// Usage: node asyncapi-validate.mjs schemas/asyncapi.yaml   (parser resolved via NODE_PATH)
// Exit 1 on any error-severity diagnostic; warnings are printed.
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Parser, fromFile } = require("@asyncapi/parser");

const file = process.argv[2];
if (!file) {
  console.error("usage: asyncapi-validate.mjs FILE");
  process.exit(2);
}
const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, path.resolve(file)).parse();
const severities = ["error", "warning", "info", "hint"];
for (const d of diagnostics) {
  console.log(`${severities[d.severity]} ${d.code} at ${d.path.join("/")}: ${d.message}`);
}
const errors = diagnostics.filter((d) => d.severity === 0);
if (!document || errors.length > 0) {
  console.log(`INVALID: ${errors.length} error(s) in ${file}`);
  process.exit(1);
}
const channels = document.channels().all().map((c) => c.address());
const operations = document.operations().all().map((o) => `${o.action()} ${o.channels().all().map((c) => c.address()).join(",")}`);
console.log(`VALID: AsyncAPI ${document.version()} ${file}; channels ${channels.join(", ")}; operations ${operations.join("; ")}; ${diagnostics.length} non-error diagnostic(s)`);
