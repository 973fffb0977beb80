package dev.sluice.stack;

import dev.sluice.tcp.IsnGenerator;
import dev.sluice.tcp.SynCookies;
import dev.sluice.tcp.TcpCounter;
import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpEngine;
import dev.sluice.tcp.TcpTotals;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.TcpSegment;

/**
 * What a listener does with a segment that has no connection yet (RFC 9293 §3.10.1 passive OPEN,
 * §3.10.7.2 LISTEN state), in the manner of gVisor's {@code accept.go}: a SYN makes a half-open
 * connection while the listener has room under its cap; beyond the cap it is answered with a SYN
 * cookie and forgotten (RFC 4987 §3.6; hostile input 10); an ACK that returns a valid cookie makes
 * the connection the SYN would have made. {@link TcpDemux} decides which segment comes here.
 *
 * <p>Every refusal is counted by reason in the host's totals: the host's connection limit ({@code
 * HOST_CONNECTION_LIMIT}, hostile input 32), a full accept queue ({@code LISTEN_QUEUE_FULL}), a
 * cookie that fails its check ({@code SYN_COOKIES_FAILED}).
 *
 * <p><b>Threads.</b> Workers call it concurrently. It keeps no state of its own: the cookie secret
 * and the ISN generator are immutable, the listener's counts are atomic, and a connection becomes
 * visible only through the connection table's {@code putIfAbsent}, which also settles a race
 * between two workers holding copies of one SYN or ACK (spray mode).
 */
final class PassiveOpen {
  /** How long after its last cookie a listener still checks ACKs for one: a cookie's lifetime. */
  private static final long COOKIE_CHECK_NANOS = 128_000_000_000L;

  private final Host host;
  private final ConnectionTable<Connection> table;
  private final TcpTotals totals;
  private final IsnGenerator isn;
  private final SynCookies cookies;
  private final int maxConnections;

  PassiveOpen(Host host, ConnectionTable<Connection> table, TcpTotals totals, IsnGenerator isn,
      SynCookies cookies) {
    this.host = host;
    this.table = table;
    this.totals = totals;
    this.isn = isn;
    this.cookies = cookies;
    this.maxConnections = host.config().maxConnections();
  }

  /**
   * A SYN for {@code listener}: returns the new half-open connection, which the caller owns and
   * must drain (its engine has taken the SYN), or null if none was made.
   */
  Connection syn(Listener listener, TcpEndpoints endpoints, TcpSegment syn, OwnerContext ctx, long now) {
    if (table.size() >= maxConnections) {
      totals.drop(DropReason.HOST_CONNECTION_LIMIT); // hostile input 32: the per-stack cap
      return null;
    }
    if (!listener.admit()) {
      if (listener.cookiesHelp()) {
        sendCookieSynAck(listener, endpoints, syn, ctx, now); // keeps no state
      } else {
        totals.drop(DropReason.LISTEN_QUEUE_FULL); // the accept queue itself is full
      }
      return null;
    }
    TcpEngine engine = TcpEngine.accept(listener.tcpConfig(), endpoints, syn, endpoints.isn(isn, now), now);
    Connection c = host.newConnection(engine, listener, ctx.worker);
    c.tryAcquire();
    if (table.putIfAbsent(endpoints, c) != null) {
      // Another worker created it from a copy of this SYN a moment ago (spray mode): the engine
      // there will see the duplicate SYN through its own path; this one is discarded unseen.
      listener.abandoned();
      return null;
    }
    return c;
  }

  /**
   * A SYN that the forwarder accepted (see {@link ForwardedSyn}): the half-open connection, which
   * the caller owns and must drain, or null at the host's connection limit or if it exists
   * already. It has no listener: the forwarder holds it from the start.
   */
  Connection forwarded(TcpEndpoints endpoints, TcpSegment syn, dev.sluice.tcp.TcpConfig tcp, OwnerContext ctx,
      long now) {
    if (table.size() >= maxConnections) {
      totals.drop(DropReason.HOST_CONNECTION_LIMIT);
      return null;
    }
    TcpEngine engine = TcpEngine.accept(tcp, endpoints, syn, endpoints.isn(isn, now), now);
    Connection c = host.newConnection(engine, null, ctx.worker);
    c.tryAcquire();
    return table.putIfAbsent(endpoints, c) == null ? c : null;
  }

  /**
   * Answers a SYN for a listener at its cap with a SYN-ACK whose ISS is a cookie, and keeps
   * nothing; {@link dev.sluice.tcp.CookieSynAck} says what it offers.
   */
  private void sendCookieSynAck(Listener listener, TcpEndpoints e, TcpSegment syn, OwnerContext ctx, long now) {
    int length = ctx.synAck.write(cookies, listener.tcpConfig(), e, syn, now, ctx.tx, e.ipHeaderLength());
    listener.cookieSent(now);
    totals.increment(TcpCounter.SYN_COOKIES_SENT);
    totals.increment(TcpCounter.SEGMENTS_OUT);
    host.transmitTcp(e, host.deviceFor(e), ctx, length, now);
  }

  /**
   * The MSS that a cookie in {@code ack} (a bare ACK for {@code listener}) carries, or -1 if it is
   * not one. ACKs are checked only while the listener's cookies can still be alive; a failed check
   * is counted, and the ACK is then answered as any stray ACK.
   */
  int cookieMss(Listener listener, TcpEndpoints endpoints, TcpSegment ack, long now) {
    if (!listener.sentCookiesWithin(now, COOKIE_CHECK_NANOS)) {
      return -1;
    }
    int mss = cookies.mss(endpoints, ack.sequenceNumber(), ack.acknowledgmentNumber(), now);
    if (mss <= 0) {
      totals.increment(TcpCounter.SYN_COOKIES_FAILED);
    }
    return mss;
  }

  /**
   * The connection made from a valid cookie in {@code ack}, whose MSS is {@code mss}; its engine
   * has taken the ACK already and the caller owns it. Null if none was made.
   */
  Connection cookieAck(Listener listener, TcpEndpoints endpoints, TcpSegment ack, int mss, OwnerContext ctx,
      long now) {
    if (table.size() >= maxConnections) {
      totals.drop(DropReason.HOST_CONNECTION_LIMIT);
      return null;
    }
    if (!listener.admitCookie()) {
      totals.drop(DropReason.LISTEN_QUEUE_FULL);
      return null;
    }
    TcpEngine engine = TcpEngine.acceptCookie(listener.tcpConfig(), endpoints, ack, mss, now);
    Connection c = host.newConnection(engine, listener, ctx.worker);
    c.tryAcquire();
    if (table.putIfAbsent(endpoints, c) != null) {
      listener.abandoned(); // another worker made it from a copy of this ACK a moment ago
      return null;
    }
    totals.increment(TcpCounter.SYN_COOKIES_RECEIVED);
    return c;
  }
}
