import net from 'node:net';

/** Sends raw bytes to a loopback port and returns the answer's status line, or undefined when none came in time. */
export async function rawStatusLine(port: number, request: string, waitMs = 5_000): Promise<string | undefined> {
  const socket = net.connect(port, '127.0.0.1');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(request);
  const deadline = Date.now() + waitMs;
  while (!answer.includes('\r\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  socket.destroy();
  return answer.includes('\r\n') ? answer.slice(0, answer.indexOf('\r\n')) : undefined;
}

export interface RawResponse {
  statusLine: string;
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
  /** Body bytes this side had written when the answer's head arrived (or when it gave up). */
  bytesSentBeforeAnswer: number;
}

/**
 * Sends a request head, then body chunks drawn one at a time from `body` (so a 1 GB body is never
 * built) as fast as the service takes them, and stops sending as soon as the answer's head
 * arrives: a service that answers before reading the body shows it in `bytesSentBeforeAnswer`.
 * Resolves with the whole answer (by Content-Length), or undefined when none came within `waitMs`.
 * `headFirstMs` waits that long after the head before sending any body: a service that answers
 * from the head alone and closes would otherwise reset a connection still being written to, and
 * the reset discards its answer.
 */
export async function rawRequest(port: number, head: string, body: Iterable<Buffer> = [], waitMs = 10_000, headFirstMs = 0): Promise<RawResponse | undefined> {
  const socket = net.connect(port, '127.0.0.1');
  let answer = Buffer.alloc(0);
  let closed = false;
  let wake: () => void = () => undefined;
  const woken = () => new Promise<void>((resolve) => (wake = resolve));
  socket.on('data', (chunk: Buffer) => {
    answer = Buffer.concat([answer, chunk]);
    wake();
  });
  socket.on('drain', () => wake());
  socket.on('close', () => {
    closed = true;
    wake();
  });
  socket.on('error', () => undefined);
  const headEnd = () => answer.indexOf('\r\n\r\n');
  const deadline = Date.now() + waitMs;
  const timer = setInterval(() => wake(), 50);
  let sent = 0;
  try {
    socket.write(head);
    const bodyAt = Date.now() + headFirstMs;
    while (Date.now() < bodyAt && headEnd() < 0 && !closed) await woken();
    for (const chunk of body) {
      if (headEnd() >= 0 || closed || Date.now() > deadline) break;
      sent += chunk.length;
      if (!socket.write(chunk)) {
        while (socket.writableNeedDrain && headEnd() < 0 && !closed && Date.now() < deadline) await woken();
      }
    }
    const bytesSentBeforeAnswer = sent;
    while (headEnd() < 0 && !closed && Date.now() < deadline) await woken();
    const end = headEnd();
    if (end < 0) return undefined;
    const lines = answer.subarray(0, end).toString('latin1').split('\r\n');
    const statusLine = lines[0] ?? '';
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? NaN);
    while (!closed && Date.now() < deadline && (Number.isNaN(length) || answer.length - end - 4 < length)) await woken();
    const rest = answer.subarray(end + 4);
    return {
      statusLine,
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: (Number.isNaN(length) ? rest : rest.subarray(0, length)).toString('utf8'),
      bytesSentBeforeAnswer,
    };
  } finally {
    clearInterval(timer);
    socket.destroy();
  }
}
