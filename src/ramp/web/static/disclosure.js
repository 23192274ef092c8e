// In-browser checks of RAMP's public totals (docs/sumtree.md; Python: ramp.disclosure.checks).
//
// Totals (the public page, #totals): (1) the group totals add up to the published root
// (RAMPSumTree.verifyTotals); (2) the checkpoint is signed by the log's key; (3) the record's
// leaf is in the log under that checkpoint (RFC 9162, RAMPVerify); (4) the leaf is a public
// disclosure.sumtree record whose body is the served root and groups; (5) every row shown on the
// page is the sum of those verified groups. A payment (#payment, its contractor's page): the
// totals as above, then its root is theirs, its opening names it, and its line's proof leads to
// the root (RAMPSumTree.verifyInclusion). Each failure names the step and Python's code for it.
"use strict";

(() => {
  const JA = document.documentElement.lang === "ja";
  const M = JA ? {
    ok: "検証成功", failed: "検証失敗", running: "検証中…", nocrypto: "このページではWebCryptoが使えません",
    totals: "グループ合計 → 根(マークル和木)", sig: "チェックポイントの署名(Ed25519)", leaf: "記録 → 署名済みのルート(RFC 9162)",
    record: "ログの記録 = 表示中の根とグループ", shown: "表示中の行 = 検証済みのグループの和", root: "支出の根 = 公表された根",
    opening: "開示内容 = この支出", line: "支出の葉 → 根(包含証明)",
  } : {
    ok: "VERIFIED", failed: "VERIFICATION FAILED", running: "verifying…",
    nocrypto: "WebCrypto is not available on this page (it needs https or localhost)",
    totals: "Group totals → root (Merkle-sum tree)", sig: "Checkpoint signature (Ed25519)",
    leaf: "Record → signed root (RFC 9162)", record: "Logged record = the root and groups served",
    shown: "Rows on this page = sums of the verified groups", root: "The payment's root = the published root",
    opening: "The opening = this payment", line: "The payment's line → root (inclusion proof)",
  };

  class CheckError extends Error {
    constructor(code, message) { super(`${code}: ${message}`); this.code = code; }
  }
  const fail = (code, message) => { throw new CheckError(code, message); };
  const enc = new TextEncoder();
  const dec = new TextDecoder("utf-8", { fatal: true });
  const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
  const fromHex = (s) => Uint8Array.from(s.match(/../g) || [], (h) => parseInt(h, 16));
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const b64 = (s) => {
    if (typeof s !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) fail("malformed", "not base64");
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  };
  // JSON with its object keys sorted: two values are equal when their canonical texts are.
  const canon = (v) => (Array.isArray(v) ? `[${v.map(canon).join(",")}]`
    : v !== null && typeof v === "object" ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(",")}}`
      : JSON.stringify(v));
  const yen = (n) => (globalThis.RAMP && RAMP.yen ? RAMP.yen(n, JA ? "ja" : "en") : `¥${n}`);

  async function fetchText(url) {
    const r = await fetch(url, { cache: "no-store", credentials: "same-origin" });
    if (!r.ok) fail("unavailable", `${url}: HTTP ${r.status}`);
    return r.text();
  }
  const fetchJson = async (url) => JSON.parse(await fetchText(url));

  async function ed25519(publicKey, sig, message) {
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, sig, message);
  }

  function ui(section, prefix) {
    const steps = section.querySelector(`#${prefix}-steps`);
    const status = section.querySelector(`#${prefix}-status`);
    return {
      reset() { steps.replaceChildren(); status.className = "status pending"; delete status.dataset.result; status.textContent = M.running; },
      step(title, ok, detail) {
        const li = document.createElement("li");
        li.className = ok ? "ok" : "failed";
        li.textContent = `${ok ? "✓" : "✗"} ${title}`;
        const d = document.createElement("span");
        d.className = "detail";
        d.textContent = detail;
        li.append(d);
        steps.append(li);
      },
      done(ok, text, code) {
        status.className = `status ${ok ? "ok" : "failed"}`;
        status.dataset.result = ok ? "ok" : "failed";
        if (code) status.dataset.code = code; else delete status.dataset.code;
        status.textContent = `${ok ? M.ok : M.failed}: ${text}`;
      },
    };
  }

  // Runs `checks` (a list of [title, async () => detail]) in order; the first failure stops them.
  async function run(view, checks) {
    let title = checks[0][0];
    try {
      if (!globalThis.crypto || !crypto.subtle) fail("unavailable", M.nocrypto);
      let last = "";
      for (const [t, check] of checks) {
        title = t;
        last = await check();
        view.step(t, true, last);
      }
      return last;
    } catch (err) {
      const code = err.code || "failed";
      view.step(title, false, String(err.message || err));
      view.done(false, String(err.message || err), code);
      return null;
    }
  }

  // The public's checks of a totals document (steps 1-4); `state` collects what later steps use.
  function totalsChecks(fy, state) {
    return [
      [M.totals, async () => {
        state.doc = await fetchJson(`/v1/disclosure/${fy}/totals`);
        const r = await RAMPSumTree.verifyTotals(state.doc.root, state.doc.groups);
        return `${r.groups} groups · ${yen(r.sumYen)} · ${r.count} · root ${state.doc.root.hash}`;
      }],
      [M.sig, async () => {
        const keyText = await fetchText("/v1/log/key");
        let key, cp, own;
        try {
          key = await RAMPVerify.parseVerifierKey(keyText);
          const note = RAMPVerify.splitNote(state.doc.checkpoint);
          cp = RAMPVerify.parseCheckpoint(note.body);
          own = note.signatures.find((s) => s.name === key.name && equal(s.id, key.id));
          if (!own || !(await ed25519(key.publicKey, own.sig, enc.encode(note.body)))) throw new Error("no valid signature by the log's key");
        } catch (err) {
          fail("checkpoint_invalid", String(err.message || err));
        }
        state.cp = cp;
        return `${key.text} · ${cp.origin} · size ${cp.size}`;
      }],
      [M.leaf, async () => {
        const { doc, cp } = state;
        const seq = BigInt(doc.seq);
        if (BigInt(doc.inclusion.index) !== seq || BigInt(doc.inclusion.size) !== cp.size) {
          fail("record_not_in_log", "the inclusion proof is for another leaf or tree size");
        }
        state.leaf = b64(doc.leaf);
        let root;
        try {
          root = await RAMPVerify.rootFromInclusionProof(seq, cp.size, await RAMPVerify.leafHash(state.leaf), doc.inclusion.proof.map(b64));
        } catch (err) {
          fail("record_not_in_log", String(err.message || err));
        }
        if (!equal(root, cp.root)) fail("record_not_in_log", `the proof leads to ${hex(root)}, the checkpoint signs ${hex(cp.root)}`);
        return `${doc.record_id} is leaf ${seq} of ${cp.size}`;
      }],
      [M.record, async () => {
        const { doc } = state;
        let envelope;
        try { envelope = JSON.parse(dec.decode(state.leaf)); } catch { fail("record_mismatch", "the leaf is not JSON"); }
        if (!envelope || envelope.class !== "public" || typeof envelope.body !== "object") {
          fail("record_mismatch", "the leaf is not a public envelope: its body is not in the log");
        }
        const ev = envelope.body;
        if (ev.kind !== "record" || ev.type !== "disclosure.sumtree") fail("record_mismatch", "the leaf is not a disclosure.sumtree record");
        if (ev.id !== doc.record_id || ev.seq !== doc.seq) fail("record_mismatch", `leaf ${doc.seq} is ${ev.id}, not ${doc.record_id}`);
        const served = { fiscal_year: doc.fiscal_year, log_size: doc.log_size, root: doc.root, groups: doc.groups };
        if (canon(ev.body) !== canon(served)) fail("record_mismatch", `the served root or groups differ from the logged ${doc.record_id}`);
        return `${ev.id} · FY${ev.body.fiscal_year} · payments below log size ${ev.body.log_size}`;
      }],
    ];
  }

  // Step 5: every row the page shows is the sum of the verified groups (and no row is missing).
  function shownCheck(section, state) {
    return [M.shown, async () => {
      const sums = (label) => {
        const out = new Map();
        for (const g of state.doc.groups) {
          const k = g[label];
          const [s, c] = out.get(k) || [0n, 0n];
          out.set(k, [s + BigInt(g.sum_yen), c + BigInt(g.count)]);
        }
        return out;
      };
      let rows = 0;
      for (const [id, label] of [["totals-org", "organisation"], ["totals-cat", "category"]]) {
        const want = sums(label);
        const shown = section.querySelectorAll(`#${id} tbody tr`);
        if (shown.length !== want.size) fail("display_mismatch", `${id}: ${shown.length} rows shown, ${want.size} verified`);
        for (const tr of shown) {
          const w = want.get(tr.dataset.key);
          if (!w || BigInt(tr.dataset.yen) !== w[0] || BigInt(tr.dataset.count) !== w[1]) {
            fail("display_mismatch", `${tr.dataset.key}: the page shows ${tr.dataset.yen}, the verified groups sum to ${w ? w[0] : "nothing"}`);
          }
          tr.dataset.verified = "true";
          rows += 1;
        }
      }
      const sum = section.querySelector("#totals-sum");
      if (BigInt(sum.dataset.yen) !== BigInt(state.doc.root.sum_yen)) fail("display_mismatch", "the total shown is not the root's");
      return `${rows} rows`;
    }];
  }

  async function verifyTotalsSection(section) {
    const view = ui(section, "totals");
    view.reset();
    const state = {};
    const fy = section.dataset.fy;
    const done = await run(view, [...totalsChecks(fy, state), shownCheck(section, state)]);
    if (done !== null) {
      const r = state.doc.root;
      view.done(true, JA
        ? `${r.fiscal_year}年度の支出 ${yen(BigInt(r.sum_yen))}(${r.count}件)は、ログ ${state.doc.seq} 番目の記録 ${state.doc.record_id} の根と一致します`
        : `FY${r.fiscal_year}'s ${yen(BigInt(r.sum_yen))} in ${r.count} payments add up to the root in ${state.doc.record_id}, leaf ${state.doc.seq} of the signed log`);
    }
  }

  async function verifyPaymentSection(section) {
    const view = ui(section, "payment");
    view.reset();
    const state = {};
    const fy = section.dataset.fy, id = section.dataset.id;
    let result;
    const checks = [...totalsChecks(fy, state),
      [M.root, async () => {
        state.pay = await fetchJson(`/dashboard/disclosure/${fy}/payments/${encodeURIComponent(id)}`);
        const p = state.pay;
        if (p.record_id !== state.doc.record_id || p.seq !== state.doc.seq || canon(p.root) !== canon(state.doc.root)) {
          fail("root_not_published", `the payment's root is not the one ${state.doc.record_id} logged`);
        }
        return `${p.record_id} · root ${p.root.hash}`;
      }],
      [M.opening, async () => {
        let priv;
        try { priv = JSON.parse(dec.decode(fromHex(state.pay.opening.private))); } catch { fail("opening_mismatch", "the private bytes are not JSON"); }
        if (!priv || priv.transfer_id !== id) fail("opening_mismatch", `the opening is not of payment ${id}`);
        state.priv = priv;
        return `${priv.code} · ${priv.contract} · ${priv.vendor} · ${yen(BigInt(state.pay.opening.amount_yen))}`;
      }],
      [M.line, async () => {
        result = await RAMPSumTree.verifyInclusion(state.pay.root, state.pay.opening, state.pay.proof);
        return `${result.organisation} / ${result.category} · commitment ${result.commitment}`;
      }],
    ];
    if ((await run(view, checks)) !== null) {
      const amount = yen(BigInt(state.pay.opening.amount_yen));
      view.done(true, JA
        ? `${id}(${amount})は ${state.doc.record_id} の根に ${result.organisation} / ${result.category} として算入されています`
        : `${id} (${amount}) is counted under ${result.organisation} / ${result.category} in the root of ${state.doc.record_id}`);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const totals = document.getElementById("totals");
    if (totals) {
      document.getElementById("totals-run").addEventListener("click", () => verifyTotalsSection(totals));
      verifyTotalsSection(totals);
    }
    const payment = document.getElementById("payment");
    if (payment) {
      document.getElementById("payment-run").addEventListener("click", () => verifyPaymentSection(payment));
      verifyPaymentSection(payment);
    }
  });
})();
