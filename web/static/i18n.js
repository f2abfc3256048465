// The browser's words in the page's language. Every message is written in English where it
// is used, t("Hello {name}", { name }) or tn("{n} minute", "{n} minutes", n), and Babel
// extracts them into the same catalogues as the pages' (server/i18n.py). The page names its
// words file on <html data-words> (none for English); this module loads it before any module
// that imports it runs, so nothing is ever drawn in the wrong language.

const lang = document.documentElement.lang || "en-GB";
const source = document.documentElement.dataset.words;
let words = {};
if (source) {
  try {
    const response = await fetch(source, { credentials: "same-origin" });
    if (response.ok) words = await response.json();
  } catch { /* English, then: better than nothing */ }
}

// CLDR plural rules for the languages Hearth speaks: which form a count takes.
const PLURAL = {
  pl: (n) => (n === 1 ? 0
    : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : 2),
};
const pluralIndex = PLURAL[lang.split("-")[0]] ?? ((n) => (n === 1 ? 0 : 1));

function fill(text, params) {
  return params ? text.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole)) : text;
}

/** ``message`` in the page's language, with {placeholders} filled from ``params``. */
export function t(message, params) {
  const found = words[message];
  return fill(typeof found === "string" ? found : message, params);
}

/** A message with a count: ``one`` for 1 in English, ``many`` otherwise; {n} is the count. */
export function tn(one, many, n, params = {}) {
  const forms = words[one];
  const text = Array.isArray(forms) ? forms[pluralIndex(n)] ?? forms[forms.length - 1]
    : n === 1 ? one : many;
  return fill(text, { n, ...params });
}

/** The page's language tag, for dates and times ("en-GB", "pl", "ur"). */
export const locale = lang;

/** ``items`` as a list in the page's language: "a, b, c" in English, with the language's own
 *  commas (and "and", where it puts one) in Polish and Urdu. */
let listFormat; // made once: a list is formatted for every alert drawn
export function list(items) {
  try {
    listFormat ??= new Intl.ListFormat(lang, { type: "unit", style: "short" });
    return listFormat.format(items);
  } catch {
    return items.join(", ");
  }
}

/** A translated sentence with elements in it, for append(...): each {placeholder} in ``text``
 *  becomes its value in ``parts``, a string or an element. Give t() no params here, so that
 *  braces in what people wrote are never taken for placeholders:
 *  withNodes(t("{name} wrote this at {time}:"), { name, time: timeElement }). */
export function withNodes(text, parts) {
  return text.split(/\{(\w+)\}/)
    .map((part, i) => (i % 2 === 0 ? part : part in parts ? parts[part] : `{${part}}`))
    .filter((part) => part !== "");
}
