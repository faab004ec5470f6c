/**
 * Reads the `kubernetes-types` declaration files into a small, syntax-level model
 * (modules of interfaces and type aliases, with JSDoc text and property type
 * shapes). Build-time only: this is one of the few files allowed to import the
 * TypeScript compiler. The model is resolved purely syntactically (imports are
 * mapped to module keys by path), which keeps the whole pass well under a second.
 */
import ts from 'typescript';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

/** A property or alias type, reduced to what an OpenAPI schema can express. */
export type TypeShape =
  | { kind: 'string' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  /** A string literal, e.g. `apiVersion?: "apps/v1"`. */
  | { kind: 'literal'; value: string }
  /** `number | string`: the Go `intstr.IntOrString`. */
  | { kind: 'int-or-string' }
  | { kind: 'array'; items: TypeShape }
  /** `{ [name: string]: T }`. */
  | { kind: 'map'; values: TypeShape }
  /** A named declaration: `module` is a module key such as `core/v1`. */
  | { kind: 'ref'; module: string; name: string }
  /** Any other union (e.g. `JSONSchemaProps | boolean`): no single schema type. */
  | { kind: 'union'; members: TypeShape[] };

export interface PropertyDecl {
  name: string;
  optional: boolean;
  description: string;
  type: TypeShape;
}

export interface InterfaceDecl {
  kind: 'interface';
  name: string;
  description: string;
  properties: PropertyDecl[];
}

export interface AliasDecl {
  kind: 'alias';
  name: string;
  description: string;
  type: TypeShape;
}

export type Declaration = InterfaceDecl | AliasDecl;

export interface ModuleDecls {
  /** Path of the file below the package without `.d.ts`: `core/v1`, `runtime`. */
  key: string;
  declarations: Declaration[];
}

/** Lists the module keys of every declaration file below `typesDir`, sorted. */
export function listModules(typesDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.d.ts')) out.push(relative(typesDir, p).split(sep).join('/').slice(0, -'.d.ts'.length));
    }
  };
  walk(typesDir);
  return out.sort();
}

/** Parses one module of `typesDir`; throws on a type form the generator cannot map. */
export function parseModule(typesDir: string, key: string): ModuleDecls {
  const fileName = join(typesDir, `${key}.d.ts`);
  return parseModuleText(key, fileName, readFileSync(fileName, 'utf8'));
}

/**
 * Parses declaration text as module `key` (imports resolve relative to the key,
 * as they would in the package). `fileName` only labels error messages;
 * `localNames` are further names declared by the module (when the text adds to it).
 */
export function parseModuleText(
  key: string,
  fileName: string,
  text: string,
  localNames: Iterable<string> = [],
): ModuleDecls {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);

  // Every name usable in this file -> the module declaring it.
  const scope = new Map<string, string>();
  for (const name of localNames) scope.set(name, key);
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const from = posix.normalize(posix.join(posix.dirname(key), st.moduleSpecifier.text));
      const named = st.importClause?.namedBindings;
      if (named && ts.isNamedImports(named)) {
        for (const el of named.elements) scope.set(el.name.text, from);
      }
    } else if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) {
      scope.set(st.name.text, key);
    }
  }

  const where = (node: ts.Node): string => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    return `${fileName}:${line + 1}`;
  };

  const shapeOf = (node: ts.TypeNode): TypeShape => {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { kind: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { kind: 'number' };
      case ts.SyntaxKind.BooleanKeyword:
        return { kind: 'boolean' };
    }
    if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) {
      return { kind: 'literal', value: node.literal.text };
    }
    if (ts.isParenthesizedTypeNode(node)) return shapeOf(node.type);
    if (ts.isArrayTypeNode(node)) return { kind: 'array', items: shapeOf(node.elementType) };
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      const name = node.typeName.text;
      const args = node.typeArguments ?? [];
      if (name === 'Array' && args.length === 1) return { kind: 'array', items: shapeOf(args[0]) };
      const module = scope.get(name);
      if (module !== undefined && args.length === 0) return { kind: 'ref', module, name };
    }
    if (ts.isTypeLiteralNode(node) && node.members.length === 1) {
      const m = node.members[0];
      if (ts.isIndexSignatureDeclaration(m) && m.type) return { kind: 'map', values: shapeOf(m.type) };
    }
    if (ts.isUnionTypeNode(node)) {
      const members = node.types.map(shapeOf);
      const kinds = new Set(members.map((m) => m.kind));
      if (members.length === 2 && kinds.has('number') && kinds.has('string')) return { kind: 'int-or-string' };
      return { kind: 'union', members };
    }
    throw new Error(`openapi generator: unsupported type "${node.getText(sf)}" at ${where(node)}`);
  };

  const declarations: Declaration[] = [];
  for (const st of sf.statements) {
    if (ts.isInterfaceDeclaration(st)) {
      const properties: PropertyDecl[] = [];
      for (const m of st.members) {
        if (!ts.isPropertySignature(m) || !m.type) {
          throw new Error(`openapi generator: unsupported member at ${where(m)}`);
        }
        properties.push({
          name: propertyName(m.name),
          optional: m.questionToken !== undefined,
          description: docComment(text, m),
          type: shapeOf(m.type),
        });
      }
      declarations.push({ kind: 'interface', name: st.name.text, description: docComment(text, st), properties });
    } else if (ts.isTypeAliasDeclaration(st)) {
      declarations.push({
        kind: 'alias',
        name: st.name.text,
        description: docComment(text, st),
        type: shapeOf(st.type),
      });
    }
  }
  return { key, declarations };
}

function propertyName(name: ts.PropertyName): string {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  throw new Error(`openapi generator: unsupported property name kind ${ts.SyntaxKind[name.kind]}`);
}

/**
 * The text of the last `/** ... *\/` comment before `node`, with the comment
 * markers and each line's leading `* ` removed. Read from the raw comment rather
 * than the JSDoc parser so that `@` inside upstream prose is not taken for a tag.
 * `*\/` in the text stands for a literal `*` + `/` (which would end the comment).
 */
function docComment(text: string, node: ts.Node): string {
  const ranges = ts.getLeadingCommentRanges(text, node.pos) ?? [];
  const last = [...ranges].reverse().find((r) => text.startsWith('/**', r.pos));
  if (!last) return '';
  const body = text.slice(last.pos + 3, last.end - 2);
  const lines = body.split('\n').map((l) => l.replace(/^\s*\* ?/, '').replace(/\s+$/, ''));
  while (lines.length && lines[0].trim() === '') lines.shift();
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length) lines[0] = lines[0].trimStart();
  return lines.join('\n').replaceAll('*\\/', '*/');
}
