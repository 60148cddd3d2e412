// How Kubernetes reads YAML: kubectl and the API machinery decode with YAML 1.1
// rules (go-yaml v2), so `0755` is octal (493), `yes`/`on` are booleans, and an
// unquoted date stays a string. js-yaml's default schema follows YAML 1.2 and would
// send `defaultMode: 0755` as 755 and dates as timestamps; this schema matches the
// 1.1 reading for everything a manifest holds.
import yaml from 'js-yaml';

// PyYAML's set: go-yaml v2 also reads a bare y/n as a boolean, which would turn keys
// such as `y:` into `true:`; keep those strings.
const BOOL = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON|no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;

const bool = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && BOOL.test(data),
  construct: (data: string) => TRUE.test(data),
  predicate: (value: unknown) => typeof value === 'boolean',
  represent: { lowercase: (value: object) => (value ? 'true' : 'false') },
  defaultStyle: 'lowercase',
});

const INT = /^[-+]?(?:0b[01]+|0o[0-7]+|0x[0-9a-fA-F]+|0[0-7]+|0|[1-9][0-9]*)$/;

function parseInt11(data: string): number {
  const digits = data.replace(/_/g, '');
  const sign = digits.startsWith('-') ? -1 : 1;
  const body = digits.replace(/^[-+]/, '');
  if (body.startsWith('0b')) return sign * parseInt(body.slice(2), 2);
  if (body.startsWith('0x')) return sign * parseInt(body.slice(2), 16);
  if (body.startsWith('0o')) return sign * parseInt(body.slice(2), 8);
  if (body.length > 1 && body.startsWith('0')) return sign * parseInt(body.slice(1), 8);
  return sign * parseInt(body, 10);
}

const int = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && INT.test(data.replace(/_/g, '')),
  construct: (data: string) => parseInt11(data),
  predicate: (value: unknown) => typeof value === 'number' && Number.isInteger(value),
  represent: { decimal: (value: object) => String(value) },
  defaultStyle: 'decimal',
});

/** Core schema (null, float, str, seq, map) with YAML 1.1 booleans and integers, merge keys, no timestamps. */
// js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
const merge = (yaml as unknown as { types: { merge: yaml.Type } }).types.merge;

export const KUBERNETES_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [bool, int, merge] });
