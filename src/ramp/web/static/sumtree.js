// In-browser checks of RAMP's Merkle-sum tree (ramp.tlog.sumtree; byte layouts in docs/sumtree.md).
//
// verifyInclusion: a contractor's payment (amount, count, salt, private bytes) is counted in a
// fiscal year's published root. verifyTotals: the published group totals are exactly the ones
// under that root, so they add up to its sum and count. Inputs are the JSON shapes of
// ramp.tlog.sumtree_wire (hex bytes, decimal-string sums, BigInt here); each check resolves, or
// rejects with a SumTreeError whose `code` is the one Python gives for the same input.
// WebCrypto SHA-256 only, no libraries; the checks run in the same order as in Python.
"use strict";

(() => {
  const LIMITS = Object.freeze({
    HASH_SIZE: 32, SALT_SIZE: 32, AMOUNT_MAX: (1n << 63n) - 1n, SUM_MAX: (1n << 63n) - 1n,
    COUNT_MAX: (1n << 63n) - 1n, LINES_MAX: 2 ** 20, LINE_PROOF_MAX: 20, GROUPS_MAX: 2 ** 12,
    GROUP_PROOF_MAX: 12, PRIVATE_BYTES_MAX: 64 * 1024, FISCAL_YEAR_MIN: 1947, FISCAL_YEAR_MAX: 9999,
  });
  const COMMITMENT_TAG = new TextEncoder().encode("RAMP-SUMTREE-V1-COMMITMENT\0");
  const LINE_LEAF = 0x10, NODE = 0x11, GROUP_LEAF = 0x12, EMPTY = 0x13;
  const LABEL_RE = /^[a-z0-9_-]{1,64}$/;
  const HEX_RE = /^(?:[0-9a-f]{2})*$/;
  const DEC_RE = /^(?:0|-?[1-9][0-9]{0,19})$/;

  class SumTreeError extends Error {
    constructor(code, message) {
      super(`${code}: ${message}`);
      this.name = "SumTreeError";
      this.code = code;
    }
  }
  const fail = (code, message) => { throw new SumTreeError(code, message); };

  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const toHex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
  const sha256 = async (u8) => new Uint8Array(await crypto.subtle.digest("SHA-256", u8));
  const u64 = (v) => {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`${v} is not a uint64`);
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, v);
    return out;
  };
  const u16 = (v) => Uint8Array.of(v >> 8, v & 0xff);
  const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));

  // --- hashing (node = {hash: Uint8Array, sum: BigInt, count: BigInt}) -----------------------
  const commitment = (salt, priv) => sha256(concat(COMMITMENT_TAG, salt, priv));
  const lineLeafHash = (c, amount, count) => sha256(concat(Uint8Array.of(LINE_LEAF), c, u64(amount), u64(count)));
  const nodeHash = (l, r) => sha256(concat(
    Uint8Array.of(NODE), l.hash, u64(l.sum), u64(l.count), r.hash, u64(r.sum), u64(r.count)));
  const groupLeafHash = (fy, org, cat, g) => {
    const o = ascii(org), c = ascii(cat);
    return sha256(concat(Uint8Array.of(GROUP_LEAF), u16(fy), Uint8Array.of(o.length), o,
      Uint8Array.of(c.length), c, g.hash, u64(g.sum), u64(g.count)));
  };
  const emptyRootHash = (fy) => sha256(concat(Uint8Array.of(EMPTY), u16(fy)));

  async function join(l, r) {
    const sum = l.sum + r.sum, count = l.count + r.count;
    if (sum > LIMITS.SUM_MAX) fail("sum_overflow", `sum ${sum} passes ${LIMITS.SUM_MAX}`);
    if (count > LIMITS.COUNT_MAX) fail("sum_overflow", `count ${count} passes ${LIMITS.COUNT_MAX}`);
    return { hash: await nodeHash(l, r), sum, count };
  }

  // --- decoding the wire shapes (all MALFORMED, before any range check) -----------------------
  const object = (v, keys, what) => {
    const ok = v !== null && typeof v === "object" && !Array.isArray(v) &&
      Object.keys(v).length === keys.length && keys.every((k) => Object.hasOwn(v, k));
    if (!ok) fail("malformed", `${what} must be an object with keys ${keys.join(", ")}`);
    return v;
  };
  const hexBytes = (v, what) => {
    if (typeof v !== "string" || !HEX_RE.test(v)) fail("malformed", `${what} is not lowercase hex`);
    const out = new Uint8Array(v.length / 2);
    for (let i = 0; i < out.length; i += 1) out[i] = parseInt(v.slice(2 * i, 2 * i + 2), 16);
    return out;
  };
  const dec = (v, what) => {
    if (typeof v !== "string" || !DEC_RE.test(v)) fail("malformed", `${what} is not a decimal string`);
    return BigInt(v);
  };
  const int = (v, what) => {
    if (!Number.isSafeInteger(v)) fail("malformed", `${what} is not a JSON integer`);
    return v;
  };
  const str = (v, what) => {
    if (typeof v !== "string") fail("malformed", `${what} is not a string`);
    return v;
  };
  const NODE_KEYS = ["hash", "sum_yen", "count"];
  const decodeNode = (v, what) => {
    const o = object(v, NODE_KEYS, what);
    return { hash: hexBytes(o.hash, `${what}.hash`), sum: dec(o.sum_yen, `${what}.sum_yen`), count: dec(o.count, `${what}.count`) };
  };
  function decodeRoot(v) {
    const o = object(v, ["fiscal_year", ...NODE_KEYS], "root");
    const n = decodeNode({ hash: o.hash, sum_yen: o.sum_yen, count: o.count }, "root");
    return { fiscalYear: int(o.fiscal_year, "root.fiscal_year"), ...n };
  }
  function decodeGroups(v) {
    if (!Array.isArray(v)) fail("malformed", "groups must be an array");
    return v.map((item, i) => {
      const o = object(item, ["organisation", "category", ...NODE_KEYS], `groups[${i}]`);
      const org = str(o.organisation, "organisation"), cat = str(o.category, "category");
      return { org, cat, node: decodeNode({ hash: o.hash, sum_yen: o.sum_yen, count: o.count }, `groups[${i}]`) };
    });
  }
  const decodePath = (v, what) => {
    if (!Array.isArray(v)) fail("malformed", `${what} must be an array`);
    return v.map((item, i) => decodeNode(item, `${what}[${i}]`));
  };
  function decodeProof(v) {
    const o = object(v, ["organisation", "category", "line_index", "line_tree_size", "line_path",
      "group_index", "group_tree_size", "group_path"], "proof");
    return {
      org: str(o.organisation, "organisation"), cat: str(o.category, "category"),
      lineIndex: int(o.line_index, "line_index"), lineSize: int(o.line_tree_size, "line_tree_size"),
      linePath: decodePath(o.line_path, "line_path"),
      groupIndex: int(o.group_index, "group_index"), groupSize: int(o.group_tree_size, "group_tree_size"),
      groupPath: decodePath(o.group_path, "group_path"),
    };
  }
  function decodeOpening(v) {
    const o = object(v, ["amount_yen", "count", "salt", "private"], "opening");
    return { amount: dec(o.amount_yen, "amount_yen"), count: dec(o.count, "count"),
      salt: hexBytes(o.salt, "salt"), priv: hexBytes(o.private, "private") };
  }

  // --- range checks (the order of ramp.tlog.sumtree's) ------------------------------------------
  const checkInt = (name, v, min, max) => {
    if (v < 0n) fail("negative", `${name}=${v} is negative`);
    if (v < min) fail("zero_count", `${name}=${v} is below ${min}`);
    if (v > max) fail("out_of_range", `${name}=${v} passes ${max}`);
  };
  const checkHash = (name, h) => { if (h.length !== LIMITS.HASH_SIZE) fail("bad_hash_length", `${name} is not 32 bytes`); };
  const checkNode = (name, n, minCount) => {
    checkHash(`${name}.hash`, n.hash);
    checkInt(`${name}.sum_yen`, n.sum, 0n, LIMITS.SUM_MAX);
    checkInt(`${name}.count`, n.count, minCount, LIMITS.COUNT_MAX);
  };
  const checkFiscalYear = (fy) => {
    if (!(fy >= LIMITS.FISCAL_YEAR_MIN && fy <= LIMITS.FISCAL_YEAR_MAX)) fail("bad_fiscal_year", `fiscal year ${fy}`);
  };
  const checkGroup = (org, cat) => {
    if (!LABEL_RE.test(org) || !LABEL_RE.test(cat)) fail("bad_label", `labels ${org}/${cat} are not codes`);
  };
  const checkRoot = (root) => { checkFiscalYear(root.fiscalYear); checkNode("root", root, 0n); };
  const compareGroups = (a, b) => (a.org !== b.org ? (a.org < b.org ? -1 : 1) : (a.cat < b.cat ? -1 : a.cat > b.cat ? 1 : 0));

  // --- tree shape (RFC 6962 split at the largest power of two below the size) ------------------
  const split = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; }; // integers, no log2
  function siblingOnLeft(index, size) {
    const sides = [];
    let lo = 0, hi = size;
    while (hi - lo > 1) {
      const mid = lo + split(hi - lo);
      if (index < mid) { sides.push(false); hi = mid; } else { sides.push(true); lo = mid; }
    }
    return sides.reverse();
  }
  async function rangeNode(leaves, lo, hi) {
    if (hi - lo === 1) return leaves[lo];
    const k = split(hi - lo);
    return join(await rangeNode(leaves, lo, lo + k), await rangeNode(leaves, lo + k, hi));
  }
  function checkPath(kind, index, size, path, sizeMax) {
    if (!(size >= 1 && size <= sizeMax)) fail("size_out_of_range", `${kind} size ${size}`);
    if (!(index >= 0 && index < size)) fail("index_out_of_range", `${kind} index ${index}`);
    const expected = siblingOnLeft(index, size).length;
    if (path.length !== expected) fail("wrong_proof_length", `${kind} path has ${path.length}, needs ${expected}`);
    path.forEach((n, i) => checkNode(`${kind}_path[${i}]`, n, 1n));
  }
  async function fold(node, index, size, path) {
    const sides = siblingOnLeft(index, size);
    for (let i = 0; i < path.length; i += 1) {
      node = sides[i] ? await join(path[i], node) : await join(node, path[i]);
    }
    return node;
  }
  function compare(root, node) {
    if (!equal(node.hash, root.hash)) fail("root_mismatch", `computed ${toHex(node.hash)}, root ${toHex(root.hash)}`);
    if (node.sum !== root.sum) fail("sum_mismatch", `sum ${node.sum} != ${root.sum}`);
    if (node.count !== root.count) fail("count_mismatch", `count ${node.count} != ${root.count}`);
  }

  // --- the two checks -----------------------------------------------------------------------
  async function verifyInclusion(rootWire, openingWire, proofWire) {
    const root = decodeRoot(rootWire);
    const opening = decodeOpening(openingWire);
    const proof = decodeProof(proofWire);
    checkRoot(root);
    checkInt("amount_yen", opening.amount, 0n, LIMITS.AMOUNT_MAX);
    checkInt("count", opening.count, 1n, LIMITS.COUNT_MAX);
    if (opening.salt.length !== LIMITS.SALT_SIZE) fail("bad_salt_length", "salt must be 32 bytes");
    if (opening.priv.length > LIMITS.PRIVATE_BYTES_MAX) fail("private_too_large", "private bytes too large");
    checkGroup(proof.org, proof.cat);
    checkPath("line", proof.lineIndex, proof.lineSize, proof.linePath, LIMITS.LINES_MAX);
    checkPath("group", proof.groupIndex, proof.groupSize, proof.groupPath, LIMITS.GROUPS_MAX);
    const c = await commitment(opening.salt, opening.priv);
    const leaf = { hash: await lineLeafHash(c, opening.amount, opening.count), sum: opening.amount, count: opening.count };
    const groupRoot = await fold(leaf, proof.lineIndex, proof.lineSize, proof.linePath);
    const groupLeaf = { hash: await groupLeafHash(root.fiscalYear, proof.org, proof.cat, groupRoot), sum: groupRoot.sum, count: groupRoot.count };
    compare(root, await fold(groupLeaf, proof.groupIndex, proof.groupSize, proof.groupPath));
    return { organisation: proof.org, category: proof.cat, commitment: toHex(c) };
  }

  async function verifyTotals(rootWire, groupsWire) {
    const root = decodeRoot(rootWire);
    const groups = decodeGroups(groupsWire);
    checkRoot(root);
    if (groups.length > LIMITS.GROUPS_MAX) fail("too_many_groups", `more than ${LIMITS.GROUPS_MAX} groups`);
    const leaves = [];
    groups.forEach((g, i) => {
      checkGroup(g.org, g.cat);
      checkNode(`groups[${i}]`, g.node, 1n);
      if (i > 0 && compareGroups(groups[i - 1], g) >= 0) fail("group_order", `groups[${i}] is not after groups[${i - 1}]`);
    });
    for (const g of groups) {
      leaves.push({ hash: await groupLeafHash(root.fiscalYear, g.org, g.cat, g.node), sum: g.node.sum, count: g.node.count });
    }
    if (leaves.length === 0) {
      compare(root, { hash: await emptyRootHash(root.fiscalYear), sum: 0n, count: 0n });
    } else {
      compare(root, await rangeNode(leaves, 0, leaves.length));
    }
    return { sumYen: root.sum, count: root.count, groups: groups.length };
  }

  const commitmentHex = async (saltHex, privateHex) => {
    const salt = hexBytes(saltHex, "salt"), priv = hexBytes(privateHex, "private");
    if (salt.length !== LIMITS.SALT_SIZE) fail("bad_salt_length", "salt must be 32 bytes");
    if (priv.length > LIMITS.PRIVATE_BYTES_MAX) fail("private_too_large", "private bytes too large");
    return toHex(await commitment(salt, priv));
  };
  const emptyRootHex = async (fy) => { checkFiscalYear(int(fy, "fiscal_year")); return toHex(await emptyRootHash(fy)); };

  globalThis.RAMPSumTree = Object.freeze({
    verifyInclusion, verifyTotals, commitmentHex, emptyRootHex, SumTreeError, LIMITS,
  });
})();
