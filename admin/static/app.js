// Keyboard shortcuts, the reject picker, selection and live refresh for the admin console.
// Plain JS, no build step; every action is an ordinary form POST so the server stays the authority.
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const csrf = document.body.dataset.csrf || "";
  let cursor = 0;

  function typing(event) {
    const t = event.target;
    return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) && !["checkbox", "radio"].includes(t.type);
  }
  function rows() { return $$("tr.row"); }
  function current() { return rows()[cursor]; }
  function selectedIds() { return $$("tr.row input[name=ids]:checked").map((box) => box.value); }

  function moveTo(index) {
    const all = rows();
    if (!all.length) return;
    cursor = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("current", i === cursor));
    all[cursor].scrollIntoView({ block: "nearest" });
    all[cursor].setAttribute("aria-current", "true");
  }

  function refreshSelection() {
    rows().forEach((row) => row.classList.toggle("selected", !!$("input[name=ids]", row)?.checked));
    const count = $("#selected-count");
    if (count) count.textContent = selectedIds().length + " selected";
  }

  function post(action, fields) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = action;
    Object.entries({ _csrf: csrf, ...fields }).forEach(([name, value]) => {
      [].concat(value).forEach((v) => {
        const input = document.createElement("input");
        input.type = "hidden"; input.name = name; input.value = v;
        form.appendChild(input);
      });
    });
    document.body.appendChild(form);
    form.submit();
  }

  function here() { return location.pathname + location.search; }

  // Queue page: a and r act on the selection when there is one, else on the current row.
  function approveFromQueue() {
    const ids = selectedIds();
    if (ids.length || $("#scope-filter")?.checked) { submitBulk("approve"); return; }
    const row = current();
    if (row) post(row.dataset.href + "/decide", { action: "approve", back: here() });
  }

  function submitBulk(action, extra) {
    const form = $("#bulk");
    form.elements.action.value = action;
    Object.entries(extra || {}).forEach(([name, value]) => {
      const input = document.createElement("input");
      input.type = "hidden"; input.name = name; input.value = value;
      form.appendChild(input);
    });
    form.submit();
  }

  function openRejectPicker() {
    const dialog = $("#reject-dialog");
    if (!dialog) return;
    const ids = selectedIds();
    const bulk = ids.length > 0 || !!$("#scope-filter")?.checked;
    const row = current();
    if (!bulk && !row) return;
    const form = $("#reject-form");
    form.dataset.mode = bulk ? "bulk" : "single";
    form.action = bulk ? "/admin/queue/bulk" : row.dataset.href + "/decide";
    form.elements.back.value = here();
    $("#reject-title").textContent = bulk ? "Reject " + (ids.length || "all in filter") : "Reject this comment";
    dialog.showModal();
    $("input[name=reason]:checked", form)?.focus();
  }

  function wireRejectForm() {
    const form = $("#reject-form");
    if (!form) return;
    form.addEventListener("submit", (event) => {
      if (form.dataset.mode !== "bulk") return;
      event.preventDefault();
      submitBulk("reject", { reason: form.elements.reason.value, note: form.elements.note.value });
    });
    form.addEventListener("keydown", (event) => {
      const n = parseInt(event.key, 10);
      const choices = $$("input[name=reason]", form);
      if (!typing(event) && n >= 1 && n <= choices.length) { choices[n - 1].checked = true; choices[n - 1].focus(); }
    });
    $("[data-close]", form)?.addEventListener("click", () => $("#reject-dialog").close());
    $$("[data-bulk=reject]").forEach((b) => b.addEventListener("click", openRejectPicker));
  }

  function onQueueKey(event) {
    switch (event.key) {
      case "j": moveTo(cursor + 1); break;
      case "k": moveTo(cursor - 1); break;
      case "x": {
        const box = current() && $("input[name=ids]", current());
        if (box) { box.checked = !box.checked; refreshSelection(); }
        break;
      }
      case "a": approveFromQueue(); break;
      case "r": openRejectPicker(); break;
      case "o": case "Enter": if (current()) location.href = current().dataset.href + "?back=" + encodeURIComponent(here()); break;
      default: return false;
    }
    return true;
  }

  function onItemKey(event) {
    switch (event.key) {
      case "a": { const f = $("#approve-form"); if (f && !$("button", f).disabled) f.requestSubmit(); break; }
      case "r": { const s = $("#reason"); if (s && !s.disabled) s.focus(); break; }
      case "u": location.href = $("#back-link").getAttribute("href"); break;
      default: return false;
    }
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    if ($("dialog[open]")) return; // the open dialog owns the keyboard (Esc closes it)
    if (event.key === "?") { $("#shortcuts")?.showModal(); event.preventDefault(); return; }
    const handled = $("#queue-live") ? onQueueKey(event) : $("[data-item]") ? onItemKey(event) : false;
    if (handled) event.preventDefault();
  });

  // Live queue: poll the rows fragment, keep the cursor and the selection across refreshes.
  function startPolling() {
    const live = $("#queue-live");
    if (!live) return;
    setInterval(async () => {
      if (document.hidden || $("dialog[open]")) return;
      const keepCurrent = current()?.dataset.id;
      const keepSelected = new Set(selectedIds());
      try {
        const response = await fetch(live.dataset.src, { headers: { Accept: "text/html" }, credentials: "same-origin" });
        if (!response.ok) return;
        live.innerHTML = await response.text();
      } catch (_) { return; }
      rows().forEach((row, i) => {
        const box = $("input[name=ids]", row);
        if (box && keepSelected.has(box.value)) box.checked = true;
        if (row.dataset.id === keepCurrent) cursor = i;
      });
      refreshSelection();
      moveTo(cursor);
    }, 10000);
  }

  document.addEventListener("click", (event) => {
    const row = event.target.closest("tr.row");
    if (row && !event.target.closest("a, input, button, label")) location.href = row.dataset.href;
  });
  document.addEventListener("change", (event) => { if (event.target.name === "ids") refreshSelection(); });
  document.addEventListener("submit", (event) => {
    const message = event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", () => {
    wireRejectForm();
    if (rows().length) moveTo(0);
    refreshSelection();
    startPolling();
  });
})();
