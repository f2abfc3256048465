import { t } from "./i18n.js";
import { wireOpenRooms } from "./open-room.js";

const errorBox = document.getElementById("staff-error");
function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = false;
}

wireOpenRooms(errorBox);

const copyStatus = document.getElementById("copy-status");
for (const button of document.querySelectorAll("button.copy-link")) {
  // Only the visible words change: the hidden " for <group>" keeps the buttons apart.
  const label = button.querySelector(".copy-label");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.link);
      label.textContent = t("Copied");
      copyStatus.textContent = t("Invite link copied.");
      setTimeout(() => { label.textContent = t("Copy link"); }, 2000);
    } catch {
      showError(t("Couldn't copy the link. Please select it and copy it by hand."));
    }
  });
}
