package dev.sluice.wire;

/**
 * Why a packet was dropped. Every drop anywhere in Sluice is counted under one of these, so that a
 * user can tell corruption from an attack from a full queue. The reasons live in {@code wire}, the
 * lowest layer, so every layer above can count into the same table.
 *
 * <p>Each description says, for the people who read counters ({@code serve --stats}, {@code
 * torture --stats}, the demo's report), what was wrong and names the rule it enforces (an RFC and
 * section). The comment after a reason gives the rows of the hostile-inputs catalogue it defends
 * against (docs/hostile-inputs.md says where each row is tested); those numbers mean nothing to a
 * reader of the counters, so they are not in the descriptions.
 *
 * <p>Immutable and thread-safe, as enums are.
 */
public enum DropReason {
  // --- IP, either family
  /** The frame holds fewer bytes than the fixed IPv4 (20) or IPv6 (40) header. */
  IP_TRUNCATED("shorter than an IP header"),
  /** The Version field is neither 4 (RFC 791 §3.1) nor 6 (RFC 8200 §3). */
  IP_BAD_VERSION("IP version is neither 4 nor 6"),

  // --- IPv4 (RFC 791)
  /** The IHL field states fewer than 20 bytes or more than the frame holds (RFC 791 §3.1). */
  IPV4_BAD_HEADER_LENGTH("IHL < 5 or beyond the frame"), // hostile inputs, row 16
  /** Total Length is shorter than the header or longer than the frame (RFC 791 §3.1). */
  IPV4_BAD_TOTAL_LENGTH("total length < header length or beyond the frame"), // hostile inputs, row 16
  /** The IPv4 header checksum does not check out (RFC 791 §3.1, RFC 1071). */
  IPV4_BAD_CHECKSUM("IPv4 header checksum mismatch"), // hostile inputs, row 17
  /** An IPv4 option's length is below 2 or reaches past the header (RFC 791 §3.1). */
  IPV4_BAD_OPTION("IPv4 option length invalid or past the header"), // hostile inputs, row 31
  /** A loose or strict source route option, which a host may refuse (RFC 1122 §3.3.5). */
  IPV4_SOURCE_ROUTED("IPv4 loose or strict source route"), // hostile inputs, row 31
  /** A fragment ending past 65,535 bytes, or non-final and not a multiple of 8 (RFC 791 §3.2). */
  IPV4_BAD_FRAGMENT("IPv4 fragment ends past 65535 or is not a multiple of 8"), // hostile inputs, row 4
  // Hostile inputs, row 18
  /** A multicast, broadcast or own source address, which no real host sends (RFC 1122 §3.2.1.3). */
  IPV4_BAD_SOURCE("IPv4 source is multicast, broadcast or one of our own addresses (RFC 1122 3.2.1.3)"),

  // --- IPv6 (RFC 8200)
  /** Payload Length is beyond the frame, or states a jumbogram (RFC 8200 §3, RFC 2675). */
  IPV6_BAD_PAYLOAD_LENGTH("IPv6 payload length beyond the frame, or a jumbogram"),
  /** An extension header reaches past the end of the payload (RFC 8200 §4). */
  IPV6_EXTENSION_TRUNCATED("IPv6 extension header runs past the packet"), // hostile inputs, row 5
  /** More extension headers than {@link Ipv6Packet#MAX_EXTENSION_HEADERS} (RFC 8200 §4.1). */
  IPV6_EXTENSION_CHAIN_TOO_LONG("IPv6 extension-header chain longer than the cap"), // hostile inputs, row 5
  /** A Hop-by-Hop Options header anywhere but right after the fixed header (RFC 8200 §4.1). */
  IPV6_HOP_BY_HOP_NOT_FIRST("Hop-by-Hop Options header not first (RFC 8200 4.1)"), // hostile inputs, row 5
  /** A Type 0 Routing header, deprecated for its amplification attacks (RFC 5095 §3). */
  IPV6_DEPRECATED_ROUTING_HEADER("IPv6 Type 0 routing header (RFC 5095)"),
  /**
   * A Routing header with segments left: this host is not the final destination (RFC 8200 §4.4).
   */
  IPV6_ROUTING_NOT_FINAL("IPv6 routing header with segments left: not for this host"),
  /** A malformed option, or an unknown one whose type asks for a discard (RFC 8200 §4.2). */
  IPV6_BAD_OPTION("IPv6 option malformed, or unknown with a discard action (RFC 8200 4.2)"),
  /** A fragment ending past 65,535 bytes, or non-final and not a multiple of 8 (RFC 8200 §4.5). */
  IPV6_BAD_FRAGMENT("IPv6 fragment ends past 65535 or is not a multiple of 8"), // hostile inputs, row 4
  /** A multicast (RFC 4291 §2.7) or own source address. */
  IPV6_BAD_SOURCE("IPv6 source is multicast (RFC 4291 2.7) or one of our own addresses"), // hostile inputs, row 18

