import { createSocket, type Socket } from 'node:dgram';

export interface TestDnsServer {
  address: string;
  close(): Promise<void>;
}

const TYPE_A = 1;

/**
 * A tiny real DNS server on 127.0.0.1 over UDP, answering A queries from a table and
 * NXDOMAIN otherwise: enough to test the dns probe without any network.
 */
export async function startDnsServer(records: Record<string, string[]>): Promise<TestDnsServer> {
  const socket: Socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    const { name, type, end } = readQuestion(query);
    const answers = type === TYPE_A ? records[name] ?? [] : [];
    const known = name in records;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const body = answers.map((ip) => {
      const answer = Buffer.alloc(16);
      answer.writeUInt16BE(0xc00c, 0);
      answer.writeUInt16BE(TYPE_A, 2);
      answer.writeUInt16BE(1, 4);
      answer.writeUInt32BE(60, 6);
      answer.writeUInt16BE(4, 10);
      ip.split('.').forEach((octet, i) => answer.writeUInt8(Number(octet), 12 + i));
      return answer;
    });
    socket.send(Buffer.concat([header, query.subarray(12, end), ...body]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function readQuestion(query: Buffer): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let offset = 12;
  while (query[offset]! > 0) {
    const length = query[offset]!;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += length + 1;
  }
  offset += 1;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(offset), end: offset + 4 };
}
