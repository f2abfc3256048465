// The escalations page: add newly raised escalations to the open list as they arrive.
document.addEventListener("hearth:escalations", (event) => {
  const list = document.getElementById("open-escalations");
  if (!list) return;
  const known = new Set([...list.querySelectorAll("li[data-id]")].map((li) => li.dataset.id));
  for (const e of event.detail.open) {
    if (known.has(e.id)) continue;
    document.getElementById("none-open")?.remove();
    const item = document.createElement("li");
    item.className = `room-card ${e.severity}`;
    item.dataset.id = e.id;
    const link = document.createElement("a");
    link.href = `/lead/escalations/${encodeURIComponent(e.id)}`;
    link.textContent = `${e.severity}: ${e.participant_name}`;
    const detail = document.createElement("span");
    detail.className = "small";
    detail.textContent = ` · ${e.categories.join(", ") || "no category"} · ${e.state.replace("_", " ")}`;
    item.append(link, detail);
    list.prepend(item);
  }
  for (const li of list.querySelectorAll("li[data-id]")) {
    if (!event.detail.open.some((e) => e.id === li.dataset.id)) li.remove();
  }
});
