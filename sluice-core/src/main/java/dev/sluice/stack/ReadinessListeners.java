package dev.sluice.stack;

/**
 * The {@link ReadinessListener}s of one connection, listener or UDP port: a copy-on-write array,
 * because listeners are added once per selector registration and told on every readiness change.
 *
 * <p><b>Threads.</b> {@link #add} and {@link #remove} synchronize on this object; {@link #fire}
 * takes no lock and reads the array once, so a listener added while it runs may or may not be
 * told (it reads the readiness itself after adding, so nothing is missed).
 */
final class ReadinessListeners {
  private static final ReadinessListener[] NONE = {};

  private volatile ReadinessListener[] all = NONE;

  synchronized void add(ReadinessListener listener) {
    java.util.Objects.requireNonNull(listener, "listener");
    ReadinessListener[] grown = java.util.Arrays.copyOf(all, all.length + 1);
    grown[all.length] = listener;
    all = grown;
  }

  synchronized void remove(ReadinessListener listener) {
    ReadinessListener[] now = all;
    for (int i = 0; i < now.length; i++) {
      if (now[i] == listener) {
        ReadinessListener[] shrunk = new ReadinessListener[now.length - 1];
        System.arraycopy(now, 0, shrunk, 0, i);
        System.arraycopy(now, i + 1, shrunk, i, now.length - i - 1);
        all = shrunk;
        return;
      }
    }
  }

  void fire() {
    for (ReadinessListener l : all) {
      l.readinessChanged();
    }
  }
}
