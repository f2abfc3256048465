// Hearth's risk screen in the browser: a port of server/safeguarding/risk.py over the same
// risk_rules.json, so a draft can be screened while someone types and gentle crisis links shown
// before they send. The server screens every message again; this copy only decides what to show.
//
// It must reach the same decision as the Python engine for every text (a test runs both over the
// evaluation set). It leaves out the Python engine's word index and rule validation, which change
// speed and error reporting only, never a decision.

const RANK = { none: 0, concern: 1, urgent: 2 };

function expandDefs(defs) {
  const out = {};
  for (const [name, body] of Object.entries(defs || {})) out[name] = substitute(body, out);
  return out;
}

function substitute(pattern, defs) {
  return pattern.replace(/<([A-Z][A-Z0-9_]*)>/g, (_, name) => {
    if (!Object.hasOwn(defs, name)) throw new Error(`undefined <${name}> in ${pattern}`);
    return `(?:${defs[name]})`;
  });
}

const classEscape = (chars) => chars.replace(/[\\\]\[^-]/g, "\\$&");
const mapEach = (fn) => (texts) => texts.map(fn);

function mapChars(step) {
  const table = step.map;
  if (step.keep === undefined) {
    return mapEach((t) => Array.from(t, (c) => (Object.hasOwn(table, c) ? table[c] : c)).join(""));
  }
  const keep = new Set(step.keep);
  const fallback = step.default ?? " ";
  return mapEach((t) =>
    Array.from(t, (c) => (Object.hasOwn(table, c) ? table[c] : keep.has(c) ? c : fallback)).join(""),
  );
}

// One function per normalisation op; see _Normaliser in risk.py for the contract of each.
const OPS = {
  nfkd: () => mapEach((t) => t.normalize("NFKD")),
  lowercase: () => mapEach((t) => t.toLowerCase()),
  strip_ranges: (step) => {
    const hex = (n) => `\\u{${n.toString(16)}}`;
    const re = new RegExp(`[${step.ranges.map(([lo, hi]) => hex(lo) + "-" + hex(hi)).join("")}]`, "gu");
    return mapEach((t) => t.replace(re, ""));
  },
  map_chars: mapChars,
  map_between_letters: (step) => {
    const re = new RegExp(`([a-z])([${classEscape(Object.keys(step.map).join(""))}]+)(?=[a-z])`, "g");
    return mapEach((t) =>
      t.replace(re, (_, before, run) => before + Array.from(run, (c) => step.map[c]).join("")),
    );
  },
  join_spaced_letters: (step) => {
    const seps = classEscape(step.separators);
    const re = new RegExp(`\\b[a-z](?:[${seps}]+[a-z]\\b){${step.min_letters - 1},}`, "g");
    const strip = new RegExp(`[${seps}]+`, "g");
    return mapEach((t) => t.replace(re, (m) => m.replace(strip, "")));
  },
  squeeze_repeats: (step) => {
    const re = new RegExp(`([a-z])\\1{${step.min_run - 1},}`, "g");
    return (texts) =>
      texts.flatMap((t) => {
        re.lastIndex = 0;
        if (!re.test(t)) return [t];
        return step.keep.map((k) => t.replace(re, (_, c) => c.repeat(k)));
      });
  },
  collapse_spaces: () => mapEach((t) => t.split(" ").filter(Boolean).join(" ")),
  map_words: (step) =>
    mapEach((t) =>
      t.split(" ").map((w) => (Object.hasOwn(step.map, w) ? step.map[w] : w)).join(" "),
    ),
  replace: (step) => {
    const pairs = step.rules.map(([pattern, replacement]) => [new RegExp(pattern, "g"), replacement]);
    return mapEach((t) => pairs.reduce((acc, [re, replacement]) => acc.replace(re, replacement), t));
  },
};

function compileGuard(spec, defs) {
  const raw = spec.patterns ?? [spec.pattern];
  const body = raw.map((p) => `(?:${substitute(p, defs)})`).join("|");
  const source = spec.scope === "just_before" ? `(?:${body})$` : body;
  return { ...spec, window: spec.window ?? 80, test: new RegExp(source), all: new RegExp(source, "g") };
}

function startOf(value, index, breaks) {
  const padded = " " + value.slice(0, index);
  let start = 0;
  for (const brk of breaks) {
    const found = padded.lastIndexOf(brk);
    if (found >= 0) start = Math.max(start, found - 1 + brk.length);
  }
  return Math.min(start, index);
}

