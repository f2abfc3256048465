// One support service in a list: its name, how to reach it in words, and on a phone one
// tap to ring or text it (tel: and sms: links), the languages it answers in, its website.
// Used wherever Hearth signposts: the help box, the draft check and the end of a visit.
import { list, t } from "./i18n.js";

const LANGUAGE_NAMES = { en: t("English"), pl: t("Polish"), ur: t("Urdu"), cy: t("Welsh") };

function link(href, text, label) {
  const a = document.createElement("a");
  a.href = href;
  a.className = "call-link";
  a.textContent = text;
  if (label) a.setAttribute("aria-label", label);
  return a;
}

/** Where a service answers in more than English, or can find an interpreter, say so. */
function languageWords(resource) {
  const others = (resource.languages ?? []).filter((code) => code !== "en");
  const languages = list(others.map((c) => LANGUAGE_NAMES[c] ?? c));
  if (others.length && resource.interpreting) {
    return t("Speaks {languages}; can arrange an interpreter", { languages });
  }
  if (others.length) return t("Speaks {languages}", { languages });
  if (resource.interpreting) return t("Can arrange an interpreter");
  return "";
}

export function resourceItem(resource) {
  const item = document.createElement("li");
  const name = document.createElement("strong");
  name.textContent = resource.name;
  name.dir = "auto"; // the directory's words, in whichever language they were written
  const contact = document.createElement("span");
  contact.dir = "auto";
  contact.textContent = ` ${resource.contact}${resource.hours ? ` (${resource.hours})` : ""}`;
  item.append(name, contact);
  const actions = [];
  if (resource.tel) actions.push(link(`tel:${resource.tel}`, t("Call"), t("Call {name}", { name: resource.name })));
  if (resource.sms) {
    // "?&body=" is the form both iOS and Android read.
    const body = resource.sms_body ? `?&body=${encodeURIComponent(resource.sms_body)}` : "";
    actions.push(link(`sms:${resource.sms}${body}`, t("Text"), t("Text {name}", { name: resource.name })));
  }
  if (resource.url) {
    // Opens in this tab after a word first (support-links.js), never in a new one.
    const site = document.createElement("a");
    site.href = resource.url;
    site.rel = "noreferrer";
    site.textContent = t("Website");
    actions.push(site);
  }
  if (actions.length) {
    const row = document.createElement("span");
    row.className = "resource-actions";
    row.append(...actions);
    item.append(" ", row);
  }
  const languages = languageWords(resource);
  if (languages) {
    const note = document.createElement("span");
    note.className = "hint resource-languages";
    note.textContent = languages;
    item.append(note);
  }
  return item;
}
