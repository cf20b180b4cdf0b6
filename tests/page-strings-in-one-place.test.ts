/**
 * Every word a person reads on the pages lives in one table per file (docs/pages.md, "Words"),
 * so a translation replaces tables, not markup. This reads each page, component and page route
 * as TypeScript and fails on words written inline: JSX text, a text attribute (`label="Email"`),
 * a string shown as a child (`{cond ? "Yes" : "No"}`) or a notice or title property
 * (`{ tone: "error", text: "…" }`, `render(ctx, { title: "Dashboard" })`) or an error's message
 * (`new AppError(code, "…")`) outside a top-level table constant (SCREAMING_CASE: TEXT, …).
 * A page route keeps no table of its own: what it says is shown on a page, and lives in that
 * page's table.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const ROOT = join(import.meta.dir, "..");
const FOLDERS = ["src/web/pages", "src/web/components", "src/web/routes", "src/web"];

/** Attributes and properties that carry words for people (not classes, names, URLs or ids). */
const TEXT_NAMES = new Set(["label", "title", "description", "hint", "placeholder", "aria-label", "alt", "text", "heading", "legend", "caption", "summary", "hx-confirm", "confirm", "noun", "empty", "emptyText", "subtitle", "message"]);
// Markup written as a string ("<!doctype html>") is not words.
const hasWords = (text: string) => /\p{L}{2,}/u.test(text) && !/^\s*</.test(text);
const isTable = (name: string) => /^[A-Z][A-Z0-9_]*$/.test(name);

function filesToCheck(): string[] {
  return FOLDERS.flatMap((folder) =>
    readdirSync(join(ROOT, folder))
      .filter((name) => /\.tsx?$/.test(name) && !name.endsWith(".d.ts"))
      .map((name) => join(folder, name)),
  ).filter((file, index, all) => all.indexOf(file) === index);
}

/** Literal words in an expression, not descending into JSX (checked on its own) or functions' bodies' JSX. */
function literalsIn(node: ts.Node, found: ts.Node[]): void {
  if (ts.isJsxElement(node) || ts.isJsxSelfClosingElement(node) || ts.isJsxFragment(node) || ts.isTypeNode(node)) return;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    if (hasWords(node.text)) found.push(node);
    return;
  }
  if (ts.isTemplateExpression(node)) {
    const parts = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)];
    if (parts.some(hasWords)) found.push(node);
    return;
  }
  // A value compared or looked up (`x === "admin"`, `map["key"]`) is data, not words.
  if (ts.isBinaryExpression(node) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(node.operatorToken.kind)) return;
  if (ts.isElementAccessExpression(node)) return literalsIn(node.expression, found);
  if (ts.isCallExpression(node)) return; // a call's arguments are its business (attr("/path"), TEXT.x(…))
  ts.forEachChild(node, (child) => literalsIn(child, found));
}

function inlineWords(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const problems: string[] = [];
  const isRoute = file.startsWith("src/web/routes/");
  const report = (node: ts.Node) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    problems.push(`${file}:${line + 1}: ${node.getText(source).replace(/\s+/g, " ").slice(0, 80)}`);
  };
  const visit = (node: ts.Node): void => {
    // A top-level table is where the words belong.
    // (Not in a route: what a route says belongs to the page it shows.)
    if (!isRoute && ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && isTable(node.name.text) && ts.isVariableStatement(node.parent.parent) && node.parent.parent.parent === source) return;
    if (ts.isJsxText(node) && hasWords(node.text)) report(node);
    if (ts.isJsxAttribute(node) && TEXT_NAMES.has(node.name.getText(source)) && node.initializer) {
      const found: ts.Node[] = [];
      literalsIn(ts.isJsxExpression(node.initializer) && node.initializer.expression ? node.initializer.expression : node.initializer, found);
      found.forEach(report);
    }
    if (ts.isJsxExpression(node) && node.expression && (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))) {
      const found: ts.Node[] = [];
      literalsIn(node.expression, found);
      found.forEach(report);
    }
    // A message the pages raise themselves (`new AppError(code, "…")`) is shown on a page too.
    if (ts.isNewExpression(node) && node.expression.getText(source) === "AppError" && node.arguments?.[1]) {
      const found: ts.Node[] = [];
      literalsIn(node.arguments[1], found);
      found.forEach(report);
    }
    if (ts.isPropertyAssignment(node) && TEXT_NAMES.has(node.name.getText(source))) {
      const found: ts.Node[] = [];
      literalsIn(node.initializer, found);
      found.forEach(report);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

describe("the words on the pages live in one table per file", () => {
  for (const file of filesToCheck()) {
    test(`${relative(".", file)} writes no words inline`, () => {
      expect(inlineWords(file)).toEqual([]);
    });
  }
});