  // --- TCP (RFC 9293)
  /** Fewer bytes than the 20-byte TCP header (RFC 9293 §3.1). */
  TCP_TRUNCATED("shorter than a TCP header"), // hostile inputs, row 15
  /** Data Offset below 5 words or past the segment's end (RFC 9293 §3.1). */
  TCP_BAD_DATA_OFFSET("TCP data offset < 5 or beyond the segment"), // hostile inputs, row 15
  /** The TCP checksum over pseudo-header and segment does not check out (RFC 9293 §3.1). */
  TCP_BAD_CHECKSUM("TCP checksum mismatch"), // hostile inputs, row 17
  /** A TCP option length of 0 or 1, or not the fixed length of its kind (RFC 9293 §3.2). */
  TCP_BAD_OPTION_LENGTH("TCP option length 0 or 1, or wrong for its kind"), // hostile inputs, rows 13, 14
  /** A TCP option reaches past the Data Offset (RFC 9293 §3.2). */
  TCP_OPTION_PAST_HEADER("TCP option runs past the data offset"), // hostile inputs, row 14
  /** Source or destination port 0, which no connection can use. */
  TCP_BAD_PORT("TCP port 0"),

  // --- UDP (RFC 768)
  /** Fewer bytes than the 8-byte UDP header (RFC 768). */
  UDP_TRUNCATED("shorter than a UDP header"),
  /** The UDP Length field disagrees with the IP payload length (RFC 768). */
  UDP_BAD_LENGTH("UDP length disagrees with the IP payload length"),
  /** The UDP checksum over pseudo-header and datagram does not check out (RFC 768). */
  UDP_BAD_CHECKSUM("UDP checksum mismatch"), // hostile inputs, row 17
  /** A zero UDP checksum over IPv6, where the checksum is mandatory (RFC 8200 §8.1). */
  UDP_MISSING_CHECKSUM("UDP over IPv6 without a checksum (RFC 8200 8.1)"),
  /** Destination port 0, which no socket can be bound to. */
  UDP_BAD_PORT("UDP destination port 0"),

  // --- ICMP (RFC 792, RFC 4443)
  /** Fewer bytes than the ICMP or ICMPv6 message type needs (RFC 792, RFC 4443 §2.1). */
  ICMP_TRUNCATED("shorter than the ICMP message type requires"),
  /** The ICMP or ICMPv6 checksum does not check out (RFC 792, RFC 4443 §2.3). */
  ICMP_BAD_CHECKSUM("ICMP checksum mismatch"), // hostile inputs, row 17

  // --- Ethernet and ARP
  /** Fewer bytes than the 14-byte Ethernet header. */
  ETHERNET_TRUNCATED("shorter than an Ethernet header"),
  /** Fewer bytes than the 28-byte Ethernet/IPv4 ARP packet (RFC 826). */
  ARP_TRUNCATED("shorter than an ARP packet"),
  /** ARP for a hardware or protocol type other than Ethernet and IPv4 (RFC 826). */
  ARP_UNSUPPORTED("ARP for other than Ethernet and IPv4"),

