/**
 * Tool outputs as iputils 20221126 and nmap 7.93 print them (recorded in test namespaces, addresses
 * and MACs then set to the values the upstream cases use).
 */

export const PING_OK_0 = `PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.

--- 10.0.0.1 ping statistics ---
10 packets transmitted, 10 received, 0% packet loss, time 9012ms
rtt min/avg/max/mdev = 16.201/17.099/18.552/0.611 ms
`;

export const PING_OK_60 = `PING 192.168.1.1 (192.168.1.1) 56(84) bytes of data.

--- 192.168.1.1 ping statistics ---
10 packets transmitted, 4 received, 60% packet loss, time 9154ms
rtt min/avg/max/mdev = 2.614/2.871/3.178/0.212 ms
`;

export const PING_OK_DECIMAL = `PING 192.168.1.1 (192.168.1.1) 56(84) bytes of data.

--- 192.168.1.1 ping statistics ---
30 packets transmitted, 23 received, 23.33% packet loss, time 29051ms
rtt min/avg/max/mdev = 0.081/0.193/0.412/0.074 ms
`;

export const PING_KO_AVERAGE = `PING 192.168.1.1 (192.168.1.1) 56(84) bytes of data.

--- 192.168.1.1 ping statistics ---
10 packets transmitted, 10 received, 0% packet loss, time 9012ms
rtt min/average/max/mdev = 0.049/0.114/0.232/0.083 ms
`;

export const PING_KO_DOUBLE_SPACE = `PING 192.168.1.1 (192.168.1.1) 56(84) bytes of data.

--- 192.168.1.1 ping statistics ---
10 packets transmitted, 10 received, 0%  packet loss, time 9012ms
rtt min/avg/max/mdev = 0.049/0.114/0.232/0.083 ms
`;

export const PING_UNREACHABLE = `PING 192.168.1.9 (192.168.1.9) 56(84) bytes of data.

--- 192.168.1.9 ping statistics ---
10 packets transmitted, 0 received, +10 errors, 100% packet loss, time 9203ms
pipe 4
`;

export const ARPING_OK = `ARPING 192.168.1.1 from 192.168.1.133 eth0
Unicast reply from 192.168.1.1 [F8:75:A4:A4:00:FE]  0.522ms
Unicast reply from 192.168.1.1 [F8:75:A4:A4:00:FE]  0.525ms
Unicast reply from 192.168.1.1 [F8:75:A4:A4:00:FE]  0.548ms
Unicast reply from 192.168.1.1 [F8:75:A4:A4:00:FE]  0.601ms
Unicast reply from 192.168.1.1 [F8:75:A4:A4:00:FE]  0.530ms
Sent 5 probes (1 broadcast(s))
Received 5 response(s)
`;

export const ARPING_CONFLICT = `ARPING 192.168.1.1 from 192.168.1.133 eth0
Unicast reply from 192.168.1.1 [F8:75:A4:A4:00:FE]  0.522ms
Unicast reply from 192.168.1.1 [00:50:56:95:BA:55]  0.610ms
Unicast reply from 192.168.1.1 [F8:75:A4:A4:00:FE]  0.548ms
Unicast reply from 192.168.1.1 [00:50:56:95:BA:55]  0.631ms
Sent 2 probes (1 broadcast(s))
Received 4 response(s)
`;

export const ARPING_NO_REPLY = `ARPING 192.168.1.9 from 192.168.1.133 eth0
Sent 5 probes (5 broadcast(s))
Received 0 response(s)
`;

/** RHEL 9 iputils exits 1 when fewer replies than probes came back. */
export const ARPING_PARTIAL = `ARPING 192.168.1.1 from 192.168.1.133 eth0
Unicast reply from 192.168.1.1 [F8:75:A4:A4:00:FE]  0.522ms
Unicast reply from 192.168.1.1 [F8:75:A4:A4:00:FE]  0.525ms
Sent 5 probes (1 broadcast(s))
Received 2 response(s)
`;

function nmapRun(hosts: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<!-- Nmap 7.93 scan initiated Sat Nov 21 07:05:03 2026 as: nmap -6 -sn -n -oX - -e eth0 fe80::1 -->
<nmaprun scanner="nmap" args="nmap -6 -sn -n -oX - -e eth0 2001:db8::2" start="1795244703" startstr="Sat Nov 21 07:05:03 2026" version="7.93" xmloutputversion="1.05">
<verbose level="0"/>
<debugging level="0"/>
${hosts}<runstats><finished time="1795244704" timestr="Sat Nov 21 07:05:04 2026" summary="Nmap done at Sat Nov 21 07:05:04 2026; 1 IP address (1 host up) scanned in 0.04 seconds" elapsed="0.04" exit="success"/><hosts up="1" down="0" total="1"/>
</runstats>
</nmaprun>
`;
}

export function nmapHost(state: string, ip: string, mac?: string): string {
  return `<host><status state="${state}" reason="nd-response" reason_ttl="0"/>
<address addr="${ip}" addrtype="ipv6"/>
${mac ? `<address addr="${mac}" addrtype="mac"/>\n` : ''}<hostnames>
</hostnames>
<times srtt="51" rttvar="5000" to="100000"/>
</host>
`;
}

export const nmapXml = (...hosts: string[]): string => nmapRun(hosts.join(''));
