/**
 * `ssh_authorized_key`: public keys, one per line, as authorized_keys holds them. Checked on the
 * way in, because they are written into Ignition's `sshAuthorizedKeys` and cloud-init's
 * `ssh_authorized_keys` of every discovery host (upstream answers 400 for an unparsable key too).
 */
const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];
// eslint-disable-next-line no-control-regex
const KEY_LINE = /^(\S+) ([A-Za-z0-9+/]{4,16384}={0,3})(?: [^\u0000-\u001f\u007f]{0,1024})?$/;
export const MAX_SSH_KEYS = 32;

/** The keys, one per line; throws with the line that is not an SSH public key. */
export function parseSshAuthorizedKeys(text: string): string[] {
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  if (keys.length > MAX_SSH_KEYS) throw new Error(`ssh_authorized_key holds ${keys.length} keys; at most ${MAX_SSH_KEYS}`);
  keys.forEach((line, index) => {
    const match = KEY_LINE.exec(line);
    if (!match || !KEY_TYPES.includes(match[1] as string)) {
      throw new Error(`ssh_authorized_key line ${index + 1} is not an SSH public key (${KEY_TYPES.join(', ')} followed by the base64 key)`);
    }
  });
  return keys;
}
