package dev.sluice.stack;

import dev.sluice.tcp.SipHash;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Packet;
import dev.sluice.wire.Ipv6Packet;
import java.security.SecureRandom;

/**
 * Reassembles fragmented IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) datagrams, within fixed
 * bounds on memory, datagrams, fragments and time (hostile input 4: FragmentSmack CVE-2018-5391,
 * Teardrop, Ping of Death).
 *
 * <h2>Use</h2>
 *
 * A receive worker hands every packet that {@link dev.sluice.wire.PacketDecoder} accepted and
 * marked as a fragment to {@link #offer}, and calls {@link #expire} now and then (offer also
 * expires what is due, so a busy reassembler needs no timer). When offer returns a length, {@code
 * out} holds the whole datagram as an ordinary IP packet, to be decoded again from its transport
 * header on.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li>Fragments belong together when they share source, destination, protocol and
 *       identification (IPv4, RFC 791 §3.2), or source, destination and identification (IPv6,
 *       RFC 8200 §4.5: the Next Header of non-first fragments may differ and only the offset-zero
 *       fragment's counts, so it is not part of the key).
 *   <li>Any overlap drops the whole datagram, and the key is remembered until its timeout so that
 *       fragments still to come are dropped too: RFC 5722 §4 requires it for IPv6 ("including
 *       those not yet received"). IPv4 gets the same rule, although RFC 791's algorithm lets later
 *       bytes overwrite earlier ones: overlapping fragments have no legitimate source (RFC 1858
 *       §3 and Teardrop), overlaps are how IDS evasion rewrites a datagram differently for the
 *       inspector and the host, and Linux drops IPv4 datagrams on inconsistent overlaps as well.
 *       Exact duplicates (same offset and length) are not overlaps: they are dropped alone and the
 *       datagram goes on (RFC 8200 §4.5 allows this).
 *   <li>The last fragment (MF = 0) fixes the datagram's end. A second last fragment with another
 *       end, data past the end, or an end below data already held drops the whole datagram.
 *   <li>A datagram whose reassembled length would exceed 65,535 (IPv4 total length, or IPv6
 *       payload length) is dropped whole, as soon as any fragment shows it (RFC 8200 §4.5; Ping
 *       of Death). A non-last fragment that is not a multiple of 8 bytes, or empty, is dropped
 *       alone (RFC 8200 §4.5, RFC 791 §3.2).
 *   <li>ECN (RFC 3168 §5.3): if any fragment is CE, the datagram is CE, unless another was
 *       Not-ECT, in which case it is dropped. Otherwise the offset-zero fragment's codepoint stays.
 * </ul>
 *
 * <h2>Bounds</h2>
 *
 * <ul>
 *   <li><b>Time.</b> A datagram (or a remembered dropped key) lives at most {@code timeoutNanos}
 *       from its first fragment. RFC 791 suggests at least 15 s, RFC 8200 abandons after 60 s;
 *       the default is Linux's ipfrag_time, 30 s.
 *   <li><b>Memory.</b> Fragment bytes are held in one buffer per datagram, grown by doubling
 *       (allocation per datagram, a few times at most, never per byte), so memory follows the
 *       bytes received rather than the offsets claimed: one 8-byte fragment at offset 65,000 costs
 *       about 8 bytes, not 65,000. {@link #bytesHeld()} is the sum of those buffers' sizes plus
 *       12 bytes per fragment slot of bookkeeping (for a flood of 8-byte fragments, more than the
 *       data itself), and never exceeds the high watermark: when an allocation would cross it,
 *       the oldest datagrams are evicted until the total is back below the low watermark (three
 *       quarters of the high one), the FragmentSmack fix. Evicting the oldest rather than
 *       refusing the newest means a flood cannot lock legitimate datagrams out for a whole
 *       timeout; it must outpace them.
 *   <li><b>Datagrams.</b> At most {@code maxDatagrams} keys are held, live or remembered; a new
 *       one beyond that evicts the oldest. What {@code bytesHeld} does not count is a fixed object
 *       of about 150 bytes per datagram and one bucket reference per datagram allowed, so this
 *       bounds the rest.
 *   <li><b>Work.</b> The table is hashed with SipHash under a random key, so chosen addresses and
 *       identifications cannot build long chains. A datagram holds at most {@link
 *       #MAX_FRAGMENTS_PER_DATAGRAM} fragments, checked linearly, so each fragment costs
 *       O(fragments of its datagram). Expiry and eviction take the oldest datagram first from an
 *       age-ordered list, O(1) each, and each datagram is expired or evicted once.
 * </ul>
 *
 * <p>Drops are counted per fragment discarded, under the datagram's reason: an overlap that drops
 * a datagram holding three fragments counts four {@link DropReason#FRAGMENT_OVERLAP}.
 *
 * <p>Each datagram's buffer, fragments and output are a {@link FragmentedDatagram}; this class
 * keeps the table, the age list and the bounds, and decides what is filed, evicted and dropped.
 *
 * <h2>Locking</h2>
 *
 * Thread-safe. One lock per reassembler guards all of its state: the table, the age list, every
 * datagram and {@code bytesHeld}. {@link #offer} reads the caller's packet outside the lock,
 * takes the lock once to file the fragment, and if that completes the datagram, unlinks it under
 * the lock and copies it into {@code out} after releasing it (nobody else can reach an unlinked
 * datagram). No lock is held while calling out, other than into the thread-safe {@link
 * DropCounters}. Fragments are rare and flow steering sends a datagram's fragments to one worker,
 * so one lock does not contend; striping would only matter under a fragment flood, which this
 * class exists to shrug off cheaply anyway.
 */
