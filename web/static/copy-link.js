// "Copy link" buttons beside invite links (the facilitators' groups page and the admin's
// rooms page). Each button is <button class="copy-link" data-link> with a .copy-label
// inside; its words turn to "Copied" for two seconds and a status line tells a screen
// reader. The link itself stays on the page as text, to select by hand without script. The
// buttons come hidden in the page and are shown here once they work (where the browser can
// copy): in Urdu or Polish this runs only after the page's words have arrived.
import { t } from "./i18n.js";

export function wireCopyButtons(status, onError) {
  for (const button of document.querySelectorAll("button.copy-link")) {
    // Only the visible words change: the hidden " for <group>" keeps the buttons apart.
    const label = button.querySelector(".copy-label");
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.link);
        label.textContent = t("Copied");
        status.textContent = t("Invite link copied.");
        setTimeout(() => { label.textContent = t("Copy link"); }, 2000);
      } catch {
        onError(t("Couldn't copy the link. Please select it and copy it by hand."));
      }
    });
    button.hidden = !navigator.clipboard;
  }
}
