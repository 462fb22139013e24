/**
 * Construct Hub readiness: loads the compiled jsii assembly (.jsii, written by `npx projen compile`) and
 * fails when an exported type or member lacks a summary, or an optional property lacks `@default`.
 * API.md and the Python, Java, .NET and Go docs are generated from exactly these docs.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as spec from '@jsii/spec';

const ROOT = path.join(__dirname, '..');

function loadAssembly(): spec.Assembly {
  if (!fs.existsSync(path.join(ROOT, '.jsii'))) {
    throw new Error('no .jsii assembly: run `npx projen compile` first (the build does)');
  }
  return spec.loadAssemblyFromPath(ROOT);
}

const assembly = loadAssembly();
const types = Object.values(assembly.types ?? {});

/** Every documented thing of the assembly, as [where, docs, optional-property?]. */
function documentables(): Array<[string, spec.Docs | undefined, boolean]> {
  const out: Array<[string, spec.Docs | undefined, boolean]> = [];
  for (const type of types) {
    out.push([type.fqn, type.docs, false]);
    if (spec.isClassOrInterfaceType(type)) {
      for (const p of type.properties ?? []) {
        out.push([`${type.fqn}.${p.name}`, p.docs, !!p.optional && spec.isInterfaceType(type) && !!type.datatype]);
      }
      for (const m of type.methods ?? []) {
        out.push([`${type.fqn}.${m.name}()`, m.docs, false]);
        for (const param of m.parameters ?? []) {
          out.push([`${type.fqn}.${m.name}(${param.name})`, param.docs, false]);
        }
      }
      if (spec.isClassType(type) && type.initializer) {
        for (const param of type.initializer.parameters ?? []) {
          if (!['scope', 'id', 'props'].includes(param.name)) out.push([`${type.fqn}(${param.name})`, param.docs, false]);
        }
      }
    }
    if (spec.isEnumType(type)) {
      for (const member of type.members) {
        out.push([`${type.fqn}.${member.name}`, member.docs, false]);
      }
    }
  }
  return out;
}

test('the assembly exports the constructs', () => {
  const names = types.map((t) => t.name);
  expect(names).toEqual(expect.arrayContaining(['BackupFailureRule', 'CentralAlarmBus', 'BackupEvents', 'BackupJobKind', 'BackupJobState']));
});

test('every exported type and member has a summary', () => {
  const missing = documentables().filter(([, docs]) => !docs?.summary?.trim()).map(([where]) => where);
  expect(missing).toEqual([]);
});

test('every optional property of a props struct documents its @default', () => {
  const missing = documentables().filter(([, docs, optional]) => optional && !docs?.default?.trim()).map(([where]) => where);
  expect(missing).toEqual([]);
});

test('the public API has no unions (jsii languages cannot express them well)', () => {
  const unions: string[] = [];
  const check = (where: string, ref: spec.TypeReference | undefined) => {
    if (ref && spec.isUnionTypeReference(ref)) unions.push(where);
  };
  for (const type of types) {
    if (!spec.isClassOrInterfaceType(type)) continue;
    for (const p of type.properties ?? []) check(`${type.fqn}.${p.name}`, p.type);
    for (const m of type.methods ?? []) {
      check(`${type.fqn}.${m.name}()`, m.returns?.type);
      for (const param of m.parameters ?? []) check(`${type.fqn}.${m.name}(${param.name})`, param.type);
    }
  }
  expect(unions).toEqual([]);
});
