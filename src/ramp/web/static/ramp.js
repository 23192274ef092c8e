// RAMP dashboard script: amount formatting (the same rules as ramp/web/money.py) and the live
// feed. Pages work without it; it only adds what needs a browser.
"use strict";

const RAMP = (() => {
  const MINUS = "\u2212";
  const lang = () => (document.documentElement.lang === "ja" ? "ja" : "en");
  const sep = (n) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");

  // Exact amounts. `amount` is a BigInt or an integer Number below 2^53.
  function yen(amount, language = lang()) {
    let n = BigInt(amount);
    const sign = n < 0n ? MINUS : "";
    if (n < 0n) n = -n;
    if (language !== "ja") return `${sign}¥${sep(n)}`;
    if (n === 0n) return "0円";
    const parts = [];
    for (const [unit, name] of [[10n ** 12n, "兆"], [10n ** 8n, "億"], [10n ** 4n, "万"]]) {
      const q = n / unit;
      n %= unit;
      if (q) parts.push(sep(q) + name);
    }
    if (n) parts.push(sep(n));
    return `${sign}${parts.join("")}円`;
  }

  const roundDiv = (n, d) => (2n * n + d) / (2n * d); // half away from zero, n >= 0

  function significant(n, unit, digits) {
    const whole = n / unit;
    const decimals = whole ? Math.max(0, digits - whole.toString().length) : digits - 1;
    const p = 10n ** BigInt(decimals);
    const scaled = roundDiv(n * p, unit);
    let text = sep(scaled / p);
    if (decimals) text += "." + (scaled % p).toString().padStart(decimals, "0");
    return text;
  }

  // Chart labels: three significant digits (two in 兆), never figures to add up.
  function yenShort(amount, language = lang()) {
    let n = BigInt(amount);
    const sign = n < 0n ? MINUS : "";
    if (n < 0n) n = -n;
    if (language === "ja") {
      if (n >= 10n ** 12n) return `${sign}${significant(n, 10n ** 12n, 2)}兆円`;
      if (n >= 10n ** 8n) return `${sign}${sep(roundDiv(n, 10n ** 8n))}億円`;
      if (n >= 10n ** 4n) return `${sign}${sep(roundDiv(n, 10n ** 4n))}万円`;
      return `${sign}${sep(n)}円`;
    }
    for (const [unit, name] of [[10n ** 12n, "tn"], [10n ** 9n, "bn"], [10n ** 6n, "m"]]) {
      if (n >= unit) return `${sign}¥${significant(n, unit, 3)} ${name}`;
    }
    return `${sign}¥${sep(n)}`;
  }

  function jst(ms) {
    const d = new Date(ms + 9 * 3600 * 1000);
    return d.toISOString().replace("T", " ").slice(0, 19) + " JST";
  }

  const cell = (text, cls) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  };

  const link = (href, text) => {
    const td = document.createElement("td");
    if (text) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      td.append(a);
    }
    return td;
  };

  // The live feed: newest first, at most ROWS_MAX rows kept in the page.
  const ROWS_MAX = 200;
  function startFeed(tbody) {
    const status = document.getElementById("feed-status");
    const sizeEl = document.getElementById("feed-size");
    let lastSeq = -1;
    let total = 0;
    const source = new EventSource(tbody.dataset.source);
    const ja = lang() === "ja";
    const names = JSON.parse(tbody.dataset.names || "{}");
    const filter = document.getElementById("feed-filter");
    const boxes = filter ? [...filter.querySelectorAll("input[name=kind]")] : [];
    const known = new Set(boxes.map((b) => b.value));
    const shown = () => new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    // A record is grouped by its type's first part (auth.login: auth); its name by its first two.
    const groupOf = (item) => {
      const g = item.kind === "record" ? item.code.split(".")[0] : item.kind;
      return known.has(g) ? g : "other";
    };
    const nameOf = (item) => {
      if (item.kind !== "record") return names[item.code] || names[item.kind] || item.code;
      const two = item.code.split(".").slice(0, 2).join(".");
      return names[two] || item.code;
    };
    const apply = () => {
      const on = shown();
      for (const tr of tbody.rows) tr.hidden = !on.has(tr.dataset.group);
    };
    for (const b of boxes) b.addEventListener("change", apply);
    source.onopen = () => { status.textContent = ja ? "接続済" : "connected"; status.dataset.state = "open"; };
    source.onerror = () => { status.textContent = ja ? "再接続中…" : "reconnecting…"; status.dataset.state = "retry"; };
    source.addEventListener("gap", (ev) => {
      const missed = JSON.parse(ev.data).missed_events;
      status.textContent = ja ? `${missed}件を省略` : `skipped ${missed} events`;
    });
    source.addEventListener("batch", (ev) => {
      const batch = JSON.parse(ev.data);
      total += batch.events;
      sizeEl.textContent = ja ? `ログ ${sep(batch.size)}件` : `log size ${sep(batch.size)}`;
      for (const item of batch.items) {
        if (item.seq <= lastSeq) continue; // the backlog and a batch may overlap
        lastSeq = item.seq;
        const tr = document.createElement("tr");
        tr.className = "fresh";
        tr.dataset.seq = item.seq;
        tr.dataset.group = groupOf(item);
        tr.dataset.code = item.code;
        tr.hidden = !shown().has(tr.dataset.group);
        tr.append(cell(item.seq, "num"), cell(jst(item.time_ms)), cell(nameOf(item)),
          cell(item.kind === "transfer" ? yen(item.amount) : "", "num"),
          link(`/ledger/account/${encodeURIComponent(item.debit)}`, item.debit),
          link(`/ledger/account/${encodeURIComponent(item.credit)}`, item.credit),
          item.kind === "transfer" ? link(`/ledger/transfer/${encodeURIComponent(item.id)}`, item.id) : cell(item.id));
        tbody.prepend(tr);
      }
      while (tbody.rows.length > ROWS_MAX) tbody.deleteRow(-1);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const feed = document.getElementById("feed-rows");
    if (feed) startFeed(feed);
  });

  return { yen, yenShort, jst, lang };
})();
