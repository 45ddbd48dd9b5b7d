/**
 * Text from a run (item titles, model answers, persona names) made safe to print on a
 * terminal: control characters (ESC and the rest of C0 but tab and newline, DEL, and C1,
 * which some terminals read as CSI) are shown as `\x1b`-style escapes instead of being
 * sent, so a title cannot recolour, retitle or clear the user's terminal.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
