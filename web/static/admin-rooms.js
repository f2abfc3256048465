// The admin's rooms page: the invite links' Copy buttons (hidden until this runs).
import { wireCopyButtons } from "./copy-link.js";
import { localiseTimes } from "./local-time.js";

localiseTimes(); // each group's next session, in this reader's time

const errorBox = document.getElementById("copy-error");
wireCopyButtons(document.getElementById("copy-status"), (text) => {
  errorBox.textContent = text;
  errorBox.hidden = false;
});