final class FragmentReassembler {
  /** Linux's ipfrag_time; between RFC 791's 15 s suggestion and RFC 8200's 60 s ceiling. */
  public static final long DEFAULT_TIMEOUT_NANOS = 30_000_000_000L;
  /** Linux's ipfrag_high_thresh. */
  public static final int DEFAULT_MAX_BYTES = 4 << 20;
  public static final int DEFAULT_MAX_DATAGRAMS = 1024;
  /**
   * Enough for a 65,535-byte datagram over a 576-byte MTU (RFC 791's datagram every host accepts
   * and RFC 1122's minimum EMTU_R), about 120 fragments, and for a 576-byte datagram cut into
   * 8-byte fragments (70); linear work per fragment stays trivial.
   */
  public static final int MAX_FRAGMENTS_PER_DATAGRAM = 128;
  /**
   * The room {@code out} needs: the largest IPv6 packet without a jumbogram, a 40-byte header
   * and a 65,535-byte payload. The largest IPv4 packet is 65,535.
   */
  public static final int MAX_REASSEMBLED_LENGTH = Ipv6Packet.HEADER_LENGTH + 65_535;

  private static final int MAX_LENGTH_FIELD = 65_535;
  private static final int FRAGMENT_HEADER_LENGTH = 8;
  private static final int MIN_PIECES = 4;

  /** Results of {@link #fileLocked} other than a completed datagram. */
  private static final FragmentedDatagram HELD = new FragmentedDatagram();
  private static final FragmentedDatagram DROPPED = new FragmentedDatagram();

  private final DropCounters drops;
  private final long timeoutNanos;
  private final int highBytes;
  private final int lowBytes;
  private final int maxDatagrams;
  private final long key0;
  private final long key1;
  private final Object lock = new Object();

  // Guarded by lock.
  /** Hash chains; allocated on first use so that an idle host pays nothing. */
  private FragmentedDatagram[] buckets;
  /** The age list: oldest first, by first fragment. Remembered dropped keys are in it too. */
  private FragmentedDatagram oldest;
  private FragmentedDatagram youngest;
  private int datagrams;
  private long bytesHeld;

  /** The defaults: 30 s, 4 MB high watermark (3 MB low), 1024 datagrams. */
  public FragmentReassembler(DropCounters drops) {
    this(drops, DEFAULT_TIMEOUT_NANOS, DEFAULT_MAX_BYTES, DEFAULT_MAX_DATAGRAMS);
  }