  // --- TCP engine (RFC 9293 §3.10.7, RFC 5961, RFC 7323)
  /** No connection or listener matches the segment (RFC 9293 §3.10.7.1). */
  TCP_NO_CONNECTION("no connection or listener for the segment"),
  /** The segment's sequence number is not acceptable (RFC 9293 §3.10.7.4). */
  TCP_OUT_OF_WINDOW("sequence number not acceptable (RFC 9293 3.10.7.4)"),
  /** A timestamp older than TS.Recent: an old duplicate (PAWS, RFC 7323 §5). */
  TCP_PAWS_REJECTED("timestamp older than TS.Recent (RFC 7323 5)"), // hostile inputs, row 21
  /** A RST outside the receive window, ignored (RFC 5961 §3.2). */
  TCP_RST_OUT_OF_WINDOW("RST outside the receive window (RFC 5961 3.2)"), // hostile inputs, row 6
  /** A RST in the window but not at RCV.NXT: answered with a challenge ACK (RFC 5961 §3.2). */
  TCP_RST_NOT_EXACT("in-window RST not at RCV.NXT: challenge ACK (RFC 5961 3.2)"), // hostile inputs, row 6
  /** A SYN on a synchronized connection: answered with a challenge ACK (RFC 5961 §4.2). */
  TCP_SYN_SYNCHRONIZED("SYN on a synchronized connection: challenge ACK (RFC 5961 4.2)"), // hostile inputs, row 7
  /** An ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] (RFC 5961 §5.2). */
  TCP_ACK_NOT_ACCEPTABLE("ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] (RFC 5961 5.2)"), // hostile inputs, rows 8, 27
  /** A segment without ACK on a synchronized connection (RFC 9293 §3.10.7.4, fifth). */
  TCP_NO_ACK_FLAG("segment without ACK on a synchronized connection"),
  /** A SYN-ACK acknowledging something never sent (RFC 9293 §3.10.7.3). */
  TCP_BAD_SYN_ACK("SYN-ACK acknowledging something we never sent"),
  /** An out-of-order segment that would open a hole beyond the reassembly cap. */
  TCP_REASSEMBLY_FULL("out-of-order segment needed a hole beyond the cap"), // hostile inputs, row 3
  /** Data past the sequence number of the peer's FIN. */
  TCP_DATA_AFTER_FIN("data beyond the peer's FIN"),
  /** New data after the application closed; answered with a RST (RFC 1122 §4.2.2.13). */
  TCP_DATA_AFTER_CLOSE("new data after the application closed: answered with RST (RFC 1122 4.2.2.13)"),
  /** A segment to a listener with none of SYN, ACK or RST (RFC 9293 §3.10.7.2, fourth). */
  TCP_LISTEN_NO_SYN("segment without SYN, ACK or RST to a listener (RFC 9293 3.10.7.2, fourth)"),
  /** A challenge ACK not sent because of the rate limit (RFC 5961 §7). */
  TCP_CHALLENGE_ACK_LIMITED("challenge ACK suppressed by the rate limit (RFC 5961 7)"), // hostile inputs, row 9
  /** A RST in TIME-WAIT, ignored against TIME-WAIT assassination (RFC 1337). */
  TCP_RST_IN_TIME_WAIT("RST ignored in TIME-WAIT (RFC 1337)"), // hostile inputs, row 23

  // --- ICMP errors about a connection, judged by the transport (RFC 5927)
  /**
   * A Packet Too Big or Fragmentation Needed MTU below 576 (IPv4) or 1280 (IPv6) (CVE-2004-1060).
   */
  ICMP_MTU_TOO_SMALL("packet-too-big MTU below 576 (IPv4) or 1280 (IPv6) (CVE-2004-1060)"), // hostile inputs, row 12
  // Hostile inputs, row 11
  /** An ICMP error on a synchronized connection, counted and not acted on (RFC 5927 §4.1). */
  ICMP_SOFT_ERROR("ICMP error on a synchronized connection: counted, not acted on (RFC 5927 4.1)"),
  /** An ICMP error or echo reply that quotes nothing of this host's. */
  ICMP_NO_SOCKET("ICMP error or echo reply quoting nothing of ours"),
  /** A UDP datagram for a port with no socket bound to it. */
  UDP_NO_SOCKET("UDP datagram for a port nobody listens on"),
  /** The receiving UDP socket's queue was full. */
  UDP_QUEUE_FULL("UDP socket's receive queue full"),
  // Hostile inputs, row 11
  /** An ICMP error quoting a sequence number outside [SND.UNA, SND.NXT] (RFC 5927 §4). */
  ICMP_QUOTE_OUT_OF_WINDOW("ICMP error quoting a sequence number outside [SND.UNA, SND.NXT] (RFC 5927)"),

  // --- Links and queues
  /** A packet larger than the link's MTU. */
  LINK_MTU_EXCEEDED("larger than the link MTU"),
  /** A receive queue between the link and a worker was full. */
  RX_QUEUE_FULL("receive queue full"),
  // Hostile inputs, row 10
  /** A bare SYN shed by a receive queue three quarters full, to keep room for connections. */
  RX_SYN_SHED("bare SYN dropped by a receive queue three quarters full: the rest is for connections"),

