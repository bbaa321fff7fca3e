import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  secure: boolean;
  user: string | undefined;
  mail: ParsedMail;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
}

function envelopeOf(session: SMTPServerSession): ReceivedMail['envelope'] {
  const from = session.envelope.mailFrom;
  return { from: from === false ? '' : from.address, to: session.envelope.rcptTo.map((rcpt) => rcpt.address) };
}

/** A real SMTP server on 127.0.0.1 that parses what it accepts; TLS and AUTH off unless a test turns them on. */
export async function startSmtpServer(options: SMTPServerOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        received.push({ envelope: envelopeOf(session), secure: session.secure, user: session.user as string | undefined, mail });
        callback();
      }, callback);
    },
    ...options,
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const started: TestSmtpServer = {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return started;
}
