/**
 * The answers as a client's HTTP parser joins them: a body sent in chunks carries
 * `\r\n<hex size>\r\n` between two writes, which would hide a secret split over two writes. Every
 * such separator is removed (a look-alike inside a body goes too, which at worst joins two
 * harmless pieces); the scan reads this text beside the raw one.
 */
export function joinHttpChunks(text: string): string {
  return text.replace(/\r\n[0-9a-fA-F]+(?:;[^\r\n]*)?\r\n/g, '');
}
