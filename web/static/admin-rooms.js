// The admin's rooms page: the invite links' Copy buttons (hidden until this runs).
import { wireCopyButtons } from "./copy-link.js";

const errorBox = document.getElementById("copy-error");
wireCopyButtons(document.getElementById("copy-status"), (text) => {
  errorBox.textContent = text;
  errorBox.hidden = false;
});
