package dev.sluice.nio;

import dev.sluice.stack.ReadinessListener;
import java.util.Arrays;

/**
 * The selection keys of one channel, told when the stack says its readiness may have changed. A
 * channel may be registered with several selectors, so this is a small copy-on-write array.
 *
 * <p><b>Threads.</b> {@link #readinessChanged} runs on stack threads (a connection's owner, a
 * receive worker): it only queues each key on its selector and wakes that selector, without
 * locking. {@link #add} and {@link #remove} synchronize on this object.
 */
final class ChannelKeys implements ReadinessListener {
  private static final SluiceSelectionKey[] NONE = {};

  private volatile SluiceSelectionKey[] keys = NONE;

  synchronized void add(SluiceSelectionKey key) {
    SluiceSelectionKey[] grown = Arrays.copyOf(keys, keys.length + 1);
    grown[keys.length] = key;
    keys = grown;
  }

  synchronized void remove(SluiceSelectionKey key) {
    SluiceSelectionKey[] now = keys;
    for (int i = 0; i < now.length; i++) {
      if (now[i] == key) {
        SluiceSelectionKey[] shrunk = new SluiceSelectionKey[now.length - 1];
        System.arraycopy(now, 0, shrunk, 0, i);
        System.arraycopy(now, i + 1, shrunk, i, now.length - i - 1);
        keys = shrunk;
        return;
      }
    }
  }

  @Override
  public void readinessChanged() {
    for (SluiceSelectionKey key : keys) {
      key.readinessMayHaveChanged();
    }
  }
}
