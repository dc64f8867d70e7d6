import ts from 'typescript';

const SUITE = new Set(['describe']);
const CASE = new Set(['it', 'test']);

/** `describe`, `it` or `test` for `describe(…)`, `describe.each(…)(…)`, `it.each`…; otherwise undefined. */
function kindOf(call: ts.CallExpression): 'suite' | 'case' | undefined {
  let callee: ts.Expression = call.expression;
  // describe.each(table)(title, fn): the callee is itself a call of `describe.each`.
  if (ts.isCallExpression(callee)) callee = callee.expression;
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'each') callee = callee.expression;
  if (!ts.isIdentifier(callee)) return undefined;
  if (SUITE.has(callee.text)) return 'suite';
  if (CASE.has(callee.text)) return 'case';
  return undefined;
}

/** A title as it is written: a string's text, or a template's text between its backticks (`${…}` kept). */
function titleOf(node: ts.Expression, source: ts.SourceFile): string {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.getText(source).slice(1, -1);
  return node.getText(source);
}

/**
 * Every test of a jest file, as its full title: the titles of the enclosing `describe`s and its own, joined by
 * ` › ` as jest prints them, each as written in the source (`%s` of `describe.each`, `${label}` of a template).
 */
export function testNamesOf(text: string, fileName = 'spec.ts'): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const names: string[] = [];
  const path: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const kind = kindOf(node);
      if (kind) {
        const title = titleOf(node.arguments[0]!, source);
        if (kind === 'case') {
          names.push([...path, title].join(' › '));
          return;
        }
        path.push(title);
        node.arguments.slice(1).forEach(visit);
        path.pop();
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}
