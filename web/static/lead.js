// The escalations page: add newly raised escalations to the open list as they arrive,
// in the same words and local times as the server's list.
import { list as listWords, t, withNodes } from "./i18n.js";
import { localiseTimes, localTime } from "./local-time.js";

const list = document.getElementById("open-escalations");
const words = JSON.parse(list?.dataset.words ?? "{}");
const about = (categories) => listWords(categories.map((c) => words.categories?.[c] ?? c.replaceAll("_", " ")))
  || t("no category given");

function item(e) {
  const li = document.createElement("li");
  li.className = `room-card ${e.severity}`;
  li.dataset.id = e.id;
  const link = document.createElement("a");
  link.href = `/lead/escalations/${encodeURIComponent(e.id)}`;
  const strong = document.createElement("strong");
  strong.textContent = e.severity === "urgent" ? t("Urgent") : t("Concern");
  const name = document.createElement("span");
  name.dir = "auto"; // the name they chose, in whichever language
  name.textContent = e.participant_name;
  link.append(strong, ": ", name);
  const detail = document.createElement("span");
  detail.className = "small";
  const when = document.createElement("time");
  when.dateTime = e.created_at;
  when.textContent = localTime(e.created_at);
  detail.append(` · ${about(e.categories)} · ${words.states?.[e.state] ?? e.state} · `,
    ...withNodes(t("raised {time}"), { time: when }));
  li.append(link, " ", detail);
  return li;
}

document.addEventListener("hearth:escalations", (event) => {
  if (!list) return;
  const known = new Set([...list.querySelectorAll("li[data-id]")].map((li) => li.dataset.id));
  for (const e of event.detail.open) {
    if (known.has(e.id)) continue;
    document.getElementById("none-open")?.remove();
    list.prepend(item(e));
  }
  for (const li of list.querySelectorAll("li[data-id]")) {
    if (!event.detail.open.some((e) => e.id === li.dataset.id)) li.remove();
  }
});

localiseTimes();
