package dev.sluice.stack;

import dev.sluice.link.PacketBuffer;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.PacketDecoder;
import java.net.BindException;
import java.util.concurrent.ConcurrentHashMap;

/** A host's UDP ports (RFC 768): bound endpoints by port, and delivery to them. */
final class Udp {
  private final Host host;
  private final ConcurrentHashMap<Integer, UdpEndpoint> bound = new ConcurrentHashMap<>();

  Udp(Host host) {
    this.host = host;
  }

  UdpEndpoint bind(int port, int queueCapacity) throws BindException {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port out of range [0, 65535]: " + port);
    }
    if (port == 0) { // an ephemeral port, as bind to port 0 picks one
      int first = EphemeralPorts.DEFAULT_FIRST;
      int count = EphemeralPorts.DEFAULT_LAST - first + 1;
      int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(count);
      for (int i = 0; i < count; i++) {
        UdpEndpoint endpoint = new UdpEndpoint(host, this, first + (start + i) % count, queueCapacity);
        if (bound.putIfAbsent(endpoint.port(), endpoint) == null) {
          return endpoint;
        }
      }
      throw new BindException("Address already in use: every ephemeral UDP port is bound");
    }
    UdpEndpoint endpoint = new UdpEndpoint(host, this, port, queueCapacity);
    if (bound.putIfAbsent(port, endpoint) != null) {
      throw new BindException("Address already in use: UDP port " + port);
    }
    return endpoint;
  }

  /** Closes every port, waking their receivers: the stack is closing. */
  void closeAll() {
    for (UdpEndpoint endpoint : bound.values()) {
      endpoint.closeByStack();
    }
  }

  void unbind(UdpEndpoint endpoint) {
    bound.remove(endpoint.port(), endpoint);
  }

  /** A worker's validated datagram; the buffer goes to the endpoint's queue or is released. */
  void receive(PacketBuffer packet, PacketDecoder d) {
    UdpEndpoint endpoint = bound.get(d.udp().destinationPort());
    if (endpoint == null || !endpoint.accepts(d)) { // a connected port hears its peer only
      host.dropped(DropReason.UDP_NO_SOCKET);
      packet.release();
      return;
    }
    if (!endpoint.offer(packet)) {
      host.dropped(DropReason.UDP_QUEUE_FULL);
      packet.release();
    }
  }
}
