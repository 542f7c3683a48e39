// Bundles src/ into Zuna.Api/wwwroot/viewer.js and stamps it with the sha256 of everything it was built from, so a
// test can tell when the committed bundle no longer matches its sources (run `npm ci && npm run build` here).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function sourceHash() {
  const hash = createHash("sha256");
  const files = ["package-lock.json", "build.mjs", "tsconfig.json", ...readdirSync("src").sort().map(f => join("src", f))];
  for (const f of files) hash.update(f + "\n").update(readFileSync(f, "utf8").replaceAll("\r\n", "\n") + "\n");
  return hash.digest("hex");
}

const out = "../Zuna.Api/wwwroot/viewer.js";
const result = await build({ entryPoints: ["src/main.ts"], bundle: true, minify: true, format: "iife", target: "es2022", write: false, legalComments: "none" });
const stamp = `/* zuna viewer, built from viewer/ (sources sha256 ${sourceHash()}) */\n`;
writeFileSync(out, stamp + result.outputFiles[0].text);
console.log(`${out}: ${(readFileSync(out).length / 1024).toFixed(1)} KB`);
