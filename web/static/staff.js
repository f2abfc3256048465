import { keepSession, postJSON } from "./api.js";

const errorBox = document.getElementById("staff-error");
for (const button of document.querySelectorAll("button.open-room")) {
  button.addEventListener("click", async () => {
    try {
      keepSession(await postJSON(`/api/rooms/${encodeURIComponent(button.dataset.room)}/token`));
      location.assign("/room");
    } catch (error) {
      errorBox.textContent = error.message;
      errorBox.hidden = false;
    }
  });
}
