// Links to support services (signposting, the draft-support box, the end of a visit)
// open in this same tab, after a short, kind warning, and replace the group page in
// the tab's history.
//
// Why not a new tab: a support site left open in a tab of its own outlives a Quick
// exit, and it says more about why someone was here than Hearth does (a domestic-abuse
// service, a crisis line). Closing such windows from Quick exit is not dependable: it
// needs a handle from window.open (so no noopener, or an opener to cut by hand), the
// site's own Cross-Origin-Opener-Policy can sever that handle, and it does nothing once
// the person is looking at the support tab rather than at Hearth. In one tab there is
// one thing to hide, the support services keep their own quick-exit buttons, and Back
// leads past Hearth to where the person came from (location.replace), never into the
// group. The cost, leaving the group page, is said before it happens.
import { confirmDialog } from "./dialog.js";
import { t } from "./i18n.js";

/** An http(s) link to another site (tel: and sms: links are left to the browser). */
function supportLink(event) {
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!link || link.classList.contains("quick-exit") || link.id === "quick-exit") return null;
  let url;
  try { url = new URL(link.href, location.href); } catch { return null; }
  if (!/^https?:$/.test(url.protocol) || url.origin === location.origin) return null;
  return { link, url };
}

/** The service's name, from the list entry the link sits in ("" if it has none). */
function serviceName(link) {
  return link.closest("li")?.querySelector("strong")?.textContent?.trim() ?? "";
}

/**
 * Catch every click on a support site's link in the page (middle and modified clicks
 * too, which would open a tab), ask first, then open it here.
 *
 * ``inGroup()``: whether the person is still in the group (waiting or in the room), for
 * the warning's words; ``beforeLeaving()``: says goodbye to the group if still in it and
 * clears the tab's storage (the page is about to go).
 */
export function openSupportHere({ inGroup, beforeLeaving }) {
  let asking = false;
  const onClick = async (event) => {
    const found = supportLink(event);
    if (!found) return;
    event.preventDefault();
    if (asking) return;
    asking = true;
    const name = serviceName(found.link);
    const staying = inGroup();
    let ok = false;
    try {
      ok = await confirmDialog({
        title: name ? t("Open the {name} website?", { name }) : t("Open the support website?"),
        body: staying
          ? t("This will leave the group page, and their website will open here instead. That's all right: you can come back to the group with your invite link whenever you like.")
          : t("This will leave the group page, and their website will open here instead."),
        confirmText: t("Open the website"),
        cancelText: t("Stay here"),
      });
    } finally {
      asking = false;
    }
    if (!ok) return;
    try { beforeLeaving(); } catch { /* leaving regardless */ }
    location.replace(found.url.href);
  };
  document.addEventListener("click", onClick);
  document.addEventListener("auxclick", (event) => { if (event.button === 1) onClick(event); });
}
