// Runs web/static/risk.js over texts for the agreement test in test_risk.py.
// Usage: node risk_node_runner.mjs RULES.json TEXTS.json
// Prints a JSON array with one entry per text: {severity, categories, rules, readings}, where
// rules are the ids of the rules that matched (in the engine's order) and readings are the
// normalised texts the rules ran on.
import { readFileSync } from "node:fs";
import { createScreen } from "../../web/static/risk.js";

const [rulesPath, textsPath] = process.argv.slice(2);
const screen = createScreen(JSON.parse(readFileSync(rulesPath, "utf8")));
const texts = JSON.parse(readFileSync(textsPath, "utf8"));
const out = texts.map((text) => {
  const d = screen.screen(text);
  return {
    severity: d.severity,
    categories: d.categories,
    rules: d.matches.map((m) => m.rule),
    readings: screen.normalise(text),
  };
});
process.stdout.write(JSON.stringify(out));
