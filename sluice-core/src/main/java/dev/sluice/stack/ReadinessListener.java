package dev.sluice.stack;

/**
 * Told that a connection's, a listener's or a UDP port's readiness may have changed: bytes or an
 * end-of-stream became readable or were read, send-buffer space opened or filled, a handshake
 * completed or failed, a connection was queued for accept, a datagram arrived, or the thing was
 * closed. This is how a selector learns of readiness without polling (the role of a wait queue's
 * wake-up callback under {@code epoll}).
 *
 * <p>It runs on whichever stack thread made the change, often a connection's owner, so it must be
 * quick, must not block and must not call back into the stack: a typical listener marks something
 * and wakes a thread. It may be told when nothing changed; the told party reads the readiness
 * itself ({@link Connection#readiness()}, {@link Listener#queued()}, {@link UdpEndpoint#queued()}).
 */
@FunctionalInterface
public interface ReadinessListener {
  void readinessChanged();
}
