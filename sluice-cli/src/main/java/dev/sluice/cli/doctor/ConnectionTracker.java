package dev.sluice.cli.doctor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sorts TCP packets into connections, both directions together.
 *
 * <p>The client is the side that sent the first SYN; a SYN-ACK seen before any SYN makes its
 * receiver the client (it answers that side's SYN); with neither, the first packet's sender is the
 * client. A new SYN on a 4-tuple whose client's initial sequence number differs (or was never seen)
 * starts a new connection: ports are reused, and the old connection has ended one way or another.
 */
public final class ConnectionTracker {
  private final Map<Set<Endpoint>, TrackedConnection> current = new HashMap<>();
  private final List<TrackedConnection> connections = new ArrayList<>();
  private final Map<TrackedConnection, Integer> clientIsn = new HashMap<>();

  public void add(TcpPacket packet) {
    Set<Endpoint> key = Set.of(packet.source(), packet.destination());
    if (key.size() < 2) {
      return; // a packet to itself (a LAND attack) belongs to no connection
    }
    TrackedConnection connection = current.get(key);
    boolean pureSyn = packet.syn() && !packet.ack() && !packet.rst();
    if (connection != null && pureSyn && packet.source().equals(connection.client())) {
      Integer isn = clientIsn.get(connection);
      if (isn == null || isn != packet.sequence()) {
        connection = null; // a new incarnation of the same 4-tuple
      }
    }
    if (connection == null) {
      boolean synAck = packet.syn() && packet.ack();
      Endpoint client = synAck ? packet.destination() : packet.source();
      Endpoint server = synAck ? packet.source() : packet.destination();
      connection = new TrackedConnection(connections.size() + 1, client, server);
      connections.add(connection);
      current.put(key, connection);
    }
    if (pureSyn && packet.source().equals(connection.client())) {
      clientIsn.putIfAbsent(connection, packet.sequence());
    }
    connection.add(packet);
  }

  /** The connections in order of their first packet. */
  public List<TrackedConnection> connections() {
    return List.copyOf(connections);
  }
}
