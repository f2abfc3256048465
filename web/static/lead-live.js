// Live escalations for the safeguarding lead, on any page they have open.
// Server-sent events from /api/escalations/stream; the banner shows how many are open
// and announces a new one. Nothing here is shown to anyone but a logged-in lead.
// A live region holding a link (a link given role="status" would lose its name, and
// its role as a link, while staying in the Tab order).
import { t, tn } from "./i18n.js";

const banner = document.createElement("div");
banner.id = "lead-live";
banner.className = "lead-live";
banner.setAttribute("role", "status");
banner.setAttribute("aria-live", "assertive");
banner.hidden = true;
const link = document.createElement("a");
link.href = "/lead";
banner.append(link);
document.body.prepend(banner);

const open = new Map();

function show(latest) {
  banner.hidden = open.size === 0 && !latest;
  const count = tn("{n} open escalation", "{n} open escalations", open.size);
  const name = latest?.participant_name;
  link.textContent = !latest ? count
    : latest.severity === "urgent" ? t("New urgent escalation ({name}) · {count}", { name, count })
      : t("New concern escalation ({name}) · {count}", { name, count });
  banner.classList.toggle("urgent", [...open.values()].some((e) => e.severity === "urgent"));
  document.dispatchEvent(new CustomEvent("hearth:escalations", { detail: { open: [...open.values()], latest } }));
}

// The browser reconnects a dropped stream by itself (after the server's retry delay),
// but gives up for good on an error answer such as 503 while the bus is down: then we
// open a new one, waiting longer each time (up to a minute). Every (re)connection
// starts with a snapshot, so nothing raised meanwhile is missed.
let wait = 3000;

function connect() {
  const source = new EventSource("/api/escalations/stream");
  source.addEventListener("snapshot", (event) => {
    wait = 3000;
    open.clear();
    for (const e of JSON.parse(event.data).open) open.set(e.id, e);
    show(null);
  });
  source.addEventListener("escalation", (event) => {
    const e = JSON.parse(event.data);
    if (e.state === "closed") open.delete(e.id); else open.set(e.id, e);
    show(e.event === "raised" ? e : null);
  });
  source.addEventListener("error", () => {
    if (source.readyState !== EventSource.CLOSED) return; // the browser is retrying
    setTimeout(connect, wait);
    wait = Math.min(wait * 2, 60000);
  });
}

connect();
