// Small in-page dialogs instead of confirm() and prompt(): they match the page,
// can be read by screen readers, and keep focus inside while open (<dialog>).
// A modal dialog makes the rest of the page inert, so each one carries its own
// Quick exit button: leaving fast must never be blocked.
import { t } from "./i18n.js";
import { quickExit } from "./quick-exit.js";

function build({ title, body, quote = null, confirmText, cancelText = t("Cancel"), danger = false, field = null }) {
  const dialog = document.createElement("dialog");
  dialog.className = "dialog";
  const titleId = `dialog-title-${Math.random().toString(36).slice(2, 9)}`;
  dialog.setAttribute("aria-labelledby", titleId);

  const exit = document.createElement("button");
  exit.type = "button";
  exit.className = "quick-exit dialog-exit";
  exit.textContent = t("Quick exit");
  exit.addEventListener("click", quickExit);
  dialog.append(exit);

  const form = document.createElement("form");
  form.method = "dialog";
  const heading = document.createElement("h2");
  heading.id = titleId;
  heading.textContent = title;
  form.append(heading);
  if (quote) {
    // Someone's own words, quoted so the choice is made looking at them.
    const words = document.createElement("blockquote");
    words.className = "alert-text";
    words.dir = "auto";
    words.textContent = quote;
    form.append(words);
  }
  if (body) {
    const text = document.createElement("p");
    text.textContent = body;
    form.append(text);
  }
  let input = null;
  if (field) {
    const label = document.createElement("label");
    const inputId = `${titleId}-field`;
    label.htmlFor = inputId;
    label.textContent = field.label;
    input = document.createElement("textarea");
    input.id = inputId;
    input.rows = 3;
    input.maxLength = field.maxLength ?? 2000;
    input.dir = "auto"; // what they write, in whichever language they write it
    if (field.placeholder) input.placeholder = field.placeholder;
    form.append(label, input);
  }
  const buttons = document.createElement("div");
  buttons.className = "dialog-buttons";
  const cancel = document.createElement("button");
  cancel.type = "submit";
  cancel.value = "cancel";
  cancel.textContent = cancelText;
  const confirm = document.createElement("button");
  confirm.type = "submit";
  confirm.value = "confirm";
  confirm.className = danger ? "danger" : "primary";
  confirm.textContent = confirmText;
  buttons.append(cancel, confirm);
  form.append(buttons);
  dialog.append(form);
  return { dialog, input, confirm };
}

function open(options) {
  const opener = document.activeElement;
  const { dialog, input, confirm } = build(options);
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      const ok = dialog.returnValue === "confirm";
      const value = input ? input.value.trim() : "";
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve({ ok, value });
    }, { once: true });
    dialog.showModal();
    (input ?? confirm).focus();
  });
}

/** Ask a yes/no question. Resolves true when confirmed. */
export async function confirmDialog(options) {
  return (await open(options)).ok;
}

/** Ask for optional text. Resolves to the text ("" if none), or null when cancelled. */
export async function askDialog(options) {
  const { ok, value } = await open(options);
  return ok ? value : null;
}
