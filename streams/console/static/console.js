// Light progressive enhancement: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // the pipeline panel, re-rendered by the server once a second (server-sent events)
  const panel = document.querySelector("[data-live]");
  if (panel && window.EventSource) {
    const source = new EventSource(panel.dataset.live);
    source.addEventListener("panel", (e) => { panel.innerHTML = e.data; panel.dataset.updated = Date.now(); });
    window.addEventListener("beforeunload", () => source.close());
  }
  // a running audit: show its progress, then the report
  const audit = document.querySelector("#audit[data-running='yes']");
  if (audit) {
    const poll = async () => {
      const r = await fetch("/audit/status.json", { credentials: "same-origin" });
      const s = await r.json();
      if (s.running) {
        const p = document.querySelector("#audit-progress");
        if (p) p.textContent = `running: ${s.records.toLocaleString()} records read`;
        setTimeout(poll, 500);
      } else {
        window.location.reload();
      }
    };
    setTimeout(poll, 500);
  }
});
