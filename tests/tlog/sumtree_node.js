// Runs src/ramp/web/static/sumtree.js under node on the cases of a JSON file, prints the results.
// Usage: node sumtree_node.js SUMTREE_JS CASES_JSON -> [{ok, code, value}, ...] on stdout.
"use strict";

const fs = require("node:fs");

if (!globalThis.crypto || !globalThis.crypto.subtle) throw new Error("no WebCrypto in this node");
require(process.argv[2]);
const ST = globalThis.RAMPSumTree;
const cases = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));

(async () => {
  const out = [];
  for (const c of cases) {
    try {
      let value = null;
      if (c.kind === "inclusion") await ST.verifyInclusion(c.root, c.opening, c.proof);
      else if (c.kind === "totals") await ST.verifyTotals(c.root, c.groups);
      else if (c.kind === "commitment") value = await ST.commitmentHex(c.salt, c.private);
      else if (c.kind === "empty_root") value = await ST.emptyRootHex(c.fiscal_year);
      else throw new Error(`unknown case kind ${c.kind}`);
      out.push({ ok: true, code: null, value });
    } catch (err) {
      // Anything but a SumTreeError is a bug in sumtree.js: reported, so the test fails.
      const code = err instanceof ST.SumTreeError ? err.code : `js_error: ${err && err.stack}`;
      out.push({ ok: false, code, value: null });
    }
  }
  process.stdout.write(JSON.stringify(out));
})();
