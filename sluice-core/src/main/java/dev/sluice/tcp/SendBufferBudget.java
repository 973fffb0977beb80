package dev.sluice.tcp;

/**
 * Memory that growing send buffers ({@link TcpConfig#sendBufferMaxBytes()}) reserve and give back,
 * shared by every connection one bound covers: the role of Linux's {@code tcp_mem}, under which
 * {@code sk_sndbuf} stops growing. A connection reserves before its buffer grows and gives the
 * growth back when its buffer shrinks (empty and idle) or it closes. Called by connections' owners
 * on any thread, so implementations are thread-safe.
 */
public interface SendBufferBudget {
  /** No bound: every growth is granted. */
  SendBufferBudget UNBOUNDED = new SendBufferBudget() {
    @Override
    public boolean tryReserve(int bytes) {
      return true;
    }

    @Override
    public void release(int bytes) {}
  };

  /**
   * Reserves {@code bytes} more for one connection's send buffer, if the bound allows.
   *
   * @param bytes how much the buffer would grow, positive
   * @return true if reserved, false if the buffer must stay as it is
   */
  boolean tryReserve(int bytes);

  /**
   * Gives back bytes that {@link #tryReserve} granted.
   *
   * @param bytes how much, positive
   */
  void release(int bytes);
}
