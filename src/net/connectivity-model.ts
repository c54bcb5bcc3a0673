/** The wire shapes of swagger `connectivity-check-params` and `connectivity-report`. */

export interface ConnectivityCheckNic {
  name: string;
  mac: string;
  ip_addresses: string[];
}

export interface ConnectivityCheckHost {
  host_id: string;
  nics: ConnectivityCheckNic[];
}

export interface L2Connectivity {
  outgoing_ip_address?: string;
  outgoing_nic?: string;
  remote_ip_address: string;
  remote_mac?: string;
  successful: boolean;
}

export interface L3Connectivity {
  average_rtt_ms?: number;
  outgoing_nic?: string;
  packet_loss_percentage?: number;
  remote_ip_address: string;
  successful: boolean;
}

export interface MtuReport {
  mtu_successful: boolean;
  outgoing_nic: string;
  remote_ip_address: string;
}

export interface ConnectivityRemoteHost {
  host_id: string;
  /** null (not []) when empty, as a nil Go slice marshals. */
  l2_connectivity: L2Connectivity[] | null;
  l3_connectivity: L3Connectivity[] | null;
  mtu_report: MtuReport[] | null;
}

export interface ConnectivityReport {
  remote_hosts: ConnectivityRemoteHost[] | null;
}