function endOf(value, index, breaks) {
  const padded = value.slice(index) + " ";
  let end = value.length;
  for (const brk of breaks) {
    const found = padded.indexOf(brk);
    if (found >= 0) end = Math.min(end, index + found);
  }
  return end;
}

function guardFires(guard, value, start, end, clauseBreaks, sentenceBreaks) {
  if (guard.scope === "overlap") {
    for (const m of value.matchAll(guard.all)) {
      if (m.index < end && m.index + m[0].length > start) return true;
    }
    return false;
  }
  if (guard.scope === "after") return guard.test.test(value.slice(end, end + guard.window).trim());
  const breaks = guard.scope.startsWith("sentence") ? sentenceBreaks : clauseBreaks;
  if (guard.test.test(value.slice(startOf(value, start, breaks), start).trim())) return true;
  if (guard.scope === "clause" || guard.scope === "sentence") {
    return guard.test.test(value.slice(end, endOf(value, end, breaks)).trim());
  }
  return false;
}

function verdict(rule, value, start, end, clauseBreaks, sentenceBreaks) {
  const fired = new Set(
    rule.guards
      .filter((g) => guardFires(g, value, start, end, clauseBreaks, sentenceBreaks))
      .map((g) => g.id),
  );
  if (fired.size === 0) return rule.severity;
  let downgrade = false;
  for (const g of rule.guards) {
    if (!fired.has(g.id)) continue;
    if (g.requires && !fired.has(g.requires)) continue;
    if (g.unless && fired.has(g.unless)) continue;
    if (g.action === "suppress") return "none";
    if (g.action === "downgrade") downgrade = true;
  }
  return downgrade ? "concern" : rule.severity;
}

/**
 * Compile a parsed risk_rules.json. Returns { screen(text) } where screen gives
 * { severity: "none" | "concern" | "urgent", categories: [...], matches: [{category, rule, severity}] }.
 */
export function createScreen(rules) {
  if (rules.flags !== "i") throw new Error("rules.flags must be 'i'");
  const defs = expandDefs(rules.defs);
  const steps = rules.normalise.map((step) => {
    if (!Object.hasOwn(OPS, step.op)) throw new Error(`unknown normalisation op ${step.op}`);
    return OPS[step.op](step);
  });
  const guards = Object.fromEntries(rules.guards.map((g) => [g.id, compileGuard(g, defs)]));
  const clauseBreaks = rules.clause_breaks ?? [" , ", " . "];
  const sentenceBreaks = rules.sentence_breaks ?? [" . "];
  const order = rules.categories.map((c) => c.name);
  const compiled = rules.categories.flatMap((category) =>
    category.rules.map((spec) => ({
      id: `${category.name}.${spec.id}`,
      categories: [category.name, ...(spec.also ?? [])],
      severity: spec.severity,
      regex: new RegExp(`\\b(?:${substitute(spec.pattern, defs)})\\b`, "g"),
      guards: (spec.guards ?? category.guards ?? rules.default_guards ?? []).map((id) => guards[id]),
    })),
  );

  function readings(text) {
    let current = [text];
    for (const step of steps) current = step(current);
    return current.length === 2 && current[0] === current[1] ? current.slice(0, 1) : current;
  }

  function screen(text) {
    const best = new Map();
    for (const value of readings(text)) {
      compiled.forEach((rule, position) => {
        let severity = "none";
        for (const m of value.matchAll(rule.regex)) {
          const v = verdict(rule, value, m.index, m.index + m[0].length, clauseBreaks, sentenceBreaks);
          if (RANK[v] > RANK[severity]) severity = v;
          if (severity === rule.severity) break;
        }
        if (RANK[severity] > RANK[best.get(position) ?? "none"]) best.set(position, severity);
      });
    }
    const matches = [];
    for (const [position, severity] of best) {
      for (const category of compiled[position].categories) {
        matches.push({ category, rule: compiled[position].id, severity, position });
      }
    }
    matches.sort((a, b) => order.indexOf(a.category) - order.indexOf(b.category) || a.position - b.position);
    const severity = matches.reduce((s, m) => (RANK[m.severity] > RANK[s] ? m.severity : s), "none");
    return {
      severity,
      categories: [...new Set(matches.map((m) => m.category))],
      matches: matches.map(({ category, rule, severity: sev }) => ({ category, rule, severity: sev })),
    };
  }

  return { screen, normalise: readings };
}
