import { keepSession, postJSON } from "./api.js";

const errorBox = document.getElementById("staff-error");
function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = false;
}

for (const button of document.querySelectorAll("button.open-room")) {
  button.addEventListener("click", async () => {
    errorBox.hidden = true;
    button.disabled = true;
    try {
      keepSession(await postJSON(`/api/rooms/${encodeURIComponent(button.dataset.room)}/token`));
      location.assign("/room");
    } catch (error) {
      showError(error.status === 401 ? "Your login has expired. Please log in again." : error.message);
      button.disabled = false;
    }
  });
}

const copyStatus = document.getElementById("copy-status");
for (const button of document.querySelectorAll("button.copy-link")) {
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.link);
      button.textContent = "Copied";
      copyStatus.textContent = "Invite link copied.";
      setTimeout(() => { button.textContent = "Copy link"; }, 2000);
    } catch {
      showError("Couldn't copy the link. Please select it and copy it by hand.");
    }
  });
}
