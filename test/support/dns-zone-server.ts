import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/** Records of one name. `rcode` makes every query for the name fail with that code. */
export interface ZoneEntry {
  A?: string[];
  AAAA?: string[];
  CNAME?: string[];
  NS?: string[];
  MX?: Array<{ priority: number; exchange: string }>;
  TXT?: string[];
  SRV?: Array<{ priority: number; weight: number; port: number; target: string }>;
  rcode?: 'SERVFAIL' | 'REFUSED' | 'NOTIMP' | 'FORMERR';
}

export interface TestZoneServer {
  address: string;
  /** Questions received, as "TYPE name". */
  queries: string[];
  close(): Promise<void>;
}

const TYPES = { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28, SRV: 33 } as const;
const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/**
 * A real authoritative DNS server on 127.0.0.1 over UDP for every record type the dns probe
 * asks for, and for every response code: a name not in the zone is NXDOMAIN, a name without
 * records of the asked type is NOERROR without answers (NODATA).
 */
export async function startZoneServer(zone: Record<string, ZoneEntry>): Promise<TestZoneServer> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (query, peer) => {
    const { name, type, end } = readQuestion(query);
    const typeName = (Object.keys(TYPES) as Array<keyof typeof TYPES>).find((key) => TYPES[key] === type);
    queries.push(`${typeName ?? type} ${name}`);
    const entry = zone[name];
    const rcode = entry === undefined ? RCODES.NXDOMAIN : entry.rcode ? RCODES[entry.rcode] : RCODES.NOERROR;
    const answers = entry && !entry.rcode && typeName ? rdataOf(entry, typeName).map((rdata) => answer(type, rdata)) : [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8580 | rcode, 2); // QR, AA, RD, RA
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(Buffer.concat([header, query.subarray(12, end), ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function rdataOf(entry: ZoneEntry, type: keyof typeof TYPES): Buffer[] {
  switch (type) {
    case 'A': return (entry.A ?? []).map((ip) => Buffer.from(ip.split('.').map(Number)));
    case 'AAAA': return (entry.AAAA ?? []).map(ipv6Bytes);
    case 'CNAME': return (entry.CNAME ?? []).map(encodeName);
    case 'NS': return (entry.NS ?? []).map(encodeName);
    case 'MX': return (entry.MX ?? []).map((mx) => Buffer.concat([u16(mx.priority), encodeName(mx.exchange)]));
    case 'TXT': return (entry.TXT ?? []).map((text) => {
      const bytes = Buffer.from(text, 'utf8');
      const parts: Buffer[] = [];
      for (let offset = 0; offset < bytes.length || parts.length === 0; offset += 255) {
        const part = bytes.subarray(offset, offset + 255);
        parts.push(Buffer.from([part.length]), part);
      }
      return Buffer.concat(parts);
    });
    case 'SRV': return (entry.SRV ?? []).map((srv) => Buffer.concat([u16(srv.priority), u16(srv.weight), u16(srv.port), encodeName(srv.target)]));
  }
}

function answer(type: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // the name of the question
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // IN
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value, 0);
  return buffer;
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')])), Buffer.from([0])]);
}

function ipv6Bytes(ip: string): Buffer {
  if (!isIPv6(ip)) throw new Error(`not an IPv6 address: ${ip}`);
  const [head = '', tail = ''] = ip.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : headGroups;
  return Buffer.concat(groups.map((group) => u16(Number.parseInt(group, 16))));
}

function readQuestion(query: Buffer): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let offset = 12;
  // A name is at most 255 bytes, so at most 128 labels.
  for (let count = 0; count < 128 && (query[offset] ?? 0) > 0; count += 1) {
    const length = query[offset]!;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += length + 1;
  }
  offset += 1;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(offset), end: offset + 4 };
}
