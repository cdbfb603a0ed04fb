/* The store POS page (pos/till.html): keyboard and scanner first, over /api/v1/pos/….
 *
 * - The scan box always has the focus. A keyboard-wedge scanner types digits and Enter: a barcode,
 *   a scale label (read here with the merchant's formats, check digit verified), a PLU, a member
 *   code (66…), or a receipt number (PT…, starts a return). Letters search by name or pinyin
 *   initials. "3*690…" scans three. Enter on an empty box takes payment.
 * - The catalog (shelf prices per store) lives in IndexedDB and in memory, synced by change
 *   version, so scanning needs no request and the till keeps selling offline.
 * - Online, every change is priced by the server's engine (member price, promotions, coupons).
 *   Offline the till sells for cash at shelf prices and queues the ticket with an idempotency
 *   key; the queue uploads when the link returns (a replay never sells twice on the server).
 * Keys: F2 quantity · Del remove · F4 price override · F5 member · F6 coupon · F7 hold ·
 * F8 resume · F9 return · F10 shift · F12 pay · ↑/↓ select · +/- quantity · Esc close.
 */
(() => {
  "use strict";
  const C = JSON.parse(document.getElementById("pos-config").textContent);
  const T = JSON.parse(document.getElementById("pos-strings").textContent);
  const $ = (selector) => document.querySelector(selector);
  const TID = C.terminalId;

  // --- small helpers ---------------------------------------------------------------------------
  const esc = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const yuan = (fen) => (fen < 0 ? "-¥" : "¥") + (Math.abs(fen) / 100).toFixed(2);
  const toFen = (text) => {
    const m = String(text ?? "").trim().match(/^(\d{1,7})(?:\.(\d{1,2}))?$/);
    return m ? Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0")) : null;
  };
  const newKey = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };
  const csrf = () => (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
  const lineAmount = (unit, qty, weighed) => (weighed ? Math.floor((unit * qty + 500) / 1000) : unit * qty);
  const qtyText = (qty, weighed) => (weighed ? (qty / 1000).toFixed(3) + "kg" : String(qty));
  const roundCash = (due, rule) => {
    if (rule === "jiao_down") return due - (due % 10);
    if (rule === "jiao_half_up") return Math.floor((due + 5) / 10) * 10;
    if (rule === "yuan_down") return due - (due % 100);
    return due;
  };

  // --- state -----------------------------------------------------------------------------------
  const S = {
    terminal: null, shift: null, online: navigator.onLine, catalog: new Map(), byBarcode: new Map(), byPlu: new Map(),
    version: "", synced: false, syncing: false, queue: [], lines: [], selected: -1, member: null, coupons: [],
    quote: null, key: newKey(), ticket: null, promos: [],
  };

  // --- the API ---------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, body) { super(body.message || String(status)); this.status = status; this.body = body; }
  }
  async function api(method, path, body, key, probing = false) {
    if (!navigator.onLine || (!S.online && !probing)) { setOnline(false); throw new ApiError(0, { code: "offline", message: T.offline }); }
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRFToken"] = csrf();
    if (key) headers["Idempotency-Key"] = key;
    let response;
    try {
      response = await fetch(C.api + path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      setOnline(false);
      throw new ApiError(0, { code: "offline", message: T.offline });
    }
    setOnline(true);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  // --- IndexedDB: the catalog, the version and the offline queue --------------------------------
  const DB = {
    db: null,
    open() {
      return new Promise((resolve, reject) => {
        const request = indexedDB.open(`newretail-pos-${TID}`, 1);
        request.onupgradeneeded = () => {
          const db = request.result;
          db.createObjectStore("skus", { keyPath: "id" });
          db.createObjectStore("meta");
          db.createObjectStore("queue", { keyPath: "key" });
        };
        request.onsuccess = () => { DB.db = request.result; resolve(); };
        request.onerror = () => reject(request.error);
      });
    },
    run(store, mode, work) {
      return new Promise((resolve, reject) => {
        const tx = DB.db.transaction(store, mode);
        const result = work(tx.objectStore(store));
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
      });
    },
    all: (store) => DB.run(store, "readonly", (s) => s.getAll()),
    get: (store, key) => DB.run(store, "readonly", (s) => s.get(key)),
    put: (store, value, key) => DB.run(store, "readwrite", (s) => { s.put(value, key); }),
    del: (store, key) => DB.run(store, "readwrite", (s) => { s.delete(key); }),
  };

  function remember(record) {
    const old = S.catalog.get(record.id);
    if (old) { S.byBarcode.delete(old.barcode); if (old.plu) S.byPlu.delete(old.plu); }
    S.catalog.set(record.id, record);
    if (record.barcode) S.byBarcode.set(record.barcode, record);
    if (record.plu) S.byPlu.set(record.plu, record);
  }
  function forget(id) {
    const old = S.catalog.get(id);
    if (!old) return;
    S.byBarcode.delete(old.barcode);
    if (old.plu) S.byPlu.delete(old.plu);
    S.catalog.delete(id);
  }

  async function applyRows(fields, rows) {
    const at = Object.fromEntries(fields.map((name, index) => [name, index]));
    await DB.run("skus", "readwrite", (store) => {
      for (const row of rows) {
        const id = row[at.id];
        if (!row[at.live]) { store.delete(id); forget(id); continue; }
        const record = { id, name: row[at.name], barcode: row[at.barcode], plu: row[at.plu], price: row[at.price_fen], weighed: !!row[at.weighed], initials: row[at.initials], code: row[at.code] };
        store.put(record);
        remember(record);
      }
    });
  }

  async function syncCatalog() {
    if (!S.online || S.syncing) return;
    S.syncing = true;
    renderSync();
    let since = S.version;
    let start = true;
    try {
      for (;;) {
        const page = await api("GET", `/terminals/${TID}/catalog?since=${encodeURIComponent(since)}&start=${start}`);
        start = false;
        await applyRows(page.fields, page.rows);
        if (page.version) since = page.version;
        if (page.done) break;
      }
      S.version = since;
      S.synced = true;
      await DB.put("meta", since, "version");
    } catch (error) {
      if (error.status !== 0) console.warn("catalog sync", error);
    } finally {
      S.syncing = false;
      renderSync();
    }
  }

  // --- reading codes ---------------------------------------------------------------------------
  function eanValid(code) {
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += Number(code[i]) * (i % 2 ? 3 : 1);
    return (10 - (sum % 10)) % 10 === Number(code[12]);
  }
  function readLabel(code) {
    if (!/^2\d{12}$/.test(code) || !eanValid(code)) return null;
    for (const format of S.terminal.scale_formats) {
      if (!format.prefixes.includes(code.slice(0, 2))) continue;
      let plu = "", value = "";
      for (let i = 0; i < 13; i++) {
        if (format.pattern[i] === "P") plu += code[i];
        else if (format.pattern[i] === "V") value += code[i];
      }
      return Number(plu) ? { plu: String(Number(plu)), kind: format.kind, value: Number(value) } : null;
    }
    return null;
  }
  function gramsForPrice(price, unit) {
    const estimate = Math.round((price * 1000) / unit);
    let best = null;
    for (let g = Math.max(1, estimate - 3); g <= estimate + 3; g++) {
      const score = [Math.abs(lineAmount(unit, g, true) - price), Math.abs(g - estimate)];
      if (!best || score[0] < best[0] || (score[0] === best[0] && score[1] < best[1])) best = [...score, g];
    }
    return best[2];
  }
  function lookupLocal(code) {
    const label = readLabel(code);
    if (label) {
      const sku = S.byPlu.get(label.plu);
      if (!sku) return null;
      return { sku, quantity: label.kind === "weight" ? label.value : gramsForPrice(label.value, sku.price) };
    }
    const variants = [code];
    if (code.length === 12) variants.push("0" + code);
    if (code.length === 13 && code.startsWith("0")) variants.push(code.slice(1));
    for (const variant of variants) if (S.byBarcode.has(variant)) return { sku: S.byBarcode.get(variant), quantity: 1 };
    if (/^\d{1,5}$/.test(code) && S.byPlu.has(String(Number(code)))) return { sku: S.byPlu.get(String(Number(code))), quantity: null };
    return null;
  }
  function searchLocal(text) {
    const q = text.toLowerCase();
    const found = [];
    for (const sku of S.catalog.values()) {
      if (sku.name.toLowerCase().includes(q) || sku.initials.includes(q) || sku.code.toLowerCase() === q) {
        found.push(sku);
        if (found.length >= 9) break;
      }
    }
    return found;
  }

  // --- the ticket ------------------------------------------------------------------------------
  function resetTicket() {
    Object.assign(S, { lines: [], selected: -1, member: null, coupons: [], quote: null, key: newKey(), ticket: null });
    render();
  }
  function editable() {
    if (S.ticket) { toast(T.finishTicket, true); return false; }
    return true;
  }
  function addItem(sku, quantity) {
    if (!editable()) return;
    if (quantity == null) {
      askNumber(T.weight, "", (grams) => addItem(sku, grams), true);
      return;
    }
    const existing = S.lines.findIndex((line) => line.sku.id === sku.id);
    if (existing >= 0) {
      S.lines[existing].quantity += quantity;
      S.selected = existing;
    } else {
      S.lines.push({ sku, quantity, override: null, token: "" });
      S.selected = S.lines.length - 1;
    }
    changed();
  }
  function ticketBody() {
    return {
      lines: S.lines.map((line) => ({ sku_id: line.sku.id, quantity: line.quantity, ...(line.override != null ? { override_unit_fen: line.override, override_token: line.token } : {}) })),
      member_id: S.member ? S.member.id : null,
      coupon_codes: S.coupons,
    };
  }
  let quoteTimer = null;
  function changed() {
    S.quote = null;
    render();
    clearTimeout(quoteTimer);
    if (S.online && S.lines.length) quoteTimer = setTimeout(requote, 120);
  }
  async function requote() {
    if (!S.lines.length || !S.online) return;
    const sent = JSON.stringify(ticketBody());
    try {
      const quote = await api("POST", `/terminals/${TID}/quote`, JSON.parse(sent));
      if (JSON.stringify(ticketBody()) === sent) { S.quote = quote; render(); }
    } catch (error) {
      if (error.status === 0) { render(); return; }
      if (S.coupons.length && String(error.body.code || "").startsWith("marketing.")) S.coupons.pop();
      toast(error.message, true);
      render();
    }
  }
  function localTotal() {
    return S.lines.reduce((sum, line) => sum + lineAmount(line.sku.price, line.quantity, line.sku.weighed), 0);
  }

  // --- rendering -------------------------------------------------------------------------------
  function render() {
    const quoted = S.quote ? new Map(S.quote.lines.map((line) => [line.sku_id, line])) : new Map();
    const rows = S.lines.map((line, index) => {
      const q = quoted.get(line.sku.id);
      const list = lineAmount(line.sku.price, line.quantity, line.sku.weighed);
      const amount = q ? q.final_amount_fen : list;
      const unit = q ? q.unit_price_fen : line.override ?? line.sku.price;
      const notes = q ? q.notes.map((n) => `<span class="note">${esc(n)}</span>`).join("") : "";
      return `<tr data-index="${index}" class="${index === S.selected ? "selected" : ""}">
        <td>${esc(line.sku.name)}${notes}</td>
        <td class="num">${qtyText(line.quantity, line.sku.weighed)}</td>
        <td class="num">${yuan(unit)}${line.sku.weighed ? "/kg" : ""}</td>
        <td class="num">${amount !== list ? `<span class="was">${yuan(list)}</span>` : ""}${yuan(amount)}</td></tr>`;
    });
    $("#pos-lines").innerHTML = `<thead><tr><th>${T.item}</th><th class="num">${T.qty}</th><th class="num">${T.price}</th><th class="num">${T.amount}</th></tr></thead>
      <tbody>${rows.join("") || `<tr><td colspan="4" class="empty">${T.empty}</td></tr>`}</tbody>`;
    const list = S.quote ? S.quote.goods_list_fen : localTotal();
    const payable = S.quote ? S.quote.payable_fen : localTotal();
    const discount = S.quote ? S.quote.discount_fen : 0;
    $("#pos-totals").innerHTML = `<div class="row"><span>${T.total}</span><span>${yuan(list)}</span></div>
      <div class="row"><span>${T.discount}</span><span>${yuan(-discount)}</span></div>
      <div class="row"><span>${T.payable}</span><span class="payable" data-test="payable">${yuan(payable)}</span></div>
      ${S.online ? "" : `<p class="muted">${T.offlineOnlyCash}</p>`}`;
    $("#pos-member").innerHTML = `<h3>${T.member} <kbd>F5</kbd></h3>` + (S.member
      ? `<div data-test="member">${esc(S.member.phone)} ${esc(S.member.name)} <span class="badge badge-info">${esc(S.member.level_name || "")}</span><br><span class="muted">${T.points} ${S.member.points} · ${T.wallet} ${yuan(S.member.wallet_fen)}</span></div>`
      : `<span class="muted">${T.noMember}</span>`);
    $("#pos-coupons").innerHTML = `<h3>${T.coupons} <kbd>F6</kbd></h3>` + (S.coupons.length ? S.coupons.map((c) => `<span class="badge badge-warn">${esc(c)}</span>`).join(" ") : `<span class="muted">—</span>`)
      + (S.quote && S.quote.adjustments.length ? `<ul class="muted">${S.quote.adjustments.map((a) => `<li>${esc(a)}</li>`).join("")}</ul>` : "");
    $("#pos-promos").innerHTML = S.promos.length ? `<h3>${T.promotions}</h3><ul>${S.promos.map((p) => `<li>${esc(p.name)}</li>`).join("")}</ul>` : "";
    renderKeys();
    renderLink();
  }
  const KEYS = [
    ["F2", "quantity", () => askQuantity()],
    ["Del", "remove", () => removeLine()],
    ["F4", "override", () => askOverride()],
    ["F5", "member", () => askMember()],
    ["F6", "coupons", () => askCoupon()],
    ["F7", "hold", () => holdTicket()],
    ["F8", "resume", () => resumeTicket()],
    ["F9", "return", () => askReturn()],
    ["F10", "shift", () => showShift()],
    ["F12", "pay", () => startPay()],
  ];
  function renderKeys() {
    const box = $("#pos-keys");
    if (box.childElementCount) return;
    for (const [key, label, action] of KEYS) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.key = key;
      if (label === "pay") button.className = "primary";
      button.innerHTML = `<span>${T[label]}</span><kbd>${key}</kbd>`;
      // A click on an on-screen key must not move the caret out of the scan box (the scanner
      // types there): the key never takes the focus, and the box gets it back once the action,
      // which may wait for the server, is done (unless it opened a dialog).
      button.tabIndex = -1;
      button.addEventListener("mousedown", (event) => event.preventDefault());
      button.addEventListener("click", async () => {
        try { await action(); } finally { if (!$("#pos-dialog").open) focusScan(); }
      });
      box.appendChild(button);
    }
  }
  function renderLink() {
    const link = $("#pos-link");
    link.textContent = S.online ? T.online : T.offline;
    link.className = "badge " + (S.online ? "badge-ok" : "badge-danger");
    if (S.queue.length) link.textContent += ` · ${S.queue.length} ${T.queued}`;
    $("#pos-shift").textContent = S.shift ? `${T.shift} ${S.shift.number}` : "";
  }
  function renderSync() {
    $("#pos-sync").textContent = S.syncing ? T.syncing : T.synced.replace("%(n)s", S.catalog.size);
  }
  let toastTimer = null;
  function toast(message, error = false) {
    const box = $("#pos-toast");
    box.textContent = message;
    box.className = "pos-toast" + (error ? " error" : "");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 3500);
  }
  function focusScan() {
    // The caret goes back to the scan box once no dialog is open (the scanner types there). A
    // box that has the focus is left alone: a blur between a key's keydown and its character
    // would drop that digit of a scan.
    setTimeout(() => {
      if ($("#pos-dialog").open) return;
      const input = $("#pos-scan");
      if (document.activeElement !== input) input.focus();
    }, 0);
  }

  // --- dialogs ---------------------------------------------------------------------------------
  function dialog(title, body, onSubmit, { submit = T.ok, cancel = true } = {}) {
    const box = $("#pos-dialog");
    // A fresh form each time: listeners a previous dialog added must not see this one's fields.
    const form = $("#pos-dialog-form").cloneNode(false);
    $("#pos-dialog-form").replaceWith(form);
    form.innerHTML = `<h2>${title}</h2>${body}<p class="error" data-test="dialog-error"></p>
      <div class="actions">${cancel ? `<button type="button" class="btn" data-cancel>${T.cancel}</button>` : ""}
      ${submit ? `<button class="btn btn-primary" value="ok" data-test="dialog-ok">${submit}</button>` : ""}</div>`;
    form.onsubmit = async (event) => {
      event.preventDefault();
      const value = event.submitter ? event.submitter.value : "ok";
      form.querySelector(".error").textContent = "";
      try {
        await onSubmit(new FormData(form), value);
      } catch (error) {
        form.querySelector(".error").textContent = error.message;
      }
    };
    // A type=button cancel: Enter in a field submits with the OK button, never cancels.
    const cancelButton = form.querySelector("[data-cancel]");
    if (cancelButton) cancelButton.addEventListener("click", closeDialog);
    box.oncancel = (event) => { if (!cancel) event.preventDefault(); };
    if (!box.open) box.showModal();
    const first = form.querySelector("input:not([type=hidden]), button.tender");
    if (first) first.focus();
    return form;
  }
  function closeDialog() {
    const box = $("#pos-dialog");
    if (box.open) box.close();
    // Nothing of a closed dialog may keep the caret: the next scan must land in the scan box.
    $("#pos-dialog-form").innerHTML = "";
    // After a modal dialog closes Chromium may report the box focused without a caret in it;
    // focusing it again puts the caret back. Done here, in the task that closes the dialog, so
    // no key of the next scan can arrive in between.
    const input = $("#pos-scan");
    input.blur();
    input.focus();
  }
  // A dialog closed by the browser (Escape) is tidied like one the till closed.
  $("#pos-dialog").addEventListener("close", () => { if ($("#pos-dialog-form").innerHTML) closeDialog(); });

  function askNumber(title, value, done, whole = false) {
    dialog(title, `<label>${title}<input name="n" inputmode="decimal" value="${esc(value)}" required></label>`, (data) => {
      const text = String(data.get("n")).trim();
      const number = whole ? (/^\d{1,7}$/.test(text) ? Number(text) : null) : toFen(text);
      if (!number) throw new Error(title);
      closeDialog();
      done(number);
    });
  }
  function askQuantity() {
    const line = S.lines[S.selected];
    if (!line || !editable()) return;
    const title = line.sku.weighed ? T.weight : T.quantity;
    askNumber(title, line.quantity, (n) => { line.quantity = n; changed(); }, true);
  }
  function removeLine() {
    if (S.selected < 0 || !editable()) return;
    S.lines.splice(S.selected, 1);
    S.selected = Math.min(S.selected, S.lines.length - 1);
    changed();
  }
  function askOverride() {
    const line = S.lines[S.selected];
    if (!line || !editable()) return;
    if (!S.online) { toast(T.offlineOnlyCash, true); return; }
    dialog(`${T.override} · ${esc(line.sku.name)}`,
      `<label>${T.newPrice}<input name="price" inputmode="decimal" required></label>
       <label>${T.managerLogin}<input name="username" autocomplete="off" required></label>
       <label>${T.managerPassword}<input name="password" type="password" autocomplete="off" required></label>`,
      async (data) => {
        const unit = toFen(data.get("price"));
        if (unit == null) throw new Error(T.newPrice);
        const grant = await api("POST", `/terminals/${TID}/authorise-override`, { username: data.get("username"), password: data.get("password"), sku_id: line.sku.id, unit_fen: unit });
        line.override = unit;
        line.token = grant.token;
        closeDialog();
        changed();
      });
  }
  function askMember(prefill = "") {
    if (!S.online) { toast(T.offlineOnlyCash, true); return; }
    if (!editable()) return;
    dialog(T.member, `<label>${T.phoneOrCode}<input name="q" inputmode="numeric" value="${esc(prefill)}" required></label>`, async (data, button) => {
      const q = String(data.get("q")).replace(/\s+/g, "");
      const body = /^66\d{16}$/.test(q) ? { code: q } : { phone: q, sign_up: button === "signup" };
      const member = await api("POST", `/terminals/${TID}/member`, body);
      if (member.id == null) {
        const form = $("#pos-dialog-form");
        form.querySelector(".error").textContent = T.notMember;
        if (!form.querySelector("[value=signup]")) form.querySelector(".actions").insertAdjacentHTML("beforeend", `<button class="btn btn-primary" value="signup" data-test="sign-up">${T.signUp}</button>`);
        return;
      }
      S.member = member;
      closeDialog();
      changed();
    });
  }
  async function identifyByCode(code) {
    if (!editable()) return;
    try {
      S.member = await api("POST", `/terminals/${TID}/member`, { code });
      changed();
    } catch (error) { toast(error.message, true); }
  }
  function askCoupon() {
    if (!S.online) { toast(T.offlineOnlyCash, true); return; }
    if (!editable()) return;
    dialog(T.coupons, `<label>${T.couponCode}<input name="code" autocomplete="off" required></label>`, (data) => {
      const code = String(data.get("code")).trim();
      if (code && !S.coupons.includes(code)) S.coupons.push(code);
      closeDialog();
      changed();
    });
  }

  // --- hold and resume -------------------------------------------------------------------------
  async function holdTicket() {
    if (!S.lines.length || !editable()) return;
    try {
      await api("POST", `/terminals/${TID}/tickets`, { ...ticketBody(), hold: true }, S.key);
      toast(T.hold + " ✓");
      resetTicket();
    } catch (error) { toast(error.message, true); }
  }
  async function resumeTicket() {
    if (S.lines.length || !editable()) { if (S.lines.length) toast(T.finishTicket, true); return; }
    try {
      const held = await api("GET", `/terminals/${TID}/held`);
      const rows = held.map((t) => `<tr><td class="mono">${esc(t.number)}</td><td>${t.lines.length} ${T.item}</td>
        <td><button class="btn btn-sm" value="${t.id}" data-test="resume-${t.number}">${T.resume}</button></td></tr>`).join("");
      dialog(T.heldTickets, rows ? `<table>${rows}</table>` : `<p class="muted">${T.noHeld}</p>`, async (_data, id) => {
        if (id === "ok") { closeDialog(); return; }
        const ticket = await api("POST", `/tickets/${id}/resume`);
        S.lines = ticket.lines.map((l) => ({ sku: S.catalog.get(l.sku_id) || { id: l.sku_id, name: `#${l.sku_id}`, price: 0, weighed: false }, quantity: l.quantity, override: null, token: "" }));
        S.coupons = ticket.coupon_codes;
        S.member = ticket.member_id ? { id: ticket.member_id, phone: "", name: "", level_name: "", points: 0, wallet_fen: 0 } : null;
        S.selected = S.lines.length - 1;
        closeDialog();
        changed();
      }, { submit: "" });
    } catch (error) { toast(error.message, true); }
  }

  // --- paying ----------------------------------------------------------------------------------
  async function startPay() {
    if (!S.lines.length) return;
    if (!S.online) { payOffline(); return; }
    try {
      if (!S.ticket) S.ticket = await api("POST", `/terminals/${TID}/tickets`, ticketBody(), S.key);
    } catch (error) {
      if (error.status === 0) { payOffline(); return; }
      toast(error.message, true);
      return;
    }
    if (S.ticket.status === "completed") { done(S.ticket); return; }
    payDialog();
  }
  function tenderButtons(selected) {
    const kinds = [];
    for (const tender of S.terminal.tenders) {
      if (tender.kind.endsWith("_micropay")) { if (!kinds.some((k) => k[0] === "code")) kinds.push(["code", T.payCode]); continue; }
      // Stored value only for a member who holds some (a ¥0 wallet cannot pay anything).
      if (tender.kind === "wallet" && !(S.member && S.member.wallet_fen > 0)) continue;
      kinds.push([tender.kind, tender.label]);
    }
    return kinds.map(([kind, label]) => `<button type="button" class="tender ${kind === selected ? "on" : ""}" data-kind="${kind}" data-test="tender-${kind}">${esc(label)}</button>`).join("");
  }
  function payDialog(kind = "cash", message = "") {
    const due = S.ticket.outstanding_fen;
    const rule = S.terminal.cash_rounding;
    const form = dialog(`${T.pay} · ${esc(S.ticket.number)}`,
      `<div class="tenders">${tenderButtons(kind)}</div>
       <div>${T.outstanding} <span class="big" data-test="due">${yuan(due)}</span></div>
       <label>${T.amountPart}<input name="part" inputmode="decimal" value="${(due / 100).toFixed(2)}"></label>
       <label data-for="cash">${T.received}<input name="received" inputmode="decimal" value="${(roundCash(due, rule) / 100).toFixed(2)}"></label>
       <label data-for="code">${T.scanCode}<input name="auth_code" inputmode="numeric" autocomplete="off"></label>
       <div data-for="cash">${T.change} <span class="change" data-test="change">¥0.00</span></div>`,
      (data) => submitTender(form.dataset.kind, data));
    form.dataset.kind = kind;
    const show = () => {
      for (const el of form.querySelectorAll("[data-for]")) el.hidden = el.dataset.for !== form.dataset.kind;
      for (const b of form.querySelectorAll(".tender")) b.classList.toggle("on", b.dataset.kind === form.dataset.kind);
      const target = form.dataset.kind === "cash" ? "received" : form.dataset.kind === "code" ? "auth_code" : "part";
      form.elements[target].focus();
      form.elements[target].select?.();
    };
    const updateChange = () => {
      const part = toFen(form.elements.part.value) ?? due;
      const owed = part >= due ? roundCash(due, rule) : part;
      const received = toFen(form.elements.received.value) ?? 0;
      form.querySelector("[data-test=change]").textContent = yuan(Math.max(0, received - owed));
    };
    form.addEventListener("input", updateChange);
    form.querySelector(".tenders").addEventListener("click", (event) => {
      const button = event.target.closest(".tender");
      if (button) { form.dataset.kind = button.dataset.kind; show(); }
    });
    if (message) form.querySelector(".error").textContent = message;
    show();
    updateChange();
  }
  async function submitTender(kind, data) {
    const due = S.ticket.outstanding_fen;
    const part = toFen(data.get("part"));
    const amount = part == null || part >= due ? null : part;
    const body = { amount_fen: amount };
    if (kind === "cash") {
      body.kind = "cash";
      body.cash_received_fen = toFen(data.get("received"));
      if (body.cash_received_fen == null) throw new Error(T.received);
    } else if (kind === "code") {
      body.auth_code = String(data.get("auth_code")).replace(/\s+/g, "");
      if (!body.auth_code) throw new Error(T.scanCode);
    } else {
      body.kind = kind;
      body.amount_fen = amount ?? due;
    }
    let payment = await api("POST", `/tickets/${S.ticket.id}/pay`, body, newKey());
    while (payment.tender_status === "pending") {
      $("#pos-dialog-form .error").textContent = T.waiting;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      payment = await api("POST", `/tickets/${S.ticket.id}/poll`, { tender_id: payment.tender_id });
    }
    S.ticket = payment.ticket;
    if (S.ticket.status === "completed") { done(S.ticket); return; }
    payDialog(kind === "code" ? "code" : "cash", payment.tender_status === "failed" ? `${T.refused}: ${payment.failure_reason}` : "");
  }
  // Offline there is no server to render the receipt: the till prints one from what it sold
  // (its own key as the reference; the ticket number comes with the upload).
  function offlineReceiptUrl(ticket, paper) {
    const width = paper === 58 ? "54mm" : "76mm";
    const row = (left, right, cls = "") => `<div class="row ${cls}"><span>${esc(left)}</span><span>${esc(right)}</span></div>`;
    const lines = ticket.lines.map((line) => `<div class="name">${esc(line.name)}</div>${row(`${yuan(line.price)}${line.weighed ? "/kg" : ""} ${line.weighed ? qtyText(line.quantity, true) : "×" + line.quantity}`, yuan(line.amount), "sub")}`).join("");
    const html = `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>${esc(ticket.reference)}</title><style>
      @page { size: ${paper}mm auto; margin: 0; } body { margin: 0; font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", monospace; }
      .receipt { width: ${width}; margin: 0 auto; padding: 3mm 2mm; font-size: ${paper === 58 ? 11 : 12}px; line-height: 1.35; }
      h1 { font-size: 1.4em; text-align: center; margin: 0; } .center { text-align: center; } .row { display: flex; justify-content: space-between; gap: 4px; }
      hr { border: 0; border-top: 1px dashed #000; margin: 4px 0; } .name { font-weight: 600; } .sub { padding-left: 1em; } .total { font-size: 1.25em; font-weight: 700; }
      .offline { border: 1px solid #000; text-align: center; font-weight: 700; margin: 2px 0; }</style></head><body>
      <div class="receipt" data-paper="${paper}" data-test="offline-receipt"><h1>${esc(C.storeName)}</h1>${C.receiptHeader ? `<div class="center">${esc(C.receiptHeader)}</div>` : ""}
      <div class="center">${esc(T.salesReceipt)}</div><div class="offline">${esc(T.offlineSale)}</div><hr>
      ${row(T.reference, ticket.reference)}${row(T.time, ticket.when)}${row(`${T.terminal} ${C.terminalCode}`, `${T.cashierLabel} ${C.cashier}`)}<hr>
      ${lines}<hr>${row(T.total, yuan(ticket.total), "total")}
      ${ticket.rounding ? row(T.rounding, yuan(ticket.rounding)) : ""}${row(T.cash, yuan(ticket.owed))}${row(T.received, yuan(ticket.received))}${row(T.change, yuan(ticket.change_fen))}<hr>
      <div class="center">${esc(C.receiptFooter || T.thanks)}</div></div>
      <script>window.addEventListener("load", () => window.print());<\/script></body></html>`;
    return URL.createObjectURL(new Blob([html], { type: "text/html" }));
  }
  function receiptUrl(id, paper) { return C.receiptUrl.replace("{id}", id) + `?paper=${paper}&print=1`; }
  function done(ticket, offline = false) {
    const tenders = Object.entries(ticket.tenders || {}).map(([kind, fen]) => {
      const known = S.terminal.tenders.find((t) => t.kind === kind);
      return `<tr><td>${esc(known ? known.label : kind)}</td><td class="num">${yuan(fen)}</td></tr>`;
    }).join("");
    const printing = (offline ? `<p class="muted">${T.offlineReceipt}</p>` : "") + `
      <button type="button" class="btn" data-print="80" data-test="print-80">${T.print80}</button>
      <button type="button" class="btn" data-print="58" data-test="print-58">${T.print58}</button>`;
    const form = dialog(ticket.kind === "return" ? T.returnDone : T.done,
      `<div class="mono" data-test="done-number">${esc(ticket.number || "")}</div>
       <table>${tenders}</table>
       ${ticket.change_fen ? `<div>${T.change} <span class="change" data-test="done-change">${yuan(ticket.change_fen)}</span></div>` : ""}
       <div class="actions">${printing}</div>`,
      () => { closeDialog(); resetTicket(); }, { submit: T.newTicket, cancel: false });
    form.addEventListener("click", (event) => {
      const button = event.target.closest("[data-print]");
      if (!button) return;
      if (offline) window.open(offlineReceiptUrl(ticket, Number(button.dataset.print)), "_blank");
      else window.open(receiptUrl(ticket.id, button.dataset.print), "_blank", "noopener");
    });
    form.querySelector("[data-test=dialog-ok]").focus();
    refreshShift();
  }

  // --- offline selling -------------------------------------------------------------------------
  function payOffline() {
    if (S.member || S.coupons.length || S.lines.some((line) => line.override != null)) { toast(T.offlineOnlyCash, true); return; }
    const total = localTotal();
    if (total > S.terminal.offline_ticket_limit_fen) { toast(`${T.offlineLimit} ${yuan(S.terminal.offline_ticket_limit_fen)}`, true); return; }
    const rule = S.terminal.cash_rounding;
    const owed = roundCash(total, rule);
    const form = dialog(`${T.pay} · ${T.offline}`,
      `<p class="muted">${T.offlineOnlyCash}</p>
       <div>${T.due} <span class="big" data-test="due">${yuan(owed)}</span></div>
       <label>${T.received}<input name="received" inputmode="decimal" value="${(owed / 100).toFixed(2)}"></label>
       <div>${T.change} <span class="change" data-test="change">¥0.00</span></div>`,
      async (data) => {
        const received = toFen(data.get("received"));
        if (received == null || received < owed) throw new Error(T.received);
        const item = { key: S.key, lines: ticketBody().lines, offline_payable_fen: total, cash_received_fen: received, sold_at: new Date().toISOString(), shift_id: S.shift ? S.shift.id : null };
        await DB.put("queue", item);
        S.queue.push(item);
        const sold = S.lines.map((line) => ({ name: line.sku.name, price: line.sku.price, weighed: line.sku.weighed, quantity: line.quantity, amount: lineAmount(line.sku.price, line.quantity, line.sku.weighed) }));
        done({
          number: "", kind: "sale", tenders: { cash: owed }, change_fen: received - owed, lines: sold, total, owed, received,
          rounding: owed - total, reference: item.key.slice(0, 12).toUpperCase(), when: new Date().toLocaleString("zh-CN", { hour12: false }),
        }, true);
      });
    form.addEventListener("input", () => {
      const received = toFen(form.elements.received.value) ?? 0;
      form.querySelector("[data-test=change]").textContent = yuan(Math.max(0, received - owed));
    });
  }
  let flushing = false;
  async function flushQueue() {
    if (flushing || !S.online || !S.queue.length) return;
    flushing = true;
    let sent = 0;
    try {
      for (const item of [...S.queue]) {
        try {
          await api("POST", `/terminals/${TID}/offline-tickets`, { lines: item.lines, offline_payable_fen: item.offline_payable_fen, cash_received_fen: item.cash_received_fen, sold_at: item.sold_at, shift_id: item.shift_id }, item.key);
        } catch (error) {
          if (error.status === 0 || error.status >= 500) break;  // try again later, same key
          console.warn("offline ticket refused", item.key, error.body);
        }
        await DB.del("queue", item.key);
        S.queue = S.queue.filter((q) => q.key !== item.key);
        sent++;
      }
    } finally {
      flushing = false;
      renderLink();
    }
    if (sent) { toast(`${T.uploaded}: ${sent}`); refreshShift(); }
  }
  function setOnline(online) {
    if (S.online === online) return;
    S.online = online;
    render();
    if (online) { flushQueue(); syncCatalog(); if (S.lines.length) changed(); }
  }
  window.addEventListener("offline", () => setOnline(false));
  // The browser says the network is back: check that the server answers before trusting it
  // (a request sent the instant the link returns may still fail and would mark the till offline).
  window.addEventListener("online", () => setTimeout(probe, 500));
  let probing = false;
  async function probe() {
    // Offline because a request failed (the server was unreachable, or the link only just came
    // back): ask the server again; an answer puts the till online, which uploads the queue.
    if (S.online || probing || !navigator.onLine) return;
    probing = true;
    try {
      S.terminal = await api("GET", `/terminals/${TID}`, undefined, undefined, true);
      S.shift = S.terminal.shift;
    } catch (error) { /* still unreachable: the next probe tries again */ } finally { probing = false; }
  }

  // --- returns ---------------------------------------------------------------------------------
  function askReturn(number = "") {
    if (!S.online) { toast(T.offlineOnlyCash, true); return; }
    if (S.lines.length) { toast(T.finishTicket, true); return; }
    dialog(T.return, `<label>${T.receiptNumber}<input name="number" value="${esc(number)}" autocomplete="off" required></label>`, async (data) => {
      const sale = await api("GET", `/terminals/${TID}/receipt-lookup?number=${encodeURIComponent(String(data.get("number")).trim())}`);
      returnDialog(sale);
    });
    if (number) $("#pos-dialog-form").requestSubmit();
  }
  function returnDialog(sale) {
    // Weighed lines are shown and returned in kg (the order keeps grams).
    const rows = sale.order_lines.map((line) => {
      const left = line.quantity - line.refunded_quantity;
      const max = line.weighed ? (left / 1000).toFixed(3) : left;
      const step = line.weighed ? "0.001" : "1";
      return `<tr><td>${esc(line.name)}</td><td class="num">${qtyText(line.quantity, line.weighed)}</td><td class="num">${yuan(line.final_amount_fen)}</td>
        <td><input class="qty" name="line-${line.id}" type="number" min="0" max="${max}" step="${step}" value="0" data-test="return-qty-${line.sku_id}">${line.weighed ? " kg" : ""}</td></tr>`;
    }).join("");
    dialog(`${T.return} · ${esc(sale.number)}`,
      `<table><tr><th>${T.item}</th><th class="num">${T.qty}</th><th class="num">${T.amount}</th><th>${T.returnQty}</th></tr>${rows}</table>
       <label>${T.managerLogin}<input name="username" autocomplete="off"></label>
       <label>${T.managerPassword}<input name="password" type="password" autocomplete="off"></label>`,
      async (data) => {
        const lines = sale.order_lines.map((line) => {
          const typed = Number(data.get(`line-${line.id}`) || 0);
          return { order_line_id: line.id, quantity: line.weighed ? Math.round(typed * 1000) : Math.floor(typed) };
        }).filter((l) => l.quantity > 0);
        if (!lines.length) throw new Error(T.returnQty);
        const ticket = await api("POST", `/terminals/${TID}/returns`, { original_ticket_id: sale.id, lines, username: data.get("username") || "", password: data.get("password") || "" }, newKey());
        done(ticket);
      });
  }

  // --- shifts ----------------------------------------------------------------------------------
  function reportTable(report) {
    const tenders = Object.entries(report.by_tender || {}).map(([kind, fen]) => {
      const known = S.terminal.tenders.find((t) => t.kind === kind);
      return `<tr><td>${esc(known ? known.label : kind)}</td><td class="num" data-test="report-${kind}">${yuan(fen)}</td></tr>`;
    }).join("");
    return `<table>
      <tr><td>${T.sales}</td><td class="num">${report.sales} · ${yuan(report.sales_fen)}</td></tr>
      <tr><td>${T.returns}</td><td class="num">${report.returns} · ${yuan(-report.returns_fen)}</td></tr>
      ${tenders}
      <tr><td>${T.rounding}</td><td class="num">${yuan(report.rounding_fen)}</td></tr>
      <tr><td>${T.offlineDiff}</td><td class="num">${yuan(report.offline_difference_fen)}</td></tr>
      <tr><td>${T.float}</td><td class="num">${yuan(report.opening_float_fen)}</td></tr>
      <tr><th>${T.expected}</th><th class="num" data-test="expected-cash">${yuan(report.expected_cash_fen)}</th></tr>
      ${report.over_short_fen != null ? `<tr><th>${T.overShort}</th><th class="num" data-test="over-short">${yuan(report.over_short_fen)}</th></tr>` : ""}
    </table>`;
  }
  async function refreshShift() {
    try {
      S.terminal = await api("GET", `/terminals/${TID}`);
      S.shift = S.terminal.shift;
      renderLink();
    } catch (error) { /* offline: keep what we have */ }
  }
  function askOpenShift() {
    dialog(T.openShift, `<label>${T.float}<input name="float" inputmode="decimal" value="200.00" required></label>`, async (data) => {
      const fen = toFen(data.get("float"));
      if (fen == null) throw new Error(T.float);
      S.shift = await api("POST", `/terminals/${TID}/shifts`, { opening_float_fen: fen });
      closeDialog();
      await refreshShift();
    }, { submit: T.open, cancel: false });
  }
  async function showShift() {
    if (!S.shift) { askOpenShift(); return; }
    if (!S.online) { toast(T.offline, true); return; }
    try {
      const shift = await api("GET", `/shifts/${S.shift.id}`);
      dialog(`${T.xReport} · ${esc(shift.number)}`,
        `${reportTable(shift.report)}<label>${T.counted}<input name="counted" inputmode="decimal" data-test="counted"></label>`,
        async (data) => {
          if (S.lines.length || S.ticket) throw new Error(T.finishTicket);
          if (S.queue.length) throw new Error(T.queueFirst);
          const counted = toFen(data.get("counted"));
          if (counted == null) throw new Error(T.counted);
          const closed = await api("POST", `/shifts/${shift.id}/close`, { counted_cash_fen: counted });
          S.shift = null;
          dialog(`${T.zReport} · ${esc(closed.number)}`, `<div data-test="z-report">${reportTable(closed.report)}</div>`, () => askOpenShift(), { cancel: false });
        }, { submit: T.closeShift });
    } catch (error) { toast(error.message, true); }
  }

  // --- the scan box and the keyboard -----------------------------------------------------------
  let results = [];
  let active = 0;
  function showResults(found) {
    results = found;
    active = 0;
    const box = $("#pos-results");
    if (!found.length) { box.hidden = true; toast(T.noResults, true); return; }
    box.innerHTML = found.map((sku, i) => `<button type="button" data-i="${i}" class="${i === 0 ? "active" : ""}"><span class="key">${i + 1}</span><span class="grow">${esc(sku.name)}</span><span class="mono">${esc(sku.plu || sku.barcode)}</span><span>${yuan(sku.price)}${sku.weighed ? "/kg" : ""}</span></button>`).join("");
    box.hidden = false;
  }
  function pickResult(index) {
    const sku = results[index];
    $("#pos-results").hidden = true;
    results = [];
    if (sku) addItem(sku, sku.weighed ? null : 1);
  }
  $("#pos-results").addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (button) { pickResult(Number(button.dataset.i)); focusScan(); }
  });
  async function onScan(raw) {
    let text = raw.trim();
    if (!text) { startPay(); return; }
    let quantity = null;
    const times = text.match(/^(\d{1,4})\*(.+)$/);
    if (times) { quantity = Number(times[1]); text = times[2]; }
    if (/^66\d{16}$/.test(text)) { identifyByCode(text); return; }
    if (/^(PT|SO)\d{8}-\d+$/i.test(text)) { askReturn(text.toUpperCase()); return; }
    const local = lookupLocal(text);
    if (local) { addItem(local.sku, quantity ?? local.quantity); return; }
    if (/^\d+$/.test(text)) {
      if (S.online && !S.synced) {
        try {
          const found = await api("GET", `/terminals/${TID}/scan?code=${encodeURIComponent(text)}`);
          const sku = { ...found.sku, price: found.sku.price_fen, initials: "", code: "" };
          remember(sku);
          addItem(sku, quantity ?? found.quantity);
        } catch (error) { toast(error.message, true); }
        return;
      }
      toast(`${T.unknown} ${text}`, true);
      return;
    }
    if (S.synced || !S.online) { showResults(searchLocal(text)); return; }
    try {
      const found = await api("GET", `/terminals/${TID}/search?q=${encodeURIComponent(text)}`);
      showResults(found.map((s) => ({ ...s, price: s.price_fen, initials: "", code: "" })));
    } catch (error) { toast(error.message, true); }
  }
  $("#pos-scan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("#pos-scan");
    const value = input.value;
    input.value = "";
    if (!$("#pos-results").hidden && !value.trim()) { pickResult(active); return; }
    $("#pos-results").hidden = true;
    onScan(value);
  });
  document.addEventListener("keydown", (event) => {
    if ($("#pos-dialog").open) return;
    const resultsOpen = !$("#pos-results").hidden;
    const scanEmpty = !$("#pos-scan").value;
    if (resultsOpen && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      active = (active + (event.key === "ArrowDown" ? 1 : results.length - 1)) % results.length;
      document.querySelectorAll("#pos-results button").forEach((b, i) => b.classList.toggle("active", i === active));
      event.preventDefault();
      return;
    }
    if (resultsOpen && scanEmpty && /^[1-9]$/.test(event.key)) { pickResult(Number(event.key) - 1); event.preventDefault(); return; }
    if (event.key === "Escape") { $("#pos-results").hidden = true; $("#pos-scan").value = ""; return; }
    if (!resultsOpen && (event.key === "ArrowDown" || event.key === "ArrowUp") && S.lines.length) {
      S.selected = Math.max(0, Math.min(S.lines.length - 1, S.selected + (event.key === "ArrowDown" ? 1 : -1)));
      render();
      event.preventDefault();
      return;
    }
    if (scanEmpty && (event.key === "+" || event.key === "-") && S.lines[S.selected] && editable()) {
      const line = S.lines[S.selected];
      const step = line.sku.weighed ? 0 : 1;
      if (step && line.quantity + (event.key === "+" ? 1 : -1) >= 1) { line.quantity += event.key === "+" ? 1 : -1; changed(); }
      event.preventDefault();
      return;
    }
    const key = event.key === "Delete" ? "Del" : event.key;
    const bound = KEYS.find(([k]) => k === key);
    if (bound) { event.preventDefault(); bound[2](); }
  });
  $("#pos-lines").addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-index]");
    if (row) { S.selected = Number(row.dataset.index); render(); focusScan(); }
  });
  document.addEventListener("click", (event) => { if (!event.target.closest("dialog, button, input, a")) focusScan(); });

  // --- start -----------------------------------------------------------------------------------
  async function start() {
    await DB.open();
    const [records, version, queued, terminal, promos] = await Promise.all([
      DB.all("skus"), DB.get("meta", "version"), DB.all("queue"), DB.get("meta", "terminal"), DB.get("meta", "promos"),
    ]);
    for (const record of records) remember(record);
    S.version = version || "";
    S.synced = records.length > 0;
    S.queue = queued;
    S.terminal = terminal || null;
    S.promos = promos || [];
    render();
    renderSync();
    if (S.online) {
      try {
        S.terminal = await api("GET", `/terminals/${TID}`);
        S.shift = S.terminal.shift;
        await DB.put("meta", S.terminal, "terminal");
        S.promos = await api("GET", `/terminals/${TID}/promotions`);
        await DB.put("meta", S.promos, "promos");
      } catch (error) { toast(error.message, true); }
    } else if (S.terminal) {
      S.shift = S.terminal.shift;
    }
    document.body.dataset.ready = "1";
    render();
    if (!S.shift && S.online) askOpenShift();
    await syncCatalog();
    document.body.dataset.synced = "1";
    flushQueue();
    setInterval(() => { if (S.online) flushQueue(); else probe(); }, 3000);
    setInterval(() => { syncCatalog(); }, 60000);
    focusScan();
  }
  start();
})();
