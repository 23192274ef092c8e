// In-browser check that the log only grew between two checkpoints (RFC 9162 section 2.1.4.2).
//
// Fetched: the log's verifier key, the two checkpoints as signed notes (with cosignatures),
// the witnesses' keys, and the consistency proof. Computed here, with WebCrypto: each note's
// Ed25519 signature by the log, each known witness's cosignature/v1, and the two roots the
// proof leads to, which must equal the two SIGNED roots — the proof's own `old_root` and
// `new_root` fields are never trusted. Parsing helpers come from verify.js (RAMPVerify).
"use strict";

(() => {
  const JA = document.documentElement.lang === "ja";
  const M = JA ? {
    ok: "検証成功", failed: "検証失敗", running: "検証中…", key: "ログの公開鍵", old: "古いチェックポイントの署名",
    new: "新しいチェックポイントの署名", proof: "整合性証明(RFC 9162)→ 署名済みの2つのルート",
    nocrypto: "このページではWebCryptoが使えません(https か localhost が必要)",
    done: (a, b) => `サイズ ${a} のログはサイズ ${b} のログの先頭部分です(追記のみ)`,
    cosigned: (n) => `ウィトネスの連署 ${n}件を検証`,
  } : {
    ok: "VERIFIED", failed: "VERIFICATION FAILED", running: "verifying…", key: "Log public key",
    old: "Old checkpoint signature", new: "New checkpoint signature",
    proof: "Consistency proof (RFC 9162) → both signed roots",
    nocrypto: "WebCrypto is not available on this page (it needs https or localhost)",
    done: (a, b) => `the log at size ${a} is a prefix of the log at size ${b}: it was only appended to`,
    cosigned: (n) => `${n} witness cosignature(s) verified`,
  };
  const enc = new TextEncoder();
  const b64 = (s) => {
    if (typeof s !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Error("not base64");
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  };
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sha256 = async (u8) => new Uint8Array(await crypto.subtle.digest("SHA-256", u8));
  const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

  // RFC 9162 2.1.4.2, as ramp.tlog.merkle.verify_consistency: throws unless `proof` shows the
  // tree (size1, root1) is a prefix of (size2, root2). Sizes are BigInt-safe. A proof from the
  // empty tree proves nothing and is refused; equal sizes need equal roots and no proof.
  async function verifyConsistency(size1, size2, proof, root1, root2) {
    let fn = BigInt(size1);
    let sn = BigInt(size2);
    if (fn < 0n || sn < 0n) throw new Error("a size is negative");
    if (fn > sn) throw new Error(`size1 ${size1} > size2 ${size2}`);
    if (fn === 0n) throw new Error("a consistency proof from the empty tree proves nothing");
    for (const p of proof) if (!(p instanceof Uint8Array) || p.length !== 32) throw new Error("a proof hash is not 32 bytes");
    if (fn === sn) {
      if (proof.length) throw new Error("sizes are equal, the proof is not empty");
      if (!equal(root1, root2)) throw new Error("sizes are equal, roots are not");
      return;
    }
    if (!proof.length) throw new Error("the proof is empty");
    const path = (fn & (fn - 1n)) === 0n ? [root1, ...proof] : [...proof]; // a power of two: its root is a node
    fn -= 1n;
    sn -= 1n;
    while (fn & 1n) { fn >>= 1n; sn >>= 1n; }
    let fr = path[0];
    let sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0n) throw new Error("the proof is too long");
      if ((fn & 1n) || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        if (!(fn & 1n)) while (fn && !(fn & 1n)) { fn >>= 1n; sn >>= 1n; }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) throw new Error("the proof is too short");
    if (!equal(fr, root1)) throw new Error("the proof does not lead to the old root");
    if (!equal(sr, root2)) throw new Error("the proof does not lead to the new root");
  }

  async function ed25519(publicKey, sig, message) {
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, sig, message);
  }

  async function fetchText(url) {
    const r = await fetch(url, { cache: "no-store" });
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.text();
  }

  // A checkpoint at `size`, its log signature verified; each cosignature by a witness the server
  // recorded is verified too (an invalid one fails). Returns the signed root and cosigner count.
  async function signedCheckpoint(V, logKey, size) {
    const note = V.splitNote(await fetchText(`/dashboard/checkpoint?size=${size}`));
    const cp = V.parseCheckpoint(note.body);
    if (cp.size !== BigInt(size)) throw new Error(`the checkpoint says size ${cp.size}, not ${size}`);
    const body = enc.encode(note.body);
    const mine = note.signatures.find((s) => s.name === logKey.name && equal(s.id, logKey.id));
    if (!mine || !(await ed25519(logKey.publicKey, mine.sig, body))) throw new Error(`the log's signature on checkpoint ${size} does not verify`);
    const known = JSON.parse(await fetchText(`/dashboard/witnesses?size=${size}`)).witnesses;
    let cosigned = 0;
    for (const w of known) {
      const key = await V.parseVerifierKey(w.vkey);
      const s = note.signatures.find((x) => x.name === key.name && equal(x.id, key.id));
      if (!s) continue;
      if (s.sig.length !== 72) throw new Error(`the cosignature of ${key.name} is malformed`);
      const time = new DataView(s.sig.buffer, s.sig.byteOffset, 8).getBigUint64(0);
      const msg = concat(enc.encode(`cosignature/v1\ntime ${time}\n`), body);
      if (!(await ed25519(key.publicKey, s.sig.slice(8), msg))) throw new Error(`the cosignature of ${key.name} does not verify`);
      cosigned += 1;
    }
    return { root: cp.root, cosigned };
  }

  async function run(section) {
    const status = section.querySelector("#consistency-status");
    const steps = section.querySelector("#consistency-steps");
    const step = (title, ok, detail) => {
      const li = document.createElement("li");
      li.className = ok ? "ok" : "failed";
      li.textContent = `${ok ? "✓" : "✗"} ${title}`;
      const d = document.createElement("span");
      d.className = "detail";
      d.textContent = detail;
      li.append(d);
      steps.append(li);
    };
    const done = (ok, text) => {
      status.className = `status ${ok ? "ok" : "failed"}`;
      status.dataset.result = ok ? "ok" : "failed";
      status.textContent = `${ok ? M.ok : M.failed}: ${text}`;
    };
    steps.replaceChildren();
    delete status.dataset.result;
    status.className = "status pending";
    status.textContent = M.running;
    const oldSize = section.querySelector("#c-old").value.trim();
    const newSize = section.querySelector("#c-new").value.trim();
    let title = M.key;
    try {
      if (!globalThis.crypto || !crypto.subtle) throw new Error(M.nocrypto);
      if (!/^[1-9][0-9]{0,18}$/.test(oldSize) || !/^[1-9][0-9]{0,18}$/.test(newSize)) throw new Error("sizes must be whole numbers above 0");
      const V = globalThis.RAMPVerify;
      const logKey = await V.parseVerifierKey(await fetchText("/v1/log/key"));
      step(title, true, logKey.text);
      title = M.old;
      const older = await signedCheckpoint(V, logKey, oldSize);
      step(title, true, `${oldSize} · ${btoa(String.fromCharCode(...older.root))} · ${M.cosigned(older.cosigned)}`);
      title = M.new;
      const newer = await signedCheckpoint(V, logKey, newSize);
      step(title, true, `${newSize} · ${btoa(String.fromCharCode(...newer.root))} · ${M.cosigned(newer.cosigned)}`);
      title = M.proof;
      const proof = JSON.parse(await fetchText(`/v1/log/proof/consistency?old=${oldSize}&new=${newSize}`));
      if (!Array.isArray(proof.proof)) throw new Error("the proof has no hashes");
      await verifyConsistency(oldSize, newSize, proof.proof.map(b64), older.root, newer.root);
      step(title, true, `${proof.proof.length} hash(es)`);
      done(true, M.done(oldSize, newSize));
    } catch (err) {
      step(title, false, String(err.message || err));
      done(false, String(err.message || err));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const section = document.getElementById("consistency");
    if (!section) return;
    section.querySelector("#consistency-form").addEventListener("submit", (ev) => { ev.preventDefault(); run(section); });
    run(section);
  });

  globalThis.RAMPConsistency = { verifyConsistency };
})();