  /**
   * @param drops where discarded fragments are counted
   * @param timeoutNanos how long a datagram may take to complete, from its first fragment
   * @param maxBytes the high watermark of {@link #bytesHeld()}; the low one is three quarters of it
   * @param maxDatagrams how many datagrams (and remembered dropped keys) may be held at once
   */
  public FragmentReassembler(DropCounters drops, long timeoutNanos, int maxBytes, int maxDatagrams) {
    if (timeoutNanos <= 0 || maxBytes <= 0 || maxDatagrams <= 0 || maxDatagrams > 1 << 20) {
      throw new IllegalArgumentException("timeout, maxBytes and maxDatagrams (at most 2^20) must be "
          + "positive: " + timeoutNanos + ", " + maxBytes + ", " + maxDatagrams);
    }
    this.drops = java.util.Objects.requireNonNull(drops);
    this.timeoutNanos = timeoutNanos;
    this.highBytes = maxBytes;
    this.lowBytes = maxBytes - maxBytes / 4;
    this.maxDatagrams = maxDatagrams;
    // A keyed PRF, as ConnectionTable explains: a guessable hash lets a peer chain every key it
    // sends into one bucket.
    SecureRandom random = new SecureRandom();
    this.key0 = random.nextLong();
    this.key1 = random.nextLong();
  }

  /**
   * Files one fragment: the IP packet at {@code packet[off, off + len)}, which {@link
   * dev.sluice.wire.PacketDecoder} accepted and found to be a fragment (IPv4 with MF set or a
   * non-zero offset; IPv6 with a Fragment header that is not atomic). Lengths are read again and
   * bounds-checked here, so a malformed packet is dropped and counted, never read out of bounds.
   * The packet is copied; the caller keeps its buffer.
   *
   * @param out receives the reassembled packet, from index 0; at least {@link
   *     #MAX_REASSEMBLED_LENGTH} bytes
   * @return the length of the reassembled packet now in {@code out}; 0 if the fragment is held
   *     and more are needed; -1 if the fragment was dropped (and counted)
   * @throws IllegalArgumentException if {@code out} is too small, or the packet is a well-formed
   *     packet that is not a fragment: both are the caller's bugs, not the peer's
   */
  public int offer(byte[] packet, int off, int len, long nowNanos, byte[] out) {
    if (out.length < MAX_REASSEMBLED_LENGTH) {
      throw new IllegalArgumentException("out must hold " + MAX_REASSEMBLED_LENGTH + " bytes: " + out.length);
    }
    if (len < 1 || !Bytes.inBounds(packet, off, len)) {
      drops.increment(DropReason.IP_TRUNCATED);
      return -1;
    }
    int version = Bytes.u8(packet, off) >>> 4;
    if (version == 4) {
      return offerIpv4(packet, off, len, nowNanos, out);
    }
    if (version == 6) {
      return offerIpv6(packet, off, len, nowNanos, out);
    }
    drops.increment(DropReason.IP_BAD_VERSION);
    return -1;
  }

  /** Drops every datagram whose timeout has passed (RFC 791 §3.2, RFC 8200 §4.5). */
  public void expire(long nowNanos) {
    synchronized (lock) {
      expireLocked(nowNanos);
    }
  }

  /**
   * Bytes held now for datagrams in reassembly (their buffers and fragment bookkeeping); never more
   * than the {@code maxBytes} given.
   */
  public long bytesHeld() {
    synchronized (lock) {
      return bytesHeld;
    }
  }

  /** Datagrams in reassembly, plus dropped keys still remembered; at most {@code maxDatagrams}. */
  public int datagramsHeld() {
    synchronized (lock) {
      return datagrams;
    }
  }

  // ------------------------------------------------------------------ parsing (no lock)

  private int offerIpv4(byte[] p, int off, int len, long now, byte[] out) {
    if (len < Ipv4Packet.MIN_HEADER_LENGTH) {
      drops.increment(DropReason.IP_TRUNCATED);
      return -1;
    }
    int headerLength = (Bytes.u8(p, off) & 0x0F) * 4;
    if (headerLength < Ipv4Packet.MIN_HEADER_LENGTH || headerLength > len) {
      drops.increment(DropReason.IPV4_BAD_HEADER_LENGTH);
      return -1;
    }
    int totalLength = Bytes.u16(p, off + 2);
    if (totalLength < headerLength || totalLength > len) {
      drops.increment(DropReason.IPV4_BAD_TOTAL_LENGTH);
      return -1;
    }
    int flagsAndOffset = Bytes.u16(p, off + 6);
    int fragmentOffset = (flagsAndOffset & 0x1FFF) * 8;
    boolean more = (flagsAndOffset & 0x2000) != 0;
    if (!more && fragmentOffset == 0) {
      throw new IllegalArgumentException("not an IPv4 fragment");
    }
    return file(p, off, false, headerLength, -1, off + headerLength, totalLength - headerLength,
        fragmentOffset, more, now, out);
  }

