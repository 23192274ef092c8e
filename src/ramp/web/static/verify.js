// In-browser verification that a transfer is in RAMP's log (RFC 9162 + C2SP signed notes).
//
// Fetched from the server: the log's verifier key, the latest checkpoint (a signed note with
// witness cosignatures), the transfer's log entry, its inclusion proof at the checkpoint's size,
// and the witnesses' verifier keys. Computed here, with WebCrypto: the entry's leaf hash, the
// root the proof leads to (RFC 9162 section 2.1.3.2), the Ed25519 signature of the log on the
// checkpoint and each witness's cosignature/v1. The proof's own `root` and `leaf_hash` fields
// are never trusted: only the signed checkpoint's root counts.
"use strict";

(() => {
  const JA = document.documentElement.lang === "ja";
  const M = JA ? {
    ok: "検証成功", failed: "検証失敗", running: "検証中…",
    key: "ログの公開鍵", sig: "チェックポイントの署名(Ed25519)", entry: "ログの記録",
    proof: "包含証明(RFC 9162)→ 署名済みのルート", witnesses: "ウィトネスの連署", nocrypto: "このページではWebCryptoが使えません(https か localhost が必要)",
  } : {
    ok: "VERIFIED", failed: "VERIFICATION FAILED", running: "verifying…",
    key: "Log public key", sig: "Checkpoint signature (Ed25519)", entry: "Log entry",
    proof: "Inclusion proof (RFC 9162) → signed root", witnesses: "Witness cosignatures",
    nocrypto: "WebCrypto is not available on this page (it needs https or localhost)",
  };

  const enc = new TextEncoder();
  const b64 = (s) => {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Error(`not base64: ${s.slice(0, 16)}`);
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  };
  const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sha256 = async (u8) => new Uint8Array(await crypto.subtle.digest("SHA-256", u8));
  const leafHash = (leaf) => sha256(concat(Uint8Array.of(0), leaf));
  const fromHex = (s) => {
    if (!/^([0-9a-f]{2})*$/.test(s)) throw new Error("not hex");
    return Uint8Array.from(s.match(/../g) || [], (h) => parseInt(h, 16));
  };

  // The public envelope of an event (journal/envelope.py): its body when public, otherwise
  // SHA-256("ramp-commitment-v1\0" || salt || body), byte for byte as the writer seals it.
  const COMMITMENT_TAG = concat(enc.encode("ramp-commitment-v1"), Uint8Array.of(0));
  async function seal(body, kind, seq, timestamp, cls, salt) {
    if (!/^[a-z_]{1,32}$/.test(kind) || !/^(0|[1-9][0-9]*)$/.test(String(seq)) || !/^(0|[1-9][0-9]*)$/.test(timestamp)) {
      throw new Error("the event's kind, seq or time is malformed");
    }
    const tail = enc.encode(`"kind":"${kind}","seq":${seq},"timestamp":"${timestamp}"}`);
    if (cls === "public") return concat(enc.encode('{"body":'), body, enc.encode(',"class":"public",'), tail);
    if (cls !== "restricted" && cls !== "secret") throw new Error(`unknown classification ${cls}`);
    const hidden = hex(await sha256(concat(COMMITMENT_TAG, enc.encode(cls), Uint8Array.of(0), salt, body)));
    return concat(enc.encode(`{"class":"${cls}","commitment":"${hidden}",`), tail);
  }
  const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

  // RFC 9162 2.1.3.2: the root an inclusion proof leads to (BigInt: sizes may pass 2^31).
  async function rootFromInclusionProof(index, size, leaf, proof) {
    let fn = BigInt(index);
    let sn = BigInt(size) - 1n;
    if (fn > sn) throw new Error(`index ${index} is not below size ${size}`);
    let r = leaf;
    for (const p of proof) {
      if (p.length !== 32) throw new Error("a proof hash is not 32 bytes");
      if (sn === 0n) throw new Error("the proof is too long");
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) throw new Error("the proof is too short");
    return r;
  }

  // C2SP signed-note key: name+hexid+base64(type || public key); id = SHA-256(name \n type key)[:4].
  async function parseVerifierKey(vkey) {
    const text = vkey.trim();
    const at = text.indexOf("+"); // names hold no '+'; base64 may
    const name = text.slice(0, at);
    const idHex = text.slice(at + 1, at + 9);
    const material = text.slice(at + 10);
    if (at < 1 || text[at + 9] !== "+" || !/^[0-9a-f]{8}$/.test(idHex) || !material) throw new Error("malformed verifier key");
    const raw = b64(material);
    const id = (await sha256(concat(enc.encode(name + "\n"), raw))).slice(0, 4);
    if (hex(id) !== idHex) throw new Error("the key id does not match the key");
    if (raw.length !== 33) throw new Error("not an Ed25519 key");
    return { name, id, type: raw[0], publicKey: raw.slice(1), text };
  }

  function splitNote(text) {
    const cut = text.lastIndexOf("\n\n");
    if (cut < 0 || !text.endsWith("\n")) throw new Error("not a signed note");
    const body = text.slice(0, cut + 1);
    const signatures = text.slice(cut + 2, -1).split("\n").map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) throw new Error(`malformed signature line: ${line.slice(0, 40)}`);
      const raw = b64(m[2]);
      if (raw.length < 5) throw new Error("a signature is too short");
      return { name: m[1], id: raw.slice(0, 4), sig: raw.slice(4) };
    });
    return { body, signatures };
  }

  function parseCheckpoint(body) {
    const lines = body.split("\n");
    if (lines.length < 4 || !/^[0-9]{1,19}$/.test(lines[1])) throw new Error("malformed checkpoint");
    const root = b64(lines[2]);
    if (root.length !== 32) throw new Error("the checkpoint root is not 32 bytes");
    return { origin: lines[0], size: BigInt(lines[1]), root };
  }

  async function ed25519(publicKey, sig, message) {
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, sig, message);
  }

  // C2SP tlog-cosignature v1: 8-byte big-endian time, then Ed25519 over the header, time and body.
  async function verifyCosignature(key, sig, body) {
    if (sig.length !== 72) return { ok: false };
    const time = new DataView(sig.buffer, sig.byteOffset, 8).getBigUint64(0);
    const msg = concat(enc.encode(`cosignature/v1\ntime ${time}\n`), enc.encode(body));
    return { ok: await ed25519(key.publicKey, sig.slice(8), msg), time };
  }

  async function fetchText(url) {
    const r = await fetch(url, { cache: "no-store" });
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.text();
  }
  const fetchJson = async (url) => JSON.parse(await fetchText(url));

  function ui(section) {
    const steps = section.querySelector("#verify-steps");
    const status = section.querySelector("#verify-status");
    return {
      reset() { steps.replaceChildren(); status.className = "status pending"; status.textContent = M.running; },
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
      done(ok, text) {
        status.className = `status ${ok ? "ok" : "failed"}`;
        status.dataset.result = ok ? "ok" : "failed";
        status.textContent = `${ok ? M.ok : M.failed}: ${text}`;
      },
    };
  }

  async function verify(section) {
    const seq = BigInt(section.dataset.seq);
    const transferId = section.dataset.id;
    const view = ui(section);
    view.reset();
    section.querySelector("#verify-note").textContent = "";
    const signers = section.querySelector("#verify-signers");
    signers.replaceChildren();
    let title = M.key;
    try {
      if (!globalThis.crypto || !crypto.subtle) throw new Error(M.nocrypto);
      const logKey = await parseVerifierKey(await fetchText("/v1/log/key"));
      if (logKey.type !== 1) throw new Error("the log key is not an Ed25519 note key");
      view.step(title, true, logKey.text);

      title = M.sig;
      const noteText = await fetchText("/v1/log/checkpoint");
      section.querySelector("#verify-note").textContent = noteText;
      const note = splitNote(noteText);
      const cp = parseCheckpoint(note.body);
      const own = note.signatures.find((s) => s.name === logKey.name && equal(s.id, logKey.id));
      if (!own) throw new Error("the checkpoint carries no signature by the log's key");
      if (!(await ed25519(logKey.publicKey, own.sig, enc.encode(note.body)))) {
        throw new Error("the log's signature on the checkpoint does not verify");
      }
      view.step(title, true, `${cp.origin} · size ${cp.size} · root ${hex(cp.root)}`);

      title = M.entry;
      if (seq >= cp.size) throw new Error(`entry ${seq} is beyond the checkpoint's size ${cp.size}`);
      const entries = await fetchJson(`/v1/log/entries?start=${seq}&end=${seq + 1n}`);
      const leaf = b64(entries.entries[0]);
      // The leaf is the event's public envelope; this page holds its opening (salt || body).
      const salt = fromHex(section.dataset.salt);
      const body = b64(section.dataset.body);
      const event = JSON.parse(new TextDecoder().decode(body));
      if (event.id !== transferId || BigInt(event.seq) !== seq) {
        throw new Error(`the opening on this page is of ${event.id}, not ${transferId}`);
      }
      const envelope = JSON.parse(new TextDecoder().decode(leaf));
      const sealed = await seal(body, event.kind, event.seq, event.timestamp, envelope.class, salt);
      if (!equal(sealed, leaf)) {
        throw new Error(envelope.class === "public"
          ? `the entry at ${seq} does not carry this transfer's body`
          : `the entry at ${seq} does not match its commitment to this transfer`);
      }
      const lh = await leafHash(leaf);
      view.step(title, true, `#${seq} ${event.kind} ${event.id} · ${envelope.class} · leaf hash ${hex(lh)}`);

      title = M.proof;
      const proof = await fetchJson(`/v1/log/proof/inclusion?index=${seq}&size=${cp.size}`);
      if (BigInt(proof.index) !== seq || BigInt(proof.size) !== cp.size) throw new Error("the proof is for another leaf or size");
      const root = await rootFromInclusionProof(seq, cp.size, lh, proof.proof.map(b64));
      if (!equal(root, cp.root)) throw new Error(`the proof leads to ${hex(root)}, the checkpoint signs ${hex(cp.root)}`);
      view.step(title, true, `${proof.proof.length} hashes → ${hex(root)}`);

      title = M.witnesses;
      const known = (await fetchJson(`/dashboard/witnesses?size=${cp.size}`)).witnesses;
      const keys = [];
      for (const w of known) {
        try { keys.push(await parseVerifierKey(w.vkey)); } catch { /* not a key: ignored */ }
      }
      let cosigned = 0;
      for (const s of note.signatures) {
        if (s === own) continue;
        const key = keys.find((k) => k.name === s.name && equal(k.id, s.id) && k.type === 4);
        const li = document.createElement("li");
        if (!key) {
          li.className = "unknown";
          li.textContent = `? ${s.name} (${hex(s.id)}): ${JA ? "鍵が不明" : "unknown key, not checked"}`;
        } else {
          const r = await verifyCosignature(key, s.sig, note.body);
          if (!r.ok) throw new Error(`the cosignature of ${s.name} does not verify`);
          cosigned += 1;
          li.className = "ok";
          li.textContent = `✓ ${s.name} · ${new Date(Number(r.time) * 1000 + 9 * 3600 * 1000).toISOString().replace("T", " ").slice(0, 19)} JST`;
        }
        li.dataset.witness = s.name;
        signers.append(li);
      }
      view.step(title, true, JA ? `${cosigned}件の連署を検証` : `${cosigned} cosignature(s) verified`);
      view.done(true, JA
        ? `${transferId} はログの ${seq} 番目(サイズ ${cp.size})に含まれ、署名済みチェックポイントと一致します`
        : `${transferId} is leaf ${seq} of the log at size ${cp.size}, under the signed checkpoint`);
    } catch (err) {
      view.step(title, false, String(err.message || err));
      view.done(false, String(err.message || err));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const section = document.getElementById("verify");
    if (!section) return;
    document.getElementById("verify-run").addEventListener("click", () => verify(section));
    verify(section);
  });

  globalThis.RAMPVerify = { rootFromInclusionProof, parseVerifierKey, splitNote, parseCheckpoint, leafHash, seal };
})();
