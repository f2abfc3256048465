// "Open" / "Go to the group" buttons (button.open-room[data-room]): ask for a room token
// with the staff login, keep it for this tab, and go to the group page.
import { keepSession, postJSON } from "./api.js";
import { t } from "./i18n.js";

/** ``errorBox``: where a failure is said in words (hidden again on the next try).
 *
 * The buttons come disabled in the page and are enabled here, once they work: in Urdu or
 * Polish this module runs only after i18n.js has fetched the page's words, which can be
 * after the page has finished loading, and a tap before then would do nothing at all (on
 * a lead's escalation page, "Go to the group" in an emergency). */
export function wireOpenRooms(errorBox) {
  const showError = (text) => { errorBox.textContent = text; errorBox.hidden = false; };
  for (const button of document.querySelectorAll("button.open-room")) {
    button.addEventListener("click", async () => {
      errorBox.hidden = true;
      button.disabled = true;
      try {
        // data-kind (a one-to-one room, or a group) goes with the session: room.js words.
        const kind = button.dataset.kind === "one_to_one" ? "one_to_one" : "group";
        keepSession({ ...await postJSON(`/api/rooms/${encodeURIComponent(button.dataset.room)}/token`), kind });
        location.assign("/room");
      } catch (error) {
        // training_required: the page already says why, in its own language (staff.html).
        const why = error.code === "training_required" && document.getElementById("training-why");
        if (why) {
          showError(why.querySelector(".training-why-lead")?.textContent ?? error.message);
          why.focus();
        } else {
          showError(error.status === 401 ? t("Your login has expired. Please log in again.") : error.message);
        }
        button.disabled = false;
      }
    });
    button.disabled = false;
  }
}