  private int offerIpv6(byte[] p, int off, int len, long now, byte[] out) {
    if (len < Ipv6Packet.HEADER_LENGTH) {
      drops.increment(DropReason.IP_TRUNCATED);
      return -1;
    }
    int end = off + Ipv6Packet.HEADER_LENGTH + Bytes.u16(p, off + 4);
    if (end - off > len) {
      drops.increment(DropReason.IPV6_BAD_PAYLOAD_LENGTH);
      return -1;
    }
    // Find the Fragment header, and the Next Header field before it, which reassembly rewrites
    // (RFC 8200 §4.5). The decoder validated this chain; this walk only locates, with the same
    // safety as its walk (hostile input 5): every step moves forward at least 8 bytes, is checked
    // against the payload before it is taken, and the steps are capped.
    int nextHeaderField = off + 6;
    int pos = off + Ipv6Packet.HEADER_LENGTH;
    for (int step = 0; step < Ipv6Packet.MAX_EXTENSION_HEADERS; step++) {
      int next = Bytes.u8(p, nextHeaderField);
      if (end - pos < 8) {
        if (isExtensionHeader(next)) {
          drops.increment(DropReason.IPV6_EXTENSION_TRUNCATED);
          return -1;
        }
        break;
      }
      int length;
      switch (next) {
        case IpProtocol.IPV6_FRAGMENT -> {
          int offsetAndFlags = Bytes.u16(p, pos + 2);
          int fragmentOffset = offsetAndFlags & 0xFFF8;
          boolean more = (offsetAndFlags & 1) != 0;
          if (fragmentOffset != 0 || more) {
            int data = pos + FRAGMENT_HEADER_LENGTH;
            return file(p, off, true, pos - off, nextHeaderField - off, data, end - data,
                fragmentOffset, more, now, out);
          }
          length = FRAGMENT_HEADER_LENGTH; // atomic (RFC 6946): part of the per-fragment headers
        }
        case IpProtocol.HOP_BY_HOP, IpProtocol.IPV6_DESTINATION_OPTIONS, IpProtocol.IPV6_ROUTING ->
            length = (Bytes.u8(p, pos + 1) + 1) * 8;
        case IpProtocol.AH -> length = (Bytes.u8(p, pos + 1) + 2) * 4; // RFC 4302 §2.2
        default -> throw new IllegalArgumentException("not an IPv6 fragment: upper layer " + next);
      }
      if (length > end - pos) {
        drops.increment(DropReason.IPV6_EXTENSION_TRUNCATED);
        return -1;
      }
      nextHeaderField = pos;
      pos += length;
    }
    if (isExtensionHeader(Bytes.u8(p, nextHeaderField))) {
      drops.increment(DropReason.IPV6_EXTENSION_CHAIN_TOO_LONG);
      return -1;
    }
    throw new IllegalArgumentException("not an IPv6 fragment: no Fragment header");
  }

  private static boolean isExtensionHeader(int type) {
    return type == IpProtocol.HOP_BY_HOP || type == IpProtocol.IPV6_ROUTING
        || type == IpProtocol.IPV6_FRAGMENT || type == IpProtocol.IPV6_DESTINATION_OPTIONS
        || type == IpProtocol.AH;
  }

  // ------------------------------------------------------------------ filing

