// Signature help inside a call: the op's (or def function's) signature with the argument
// under the cursor active — by keyword when it has one, else by position.

import type { Position, SignatureHelp } from 'vscode-languageserver';
import type * as AST from '../engine/syntax/ast';
import { lookupOp } from '../engine/ops/registry';
import { opSignature, signatureOf, type Signature } from '../engine/api/describe';
import { activeArgument, enclosingCall } from '../engine/api/syntax';
import type { CurrentText } from './completion';

function userFunction(program: AST.Program, name: string): AST.DefStmt | undefined {
  return program.statements.find((s): s is AST.DefStmt => s.kind === 'def' && s.name.name === name);
}

export function signatureHelp(current: CurrentText, position: Position): SignatureHelp | null {
  const offset = current.lines.offsetAt(position);
  const call = enclosingCall(current.program, current.text, offset);
  if (!call || call.callee.kind !== 'name') return null;
  const name = call.callee.name;
  let sig: Signature;
  let names: string[][];
  const params = userFunction(current.program, name)?.params.map((p) => p.name) ?? current.functionsBefore?.get(name);
  const op = lookupOp(name);
  if (params) {
    sig = signatureOf(name, [...params], 'function defined at its `def` (positional arguments only)');
    names = params.map((p) => [p]);
  } else if (op && !op.internal) {
    sig = opSignature(op);
    names = op.params.map((p) => [p.name, ...(p.aliases ?? [])]);
  } else return null;
  const { index, keyword } = activeArgument(call, current.text, offset);
  const active = keyword ? names.findIndex((n) => n.includes(keyword)) : index;
  return {
    signatures: [{ label: sig.label, documentation: sig.doc, parameters: sig.params.map((label) => ({ label })) }],
    activeSignature: 0,
    activeParameter: active >= 0 && active < sig.params.length ? active : undefined,
  };
}
