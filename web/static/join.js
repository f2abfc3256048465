import { keepSession, postJSON } from "./api.js";

const form = document.getElementById("join-form");
const errorBox = document.getElementById("join-error");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const name = form.elements.name.value.trim();
  try {
    const data = await postJSON("/api/join", {
      invite: form.dataset.invite,
      name: name || null,
      agree: form.elements.agree.checked,
    });
    keepSession(data);
    location.assign("/room");
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
  }
});