  /**
   * @param headerLength bytes from {@code off} that the reassembled packet keeps if this is the
   *     offset-zero fragment: the IPv4 header, or the IPv6 per-fragment headers (all before the
   *     Fragment header)
   * @param nextHeaderField IPv6: offset from {@code off} of the Next Header field to rewrite
   */
  private int file(byte[] p, int off, boolean v6, int headerLength, int nextHeaderField,
      int dataOff, int dataLength, int fragmentOffset, boolean more, long now, byte[] out) {
    DropReason malformed = v6 ? DropReason.IPV6_BAD_FRAGMENT : DropReason.IPV4_BAD_FRAGMENT;
    // RFC 8200 §4.5 (and RFC 791 §3.2, which cuts fragments on 8-octet boundaries): a non-last
    // fragment is a positive multiple of 8 bytes. This fragment alone is dropped. Empty ones would
    // only burn the per-datagram fragment cap.
    if (more && (dataLength == 0 || (dataLength & 7) != 0)) {
      drops.increment(malformed);
      return -1;
    }
    FragmentedDatagram done;
    synchronized (lock) {
      done = fileLocked(p, off, v6, headerLength, nextHeaderField, dataOff, dataLength,
          fragmentOffset, more, now, malformed);
    }
    if (done == HELD) {
      return 0;
    }
    if (done == DROPPED) {
      return -1;
    }
    return done.build(out); // no lock: nobody else can reach an unlinked datagram
  }

  /** Returns {@link #HELD}, {@link #DROPPED}, or the completed datagram, already unlinked. */
  private FragmentedDatagram fileLocked(byte[] p, int off, boolean v6, int headerLength, int nextHeaderField,
      int dataOff, int dataLength, int fragmentOffset, boolean more, long now, DropReason malformed) {
    expireLocked(now);
    long srcHigh;
    long srcLow;
    long dstHigh;
    long dstLow;
    int protocol;
    int id;
    if (v6) {
      srcHigh = Bytes.i64(p, off + 8);
      srcLow = Bytes.i64(p, off + 16);
      dstHigh = Bytes.i64(p, off + 24);
      dstLow = Bytes.i64(p, off + 32);
      protocol = -1;
      id = Bytes.i32(p, off + headerLength + 4);
    } else {
      srcHigh = 0;
      srcLow = Bytes.u32(p, off + 12);
      dstHigh = 0;
      dstLow = Bytes.u32(p, off + 16);
      protocol = Bytes.u8(p, off + 9);
      id = Bytes.u16(p, off + 4);
    }
    long hash = v6
        ? SipHash.hash5(key0, key1, srcHigh, srcLow, dstHigh, dstLow, id & 0xFFFF_FFFFL)
        : SipHash.hash2(key0, key1, srcLow << 32 | dstLow, (long) protocol << 32 | id);
    FragmentedDatagram d = find(hash, v6, srcHigh, srcLow, dstHigh, dstLow, protocol, id);
    if (d != null && d.droppedFor != null) {
      // RFC 5722 §4: the fragments of a dropped datagram that were not yet received go too.
      drops.increment(d.droppedFor);
      return DROPPED;
    }
    if (d == null) {
      d = create(hash, v6, srcHigh, srcLow, dstHigh, dstLow, protocol, id, now);
    }

    boolean first = fragmentOffset == 0;
    int end = fragmentOffset + dataLength;
    // RFC 8200 §4.5 and RFC 791 §3.2: the reassembled length field must fit 16 bits. The headers
    // that count are the offset-zero fragment's; until it arrives, assume the smallest.
    int headerCost = first ? headerLength : d.headerPos >= 0 ? d.headerLength : v6 ? 40 : 20;
    if (v6) {
      headerCost -= Ipv6Packet.HEADER_LENGTH; // the payload length excludes the fixed header
    }
    if (Math.max(end, d.maxEnd) > MAX_LENGTH_FIELD - headerCost) {
      return discard(d, malformed);
    }
    // The last fragment fixes the end (RFC 791 §3.2: "the total data length is computed" from
    // it); fragments that disagree about it cannot come from one datagram.
    boolean inconsistent = more
        ? d.end >= 0 && end > d.end // data past the end
        : d.end >= 0 && d.end != end || d.maxEnd > end; // a second, different end
    if (inconsistent) {
      return discard(d, DropReason.FRAGMENT_INCONSISTENT);
    }
    int at = d.pieces;
    for (int i = 0; i < d.pieces; i++) {
      int start = d.starts[i];
      int stop = d.ends[i];
      if (start == fragmentOffset && stop == end) {
        drops.increment(DropReason.FRAGMENT_DUPLICATE); // RFC 8200 §4.5: not an overlap
        return DROPPED;
      }
      if (fragmentOffset < stop && start < end) {
        return discard(d, DropReason.FRAGMENT_OVERLAP); // RFC 5722 §4
      }
      if (at == d.pieces && start > fragmentOffset) {
        at = i;
      }
    }
    if (d.pieces == MAX_FRAGMENTS_PER_DATAGRAM) {
      return discard(d, DropReason.FRAGMENT_TOO_MANY);
    }
    boolean storeHeader = first && d.headerPos < 0;
    if (!reserve(d, d.used + dataLength + (storeHeader ? headerLength : 0))) {
      // The datagram alone is larger than the watermark allows: nothing to remember it for.
      drops.increment(DropReason.FRAGMENT_MEMORY_PRESSURE);
      countFragments(d, DropReason.FRAGMENT_MEMORY_PRESSURE);
      remove(d);
      return DROPPED;
    }
    if (storeHeader) {
      System.arraycopy(p, off, d.arena, d.used, headerLength);
      d.headerPos = d.used;
      d.headerLength = headerLength;
      d.nextHeaderField = nextHeaderField;
      d.fragmentNextHeader = v6 ? Bytes.u8(p, off + headerLength) : 0;
      d.used += headerLength;
    }
    System.arraycopy(p, dataOff, d.arena, d.used, dataLength);
    d.insertPiece(at, fragmentOffset, end, d.used);
    d.used += dataLength;
    d.received += dataLength;
    d.maxEnd = Math.max(d.maxEnd, end);
    if (!more) {
      d.end = end;
    }
    d.noteEcn(p, off);
    // Pieces are disjoint and lie in [0, end), so they cover it exactly when their sizes add up.
    if (d.end < 0 || d.headerPos < 0 || d.received != d.end) {
      return HELD;
    }
    if (d.ecnInconsistent()) {
      countFragments(d, DropReason.FRAGMENT_INCONSISTENT);
      remove(d);
      return DROPPED;
    }
    remove(d);
    return d;
  }

