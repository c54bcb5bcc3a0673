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