  // --- IP fragment reassembly (RFC 791 3.2, RFC 8200 4.5, RFC 5722) (hostile inputs, row 4)
  /** Overlapping fragments: the whole datagram is dropped (RFC 5722 §4). */
  FRAGMENT_OVERLAP("fragment overlapping another: the whole datagram is dropped (RFC 5722 4)"), // hostile inputs, row 4
  /** A fragment that contradicts the datagram's known end or passes 65,535 bytes. */
  FRAGMENT_INCONSISTENT("fragment contradicting the datagram's end or exceeding 65,535 bytes"), // hostile inputs, row 4
  /** An exact copy of a fragment already held (RFC 8200 §4.5). */
  FRAGMENT_DUPLICATE("exact duplicate of a fragment already held (RFC 8200 4.5)"),
  /** A datagram in more fragments than the reassembler accepts. */
  FRAGMENT_TOO_MANY("datagram split into more fragments than the reassembler allows"), // hostile inputs, row 4
  /** A datagram not completed within the reassembly timeout (RFC 791 §3.2, RFC 8200 §4.5). */
  FRAGMENT_TIMEOUT("datagram not completed within the reassembly timeout (RFC 791 3.2)"),
  // Hostile inputs, row 4
  /** A datagram evicted to keep reassembly memory under its bound (FragmentSmack). */
  FRAGMENT_MEMORY_PRESSURE("datagram evicted to keep reassembly memory under its bound (FragmentSmack)"),
  /** A datagram evicted because the reassembly table was full. */
  FRAGMENT_TABLE_FULL("datagram evicted because the reassembly table held its maximum"), // hostile inputs, row 4

  // --- The host runtime
  /**
   * A segment that found the connection's backlog full while another thread owned the connection.
   */
  BACKLOG_FULL("connection backlog at its limit while another thread owned the connection"),
  /** A SYN while the host holds as many connections as it allows. */
  HOST_CONNECTION_LIMIT("SYN while the host holds its maximum number of connections"), // hostile inputs, row 32
  /** A SYN for a listener whose accept queue and half-open connections are at their cap. */
  LISTEN_QUEUE_FULL("SYN for a listener whose accept queue and half-open connections are at the cap"),
  /** A retransmitted SYN whose forwarding the gateway is still deciding. */
  TCP_FORWARD_PENDING("retransmitted SYN whose forwarding is still being decided (the gateway role)"),
  /** A SYN to forward while the gateway holds as many undecided SYNs as it allows. */
  TCP_FORWARD_LIMIT("SYN to forward while the most SYNs waiting for a decision are held"),
  /** An ICMP message a host does not act on: router or neighbour discovery, MLD, timestamps. */
  ICMP_NOT_HANDLED("ICMP message this host does not act on: router or neighbour discovery, MLD, timestamps"),
  /**
   * A datagram or echo to a multicast, broadcast or unspecified address, which is never forwarded.
   */
  FORWARD_NOT_UNICAST("datagram or echo to a multicast, broadcast or unspecified address: never forwarded"),
  /** The UDP or echo forwarder threw on a datagram; the worker carries on. */
  FORWARD_FAILED("the UDP or echo forwarder threw on a datagram: dropped, the worker goes on"),
  /** A forwarder's datagram to the guest with no route or larger than the link MTU. */
  FORWARD_REPLY_UNSENDABLE("a forwarder's datagram to the guest with no route, or beyond the link MTU"),
  /** A destination address that is not one of this host's. */
  NOT_FOR_US("destination address is not one of this host's"),
  /**
   * 127/8 or ::1 as source or destination on a device other than loopback (RFC 1122 §3.2.1.3 (g)).
   */
  LOOPBACK_ON_WIRE("source or destination 127/8 or ::1 on a device other than loopback (RFC 1122 3.2.1.3 (g))"),
  /** A transport protocol this host does not serve. */
  UNSUPPORTED_PROTOCOL("a transport protocol this host does not serve");

  private final String description;

  DropReason(String description) {
    this.description = description;
  }

  /**
   * What was wrong with the packet, for logs and statistics.
   *
   * @return a short English phrase, usually naming the RFC rule, never {@code null}
   */
  public String description() {
    return description;
  }

  private static final DropReason[] VALUES = values();

  /** All reasons; shared, do not modify. Avoids the copy {@link #values()} makes. */
  static DropReason[] all() {
    return VALUES;
  }
}