  /**
   * Makes room in {@code d} for {@code needed} buffer bytes and one more fragment, without crossing
   * the high watermark: if it would, the oldest other datagrams are evicted until the total is
   * back below the low watermark (FragmentSmack). False if even that is not enough.
   */
  private boolean reserve(FragmentedDatagram d, int needed) {
    int capacity = d.arena.length;
    int slots = d.starts.length;
    // Grow by doubling, so a datagram reallocates a handful of times, never per fragment.
    int grownSlots = d.pieces < slots
        ? slots
        : Math.min(MAX_FRAGMENTS_PER_DATAGRAM, Math.max(MIN_PIECES, slots * 2));
    int grown = needed <= capacity
        ? capacity
        : Math.max(needed, Math.min(MAX_REASSEMBLED_LENGTH, capacity * 2));
    long delta = grown - capacity + (long) FragmentedDatagram.PIECE_BYTES * (grownSlots - slots);
    if (delta == 0) {
      return true;
    }
    if (bytesHeld + delta > highBytes) {
      // Each pass removes one datagram, so this ends; each datagram is evicted once, so the work
      // is paid for by the fragments that created them.
      boolean more = true;
      while (more && bytesHeld + delta > lowBytes) {
        more = evictOldest(d, DropReason.FRAGMENT_MEMORY_PRESSURE);
      }
      if (bytesHeld + delta > highBytes) {
        // No room for slack: grow exactly.
        grown = Math.max(needed, capacity);
        grownSlots = d.pieces < slots ? slots : slots + 1;
        delta = grown - capacity + (long) FragmentedDatagram.PIECE_BYTES * (grownSlots - slots);
        if (bytesHeld + delta > highBytes) {
          return false;
        }
      }
    }
    d.grow(grown, grownSlots);
    bytesHeld += delta;
    return true;
  }

  // ------------------------------------------------------------------ table and age list

  private FragmentedDatagram find(long hash, boolean v6, long srcHigh, long srcLow, long dstHigh, long dstLow,
      int protocol, int id) {
    if (buckets == null) {
      return null;
    }
    for (FragmentedDatagram d = buckets[(int) hash & (buckets.length - 1)]; d != null; d = d.nextInBucket) {
      if (d.hasKey(hash, v6, srcHigh, srcLow, dstHigh, dstLow, protocol, id)) {
        return d;
      }
    }
    return null;
  }

