// While someone types, screen the draft with the same rules as the server (risk.js over
// /api/risk-rules) and, if it sounds like they may be at risk, show gentle crisis links
// before they send. It only decides what to show: the server screens every message again.
import { createScreen } from "./risk.js";

let screen = null;
fetch("/api/risk-rules", { credentials: "same-origin" })
  .then((response) => (response.ok ? response.json() : null))
  .then((rules) => { if (rules) screen = createScreen(rules); })
  .catch(() => { /* without the rules the page simply doesn't pre-warn */ });

function entry(resource) {
  const item = document.createElement("li");
  const name = document.createElement("strong");
  name.textContent = resource.name;
  const contact = document.createElement("span");
  contact.textContent = ` ${resource.contact}${resource.hours ? ` (${resource.hours})` : ""}`;
  item.append(name, contact);
  return item;
}

/** Watch ``textarea``; fill and show ``box`` (hidden otherwise) from ``signposting()``,
 *  the welcome's {category: [resource]} map for this group. */
export function watchDraft(textarea, box, signposting) {
  let timer = null;
  let shownFor = "";
  const list = box.querySelector("ul");
  const check = () => {
    if (!screen) return;
    const verdict = screen.screen(textarea.value);
    if (verdict.severity === "none") { box.hidden = true; shownFor = ""; return; }
    const key = verdict.categories.join(",");
    if (key === shownFor && !box.hidden) return;
    shownFor = key;
    const seen = new Set();
    const resources = verdict.categories
      .flatMap((category) => signposting()?.[category] ?? [])
      .filter((r) => !seen.has(r.name) && seen.add(r.name));
    list.replaceChildren(...resources.map(entry));
    box.hidden = false;
  };
  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 200);
  });
  textarea.form?.addEventListener("submit", () => { box.hidden = true; shownFor = ""; });
}
