package dev.sluice.cli.doctor;

import dev.sluice.wire.TcpOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The packets of one TCP connection in capture order, with each packet's sender and its sequence
 * and acknowledgment numbers made relative ({@link SequenceSpace}).
 */
public final class TrackedConnection {
  /** One packet of the connection. {@code ack} is in the receiver's sequence space. */
  public record Segment(Side from, TcpPacket packet, long seq, long ack) {
    /** The relative sequence number just past this segment's data, SYN and FIN. */
    public long end() {
      return seq + packet.sequenceLength();
    }
  }

  private final int number;
  private final Endpoint client;
  private final Endpoint server;
  private final List<Segment> segments = new ArrayList<>();
  private final SequenceSpace clientSpace = new SequenceSpace();
  private final SequenceSpace serverSpace = new SequenceSpace();
  private int clientSynOffer = -2; // the window-scale shift in the client's SYN; -1 absent, -2 no SYN seen
  private int serverSynOffer = -2;

  TrackedConnection(int number, Endpoint client, Endpoint server) {
    this.number = number;
    this.client = client;
    this.server = server;
  }

  void add(TcpPacket packet) {
    Side from = packet.source().equals(client) ? Side.CLIENT : Side.SERVER;
    SequenceSpace own = space(from);
    SequenceSpace peer = space(from.other());
    if (packet.syn() && !own.known()) {
      own.startAt(packet.sequence());
    }
    if (packet.syn()) {
      if (from == Side.CLIENT && clientSynOffer == -2) {
        clientSynOffer = packet.windowScale();
      } else if (from == Side.SERVER && serverSynOffer == -2) {
        serverSynOffer = packet.windowScale();
      }
    }
    long seq = own.relative(packet.sequence());
    long ack = packet.ack() ? peer.relative(packet.acknowledgment()) : 0;
    segments.add(new Segment(from, packet, seq, ack));
  }

  private SequenceSpace space(Side side) {
    return side == Side.CLIENT ? clientSpace : serverSpace;
  }

  /** 1-based, in order of each connection's first packet in the capture. */
  public int number() {
    return number;
  }

  public Endpoint client() {
    return client;
  }

  public Endpoint server() {
    return server;
  }

  public Endpoint endpoint(Side side) {
    return side == Side.CLIENT ? client : server;
  }

  public List<Segment> segments() {
    return Collections.unmodifiableList(segments);
  }

  /** True if both SYNs were seen, so that the window-scale negotiation is known (RFC 7323 §2.2). */
  public boolean windowScaleKnown() {
    return clientSynOffer != -2 && serverSynOffer != -2;
  }

  /**
   * The shift to apply to windows that {@code side} advertises outside SYNs: its own offer, if both
   * sides offered scaling (RFC 7323 §2.2), clamped to 14 (§2.3); otherwise 0. Unknown when the
   * handshake was not captured, and then 0: the windows read low.
   */
  public int windowShift(Side side) {
    if (clientSynOffer < 0 || serverSynOffer < 0) {
      return 0;
    }
    return Math.min(side == Side.CLIENT ? clientSynOffer : serverSynOffer, TcpOptions.MAX_WINDOW_SCALE);
  }

  /** The window {@code segment}'s sender advertised, in bytes; a SYN's window is never scaled (§2.2). */
  public long windowBytes(Segment segment) {
    int window = segment.packet().window();
    return segment.packet().syn() ? window : (long) window << windowShift(segment.from());
  }

  /** Relative SACK edges of {@code segment} (sent by the receiver), in the data sender's space. */
  public long[] sackBlocks(Segment segment) {
    int[] raw = segment.packet().sackBlocks();
    long[] edges = new long[raw.length];
    if (raw.length == 0) {
      return edges;
    }
    // The edges are near the segment's own ACK, which is already relative: step from there.
    int ackRaw = segment.packet().acknowledgment();
    for (int i = 0; i < raw.length; i++) {
      edges[i] = segment.ack() + (raw[i] - ackRaw);
    }
    return edges;
  }

  public long firstTimeNanos() {
    return segments.getFirst().packet().timeNanos();
  }

  public long lastTimeNanos() {
    return segments.getLast().packet().timeNanos();
  }
}