  private FragmentedDatagram create(long hash, boolean v6, long srcHigh, long srcLow, long dstHigh,
      long dstLow, int protocol, int id, long now) {
    if (datagrams >= maxDatagrams) {
      evictOldest(null, DropReason.FRAGMENT_TABLE_FULL);
    }
    if (buckets == null) {
      buckets = new FragmentedDatagram[Integer.highestOneBit(maxDatagrams - 1 | 1) << 1];
    }
    FragmentedDatagram d = new FragmentedDatagram();
    d.hash = hash;
    d.v6 = v6;
    d.srcHigh = srcHigh;
    d.srcLow = srcLow;
    d.dstHigh = dstHigh;
    d.dstLow = dstLow;
    d.protocol = protocol;
    d.id = id;
    d.createdNanos = now;
    int bucket = (int) hash & (buckets.length - 1);
    d.nextInBucket = buckets[bucket];
    buckets[bucket] = d;
    d.older = youngest;
    if (youngest != null) {
      youngest.younger = d;
    } else {
      oldest = d;
    }
    youngest = d;
    datagrams++;
    return d;
  }

  /**
   * Drops {@code d}'s fragments, counting them and the one being filed, and remembers its key
   * until its timeout so that later fragments are dropped too (RFC 5722 §4).
   */
  private FragmentedDatagram discard(FragmentedDatagram d, DropReason reason) {
    drops.increment(reason);
    countFragments(d, reason);
    bytesHeld -= d.cost();
    d.forget(reason);
    return DROPPED;
  }

  private void countFragments(FragmentedDatagram d, DropReason reason) {
    for (int i = 0; i < d.pieces; i++) {
      drops.increment(reason);
    }
  }

  /** Evicts the oldest datagram other than {@code keep}, counting its fragments; false if none. */
  private boolean evictOldest(FragmentedDatagram keep, DropReason reason) {
    FragmentedDatagram victim = oldest == keep ? keep.younger : oldest;
    if (victim == null) {
      return false;
    }
    countFragments(victim, reason);
    remove(victim);
    return true;
  }

  private void expireLocked(long now) {
    while (oldest != null && now - oldest.createdNanos >= timeoutNanos) {
      // RFC 8200 §4.5 would have an ICMP Time Exceeded sent if the first fragment is here; the
      // host's ICMP layer can add that, this class only frees and counts.
      countFragments(oldest, DropReason.FRAGMENT_TIMEOUT);
      remove(oldest);
    }
  }

  private void remove(FragmentedDatagram d) {
    int bucket = (int) d.hash & (buckets.length - 1);
    if (buckets[bucket] == d) {
      buckets[bucket] = d.nextInBucket;
    } else {
      FragmentedDatagram before = buckets[bucket];
      while (before.nextInBucket != d) {
        before = before.nextInBucket;
      }
      before.nextInBucket = d.nextInBucket;
    }
    if (d.older != null) {
      d.older.younger = d.younger;
    } else {
      oldest = d.younger;
    }
    if (d.younger != null) {
      d.younger.older = d.older;
    } else {
      youngest = d.older;
    }
    d.older = null;
    d.younger = null;
    d.nextInBucket = null;
    bytesHeld -= d.cost();
    datagrams--;
  }

  /**
   * Checks the bookkeeping against itself, for tests: lists and counts agree, bytes add up and stay
   * under the watermark, pieces are sorted and disjoint. Throws {@link IllegalStateException}.
   */
  void checkInvariants() {
    synchronized (lock) {
      int count = 0;
      long bytes = 0;
      for (FragmentedDatagram d = oldest; d != null; d = d.younger) {
        count++;
        bytes += d.cost();
        if (find(d.hash, d.v6, d.srcHigh, d.srcLow, d.dstHigh, d.dstLow, d.protocol, d.id) != d) {
          throw new IllegalStateException("datagram not in its bucket");
        }
        if (d.younger == null ? youngest != d : d.younger.older != d) {
          throw new IllegalStateException("age list broken");
        }
        d.checkInvariants(MAX_FRAGMENTS_PER_DATAGRAM);
      }
      if (count != datagrams || bytes != bytesHeld || count > maxDatagrams || bytesHeld > highBytes) {
        throw new IllegalStateException("counts: " + count + "/" + datagrams + " datagrams, "
            + bytes + "/" + bytesHeld + " bytes");
      }
    }
  }
}
