/**
 * Every limit the service puts on what a client sends, in one place. The agent token is written
 * into every discovery image, so anyone on the provisioning network can call the agent API: each
 * limit is sized to what a real agent or operator needs, with room, and no more.
 */

const KIB = 1024;
const MIB = 1024 * KIB;

/** Request bodies, per kind of route (fastify answers 413 from Content-Length before reading). */
export const BODY_LIMITS = {
  /** The default for any route that does not say: operator calls and small agent calls. */
  default: 64 * KIB,
  /** `host-create-params` is a UUID and a version string. */
  registration: 4 * KIB,
  /** `logs-progress-params` is one enum value. */
  logsProgress: 1 * KIB,
  /**
   * A step reply carries its output as a string. The largest real ones are inventories: a host
   * with 200 disks and 100 NICs is ~300 KB; 4 MiB leaves 10x room while one reply's parse stays
   * within the event-loop budget (see bench/hostile.bench.mjs).
   */
  stepReply: 4 * MIB,
} as const;

/** Multipart logs uploads: one file part (`upfile`) and at most a few small fields, as the agent sends. */
export const MULTIPART_LIMITS = {
  files: 1,
  fields: 4,
  fieldNameSize: 100,
  fieldSize: 1 * KIB,
  parts: 5,
  headerPairs: 20,
} as const;

/**
 * An upload that moves less than this in a window is cut (408): 16 KiB a minute is ~2 kbit/s,
 * far below any link that could carry an archive, far above a byte dripped now and then.
 */
export const UPLOAD_PROGRESS = { minBytes: 16 * KIB, windowMs: 60_000 } as const;

/** Concurrent logs uploads: one per host (a second one is a retry or an attack) and a total. */
export const UPLOAD_CONCURRENCY = { perHost: 1, total: 16, retryAfterSeconds: 30 } as const;

/** Connection and request timing; the `serve` flags of the same names override them. */
export const SERVER_TIMEOUTS = {
  /** All request headers must arrive within this (slowloris). */
  headersTimeoutMs: 15_000,
  /**
   * A whole request, body included. It must let a 250 MB logs upload through a slow link (an hour
   * is ~0.6 Mbit/s), so it is long; the idle timeout, the JSON body deadline and the upload's
   * progress floor keep slow clients from holding connections that long.
   */
  requestTimeoutMs: 60 * 60_000,
  /** A connection on which no byte moves for this long is closed. */
  idleTimeoutMs: 30_000,
  /** Agents poll once a minute: an idle keep-alive connection is not worth holding that long. */
  keepAliveTimeoutMs: 5_000,
  /** JSON bodies are small: one that has not fully arrived within this is a drip attack. */
  jsonBodyDeadlineMs: 30_000,
  /** The most connections at once; polls are short, so this is far above what 10,000 agents need. */
  maxConnections: 4096,
} as const;

/**
 * A /readyz probe slower than this reports not ready: a balancer's check (HAProxy's `timeout check`
 * in deploy/cluster, `inter 2s`) must get an answer before it gives up on its own.
 */
export const READINESS_TIMEOUT_MS = 1_500;

/**
 * X-Request-ID is kept in logs and events, whose swagger types request_id as a UUID: only a UUID
 * (what upstream's agent sends) is kept; anything else gets a new one.
 */
export const REQUEST_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The largest integer a JSON number keeps exactly. Go's int64 goes further, but a number beyond
 * this cannot be stored and echoed back as the same digits (1e21 comes back as "1e+21", which Go
 * clients refuse), so int64 fields accept only this range.
 */
export const MAX_EXACT_INTEGER = Number.MAX_SAFE_INTEGER;

/**
 * Lists in an inventory. Over a cap, the list is cut and the inventory says so in upstream's
 * `truncation` field (type partial), as upstream's agent does for oversized inventories: the host
 * still registers and the operator sees why, instead of a host stuck in discovering.
 */
