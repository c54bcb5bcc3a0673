// Every LLDP frame comes from whoever is on the other end of the cable (a switch, or anything
// plugged into the port), so nothing it sends is taken unbounded.

/** Bytes tcpdump keeps of a frame: an LLDPDU fits in one untagged 1500-byte payload plus headers. */
export const CAPTURE_SNAPLEN = 1_600;
/** A pcap record longer than this means the stream is not what tcpdump writes: the capture is restarted. */
export const MAX_PCAP_RECORD_BYTES = 65_535;
/** Bytes of a capture's output held while waiting for the rest of a record. */
export const MAX_PENDING_CAPTURE_BYTES = 128 * 1024;
/** Frames decoded per NIC and second; a flood beyond it is dropped (and counted in a log line). */
export const MAX_FRAMES_PER_SECOND = 50;
/** Neighbours kept per NIC: one per chassis and port; newcomers beyond it are refused until one expires. */
export const MAX_NEIGHBOURS_PER_NIC = 16;
/** TLVs read from one frame; a frame with more is skipped. */
export const MAX_TLVS_PER_FRAME = 256;
/** Characters kept of any string TLV (802.1AB allows 255 octets for names and descriptions). */
export const MAX_STRING_LENGTH = 255;
/** VLAN names kept per neighbour. */
export const MAX_VLANS = 64;
/** Management addresses kept per neighbour. */
export const MAX_MANAGEMENT_ADDRESSES = 8;
/** NICs listened on at once. */
export const MAX_LISTENED_NICS = 64;
/** `lldpcli` answer size read; lldpd with hundreds of neighbours stays far below. */
export const MAX_LLDPCLI_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Longest `--lldp-wait`. */
export const MAX_LLDP_WAIT_MS = 10 * 60_000;
