import { describe, expect, it } from 'vitest';
import { encodeGoJson } from './go-json.js';

describe('Go-style JSON', () => {
  it('omits zero scalars and absent objects, keeps empty and nil arrays, sorts keys', () => {
    const json = encodeGoJson({ z: 1, a: '', b: 0, c: false, d: [], e: null, f: { eligible: true, not_eligible_reasons: null }, g: undefined, h: [0, '', false] });
    expect(json).toBe('{"d":[],"e":null,"f":{"eligible":true,"not_eligible_reasons":null},"h":[0,"",false],"z":1}');
  });

  it('keeps an empty object (a non-nil struct) and escapes HTML characters as encoding/json does', () => {
    expect(encodeGoJson({ boot: {}, cmd: 'a && b <c>' })).toBe('{"boot":{},"cmd":"a \\u0026\\u0026 b \\u003cc\\u003e"}');
    expect(JSON.parse(encodeGoJson({ s: 'x\u2028y' })).s).toBe('x\u2028y');
  });

  it('writes floats as Go does for the ranges the inventory has', () => {
    expect(encodeGoJson({ frequency: 3729.4919, count: 112 })).toBe('{"count":112,"frequency":3729.4919}');
  });
});

describe('Go-style JSON with pointer fields', () => {
  it('keeps a 0 only at the paths named, arrays of objects included, and still drops undefined there', () => {
    const keep = new Set(['numa.nodes[].id', 'pci_devices[].numa_node']);
    const json = encodeGoJson({ numa: { nodes: [{ id: 0, memory_bytes: 0 }, { id: 1 }] }, pci_devices: [{ numa_node: 0, sriov_num_vfs: 0 }, { numa_node: undefined }], id: 0 }, keep);
    expect(json).toBe('{"numa":{"nodes":[{"id":0},{"id":1}]},"pci_devices":[{"numa_node":0},{}]}');
  });
});