export const INVENTORY_CAPS = {
  /** A 4U JBOD with 90 drives on 4 paths each is ~400 block devices; 10x that. */
  disks: 4096,
  /** 4 PFs with 256 SR-IOV VFs each, plus bonds and VLANs. */
  interfaces: 2048,
  /** Addresses per interface and family. */
  addressesPerInterface: 256,
  /** The agent reports the main routing table, not a full BGP feed. */
  routes: 4096,
  gpus: 256,
  cpuFlags: 1024,
  /** Reasons per disk the agent may give; the service adds its own. */
  reasonsPerDisk: 32,
  /** Truncation reasons kept from the agent, and strings in the inventory in general. */
  truncationReasons: 32,
  /** PCI functions: a host with 4 SR-IOV NICs of 256 VFs each plus its own devices is ~1,100. */
  pciDevices: 4096,
  /** DIMMs: an 8-socket server has 96 to 192 slots. */
  memoryModules: 1024,
  /** LLDP neighbours per interface: one on a switch port, a few behind a hub or a tap. */
  lldpNeighborsPerInterface: 16,
  /** VLAN names and management addresses per neighbour: one 1,500-byte frame holds ~40 names. */
  vlansPerNeighbor: 256,
  managementAddressesPerNeighbor: 32,
  /** NUMA nodes (Linux allows 1,024; real hosts have 1 to 32), and CPUs per node (Linux's 8,192 maximum). */
  numaNodes: 256,
  cpusPerNumaNode: 8192,
} as const;

/**
 * Lists in replies to steps the service itself asked for. These answer a request whose size the
 * service chose, so a longer list is not a big host but a bogus reply: refused with 400.
 */
export const REPLY_LIST_CAPS = {
  /** The scheduler names at most 50 peers; an agent reports one entry per peer. */
  remoteHosts: 256,
  /** Per peer: one result per (local NIC, remote address) pair. */
  resultsPerRemoteHost: 4096,
  /** free-network-addresses: networks per request and the agent's own 8,000-address limit (+ one /22 chunk). */
  freeNetworks: 64,
  freeAddressesPerNetwork: 8000 + 1024,
  ntpSources: 256,
  domainResolutions: 256,
  addressesPerResolution: 256,
  images: 256,
  generic: 1024,
} as const;

/** Connectivity-check targets built from one peer's inventory: every poll of its peers carries them. */
export const CONNECTIVITY_TARGET_CAPS = { nics: 32, addressesPerNic: 16 } as const;

/** Validation messages list names; past this many, "and N more". */
export const MESSAGE_LIST_CAP = 10;

/** Operator-supplied settings that end up in step arguments and configuration lines. */
export const OPERATOR_FIELD_LIMITS = {
  name: 256,
  ntpSources: 1024,
  url: 2048,
  proxyUrl: 2048,
  noProxy: 4096,
  sshKey: 16 * KIB,
  pullSecret: 64 * KIB,
  domains: 64,
} as const;

/**
 * Deleted infra-envs whose agent token still gets 404 (which stops their agents) rather than 401.
 * A token is ~32 bytes; after a restart the service no longer knows them, and upstream's local
 * auth answers 401 for a deleted infra-env's token too (which also stops a registering agent).
 */
export const DELETED_INFRA_ENVS_REMEMBERED = 10_000;

/**
 * The web console's sessions and live streams (src/server/console/, src/server/routes/live.ts).
 * Only the operator token makes a session, but each costs memory and each stream a connection and
 * a listener: both are counted and timed so no client, however well credentialled, grows them.
 */
export const CONSOLE_LIMITS = {
  /** Sessions held at once; signing in beyond this ends the least recently used one. */
  maxSessions: 64,
  /** A session ends this long after sign-in, however active. */
  sessionLifetimeMs: 12 * 60 * 60_000,
  /** ... or after this long unused. */
  sessionIdleMs: 60 * 60_000,
  /** The sign-in body: `{"token": "…"}`. */
  signInBodyBytes: 1 * KIB,
  /** Live streams per session (a console has one per tab) and in all. */
  streamsPerSession: 4,
  streamsTotal: 32,
  /** A comment line this often keeps proxies and the idle timeout (30 s) from closing a quiet stream. */
  heartbeatMs: 15_000,
  /** Changes are gathered and sent this often: one message per host per flush, however often it changed. */
  flushMs: 250,
  /** Beyond this many hosts or events waiting for one flush, the stream says `resync` instead: the client reloads. */
  maxPendingChanges: 2_000,
  /** A stream ends after this long; the browser reconnects at once (the session is checked again then). */
  streamLifetimeMs: 30 * 60_000,
} as const;
