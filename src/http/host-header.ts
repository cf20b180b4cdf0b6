/**
 * The Host header, parsed strictly (RFC 9110 §7.2: uri-host [":" port], no user info, no path).
 * Anything else is unparseable, so it can never smuggle a path into the URL Bun builds from it.
 */
export interface HostHeader {
  /** Lower case, one trailing dot removed; IPv6 keeps its brackets ("[::1]"). */
  name: string;
  port: number | null;
}

const REG_NAME = /^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/;
const IPV6 = /^\[[0-9a-f:.]{2,45}\]$/;

export function parseHostHeader(raw: string): HostHeader | null {
  const value = raw.toLowerCase();
  if (value.length === 0 || value.length > 260) return null;
  let name = value;
  let port: number | null = null;
  const colon = value.lastIndexOf(":");
  if (colon !== -1 && colon > value.lastIndexOf("]")) {
    const digits = value.slice(colon + 1);
    if (!/^[0-9]{1,5}$/.test(digits) || Number(digits) > 65535) return null;
    port = Number(digits);
    name = value.slice(0, colon);
  }
  if (name.startsWith("[")) {
    if (!IPV6.test(name)) return null;
    try {
      // The URL parser knows IPv6's grammar; it also compresses the address to one spelling.
      name = new URL(`http://${name}/`).hostname;
    } catch {
      return null;
    }
    return { name, port };
  }
  if (name.length > 253 || !REG_NAME.test(name)) return null;
  return { name: name.endsWith(".") ? name.slice(0, -1) : name, port };
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback: a peer on this machine. */
export function isLoopbackAddress(address: string | undefined | null): boolean {
  if (!address) return false;
  const plain = address.toLowerCase().replace(/^::ffff:/, "");
  return plain === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}
