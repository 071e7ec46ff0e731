/** Names in warnings come from directory listings and files: show them, never obey them. */
import { terminalSafe } from '../../terminal-safe';

export function quoteName(name: string): string {
  return `"${terminalSafe(name, 120)}"`;
}
